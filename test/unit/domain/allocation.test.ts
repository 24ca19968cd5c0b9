import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AllocationKind,
  allocatePayment,
  applyPrincipal,
  buildSchedule,
  InterestExceedsPayable,
  outstandingOf,
  PrincipalExceedsOutstanding,
  principalParts,
} from "../../../shared/domain/index.ts";
import { dateArb, installmentsArb } from "./fixtures.ts";

describe("allocatePayment", () => {
  const installments = buildSchedule({
    principalVnd: 30_000_000,
    disbursedOn: "2026-01-15",
    termMonths: 36,
    installmentPeriodMonths: 6,
  }).map((installment) => (installment.seq === 1 ? { ...installment, paidVnd: 3_000_000 } : installment));

  it("pays arrears, current interest, overdue, due, then early principal nearest first", () => {
    // On 2027-01-15: installment 1 (2,000,000 left) is overdue, installment 2 (5,000,000) is due that day.
    // 300,000 interest = 120,000 arrears + 180,000 current; 9,000,000 principal = 2,000,000 + 5,000,000 + 2,000,000.
    const parts = allocatePayment({
      paidOn: "2027-01-15",
      interestVnd: 300_000,
      principalVnd: 9_000_000,
      interestArrearsVnd: 120_000,
      currentInterestVnd: 200_000,
      installments,
    });
    expect(parts).toEqual([
      { kind: "INTEREST_ARREARS", amountVnd: 120_000 },
      { kind: "INTEREST_CURRENT", amountVnd: 180_000 },
      { kind: "PRINCIPAL_OVERDUE", installmentSeq: 1, amountVnd: 2_000_000 },
      { kind: "PRINCIPAL_DUE", installmentSeq: 2, amountVnd: 5_000_000 },
      { kind: "PRINCIPAL_EARLY", installmentSeq: 3, amountVnd: 2_000_000 },
    ]);
  });

  it("refuses over-payment with the payable or outstanding amount", () => {
    const base = { paidOn: "2026-03-01", interestArrearsVnd: 0, currentInterestVnd: 100, installments };
    expect(() => allocatePayment({ ...base, interestVnd: 101, principalVnd: 0 })).toThrow(InterestExceedsPayable);
    expect(() => allocatePayment({ ...base, interestVnd: 0, principalVnd: 27_000_001 })).toThrow(
      PrincipalExceedsOutstanding,
    );
  });

  it("conserves the amount and never pays an installment beyond its principal", () => {
    const order: Record<AllocationKind, number> = {
      INTEREST_ARREARS: 0,
      INTEREST_CURRENT: 1,
      PRINCIPAL_OVERDUE: 2,
      PRINCIPAL_DUE: 3,
      PRINCIPAL_EARLY: 4,
    };
    fc.assert(
      fc.property(
        installmentsArb,
        dateArb(),
        fc.nat({ max: 50_000_000 }),
        fc.nat({ max: 50_000_000 }),
        fc.nat(),
        fc.nat(),
        (list, paidOn, arrears, current, interestPick, principalPick) => {
          const outstanding = outstandingOf(list);
          const interestVnd = interestPick % (arrears + current + 1);
          const principalVnd = principalPick % (outstanding + 1);
          const parts = allocatePayment({
            paidOn,
            interestVnd,
            principalVnd,
            interestArrearsVnd: arrears,
            currentInterestVnd: current,
            installments: list,
          });
          expect(parts.reduce((sum, part) => sum + part.amountVnd, 0)).toBe(interestVnd + principalVnd);
          expect(parts.every((part) => part.amountVnd > 0)).toBe(true);
          const ranks = parts.map((part) => order[part.kind]);
          expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
          const arrearsPart = parts.find((part) => part.kind === "INTEREST_ARREARS")?.amountVnd ?? 0;
          expect(arrearsPart).toBeLessThanOrEqual(arrears);
          const after = applyPrincipal(list, principalParts(parts), 1);
          expect(after.every((i) => i.paidVnd >= 0 && i.paidVnd <= i.principalVnd)).toBe(true);
          expect(outstandingOf(after)).toBe(outstanding - principalVnd);
          for (const part of parts) {
            const due = list.find((i) => i.seq === part.installmentSeq)?.dueDate;
            if (part.kind === "PRINCIPAL_OVERDUE") expect(due! < paidOn).toBe(true);
            if (part.kind === "PRINCIPAL_DUE") expect(due).toBe(paidOn);
            if (part.kind === "PRINCIPAL_EARLY") expect(due! > paidOn).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
