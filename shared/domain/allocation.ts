/**
 * Splits a payment into the parts it settles. Interest first (arrears, then current), then principal:
 * overdue installments oldest first, then installments due that day, then early repayment of future
 * installments nearest first. Over-payment is refused, never absorbed.
 */
import { type BusinessDate, compareDates, isBefore } from "./dates.ts";
import { InterestExceedsPayable, InvariantViolation, PrincipalExceedsOutstanding } from "./errors.ts";
import { assertVnd } from "./money.ts";
import { type Installment, unpaidVnd } from "./schedule.ts";

export type AllocationKind =
  | "INTEREST_ARREARS"
  | "INTEREST_CURRENT"
  | "PRINCIPAL_OVERDUE"
  | "PRINCIPAL_DUE"
  | "PRINCIPAL_EARLY";

export interface AllocationPart {
  readonly kind: AllocationKind;
  readonly installmentSeq?: number;
  readonly amountVnd: number;
}

export interface AllocationInput {
  readonly paidOn: BusinessDate;
  readonly interestVnd: number;
  readonly principalVnd: number;
  readonly interestArrearsVnd: number;
  /** Interest accrued through the day before paidOn, already rounded to whole đồng. */
  readonly currentInterestVnd: number;
  readonly installments: readonly Installment[];
}

/** Relative to the payment day: unpaid after its due date is overdue; due that day is due; later is early. */
export function principalKind(dueDate: BusinessDate, paidOn: BusinessDate): AllocationKind {
  if (isBefore(dueDate, paidOn)) return "PRINCIPAL_OVERDUE";
  return dueDate === paidOn ? "PRINCIPAL_DUE" : "PRINCIPAL_EARLY";
}

export function allocatePayment(input: AllocationInput): AllocationPart[] {
  const interestVnd = assertVnd(input.interestVnd, "interestVnd");
  const principalVnd = assertVnd(input.principalVnd, "principalVnd");
  const arrearsVnd = assertVnd(input.interestArrearsVnd, "interestArrearsVnd");
  const currentVnd = assertVnd(input.currentInterestVnd, "currentInterestVnd");
  if (interestVnd > arrearsVnd + currentVnd) throw new InterestExceedsPayable(interestVnd, arrearsVnd + currentVnd);

  const parts: AllocationPart[] = [];
  const push = (part: AllocationPart) => {
    if (part.amountVnd > 0) parts.push(part);
  };
  const toArrears = Math.min(interestVnd, arrearsVnd);
  push({ kind: "INTEREST_ARREARS", amountVnd: toArrears });
  push({ kind: "INTEREST_CURRENT", amountVnd: interestVnd - toArrears });

  const open = input.installments
    .filter((installment) => unpaidVnd(installment) > 0)
    .sort((a, b) => compareDates(a.dueDate, b.dueDate) || a.seq - b.seq);
  let outstandingVnd = 0;
  for (const installment of open) outstandingVnd += unpaidVnd(installment);
  if (principalVnd > outstandingVnd) throw new PrincipalExceedsOutstanding(principalVnd, outstandingVnd);

  let left = principalVnd;
  for (const installment of open) {
    if (left === 0) break;
    const amountVnd = Math.min(left, unpaidVnd(installment));
    push({ kind: principalKind(installment.dueDate, input.paidOn), installmentSeq: installment.seq, amountVnd });
    left -= amountVnd;
  }

  const total = parts.reduce((sum, part) => sum + part.amountVnd, 0);
  if (total !== interestVnd + principalVnd) {
    throw new InvariantViolation("allocation does not add up to the payment", {
      total,
      paid: interestVnd + principalVnd,
    });
  }
  return parts;
}

/** Principal parts per installment, as stored in a payment's effect. */
export function principalParts(parts: readonly AllocationPart[]): { installmentSeq: number; amountVnd: number }[] {
  const result: { installmentSeq: number; amountVnd: number }[] = [];
  for (const part of parts) {
    if (part.installmentSeq !== undefined)
      result.push({ installmentSeq: part.installmentSeq, amountVnd: part.amountVnd });
  }
  return result;
}

/** Adds (sign 1) or removes (sign −1) principal paid on installments; an overdrawn installment is a bug. */
export function applyPrincipal(
  installments: readonly Installment[],
  parts: readonly { installmentSeq: number; amountVnd: number }[],
  sign: 1 | -1,
): Installment[] {
  const bySeq = new Map<number, number>();
  for (const part of parts) bySeq.set(part.installmentSeq, (bySeq.get(part.installmentSeq) ?? 0) + part.amountVnd);
  const seen = new Set<number>();
  const next = installments.map((installment) => {
    const amount = bySeq.get(installment.seq);
    if (amount === undefined) return installment;
    seen.add(installment.seq);
    const paidVnd = installment.paidVnd + sign * amount;
    if (paidVnd < 0 || paidVnd > installment.principalVnd) {
      throw new InvariantViolation("principal applied beyond an installment", { seq: installment.seq, paidVnd });
    }
    return { ...installment, paidVnd };
  });
  if (seen.size !== bySeq.size) throw new InvariantViolation("principal applied to an unknown installment");
  return next;
}
