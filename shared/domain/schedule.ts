/**
 * Principal repayment schedules. Principal is split equally (the last installment takes the remainder
 * of the floor division) with a due date every `installmentPeriodMonths` months from disbursement; each
 * date is computed from the disbursement date, so the original day of month survives short months.
 * A schedule change never edits a version in place: it returns the next version and the caller keeps
 * the old one (both are recorded events).
 */
import { addMonthsClamped, type BusinessDate, isAfter, isBefore, parseBusinessDate } from "./dates.ts";
import { InvalidSchedule, InvariantViolation } from "./errors.ts";
import { assertVnd } from "./money.ts";

export interface Installment {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  readonly principalVnd: number;
  readonly paidVnd: number;
}

export interface ScheduleVersion {
  readonly version: number;
  readonly installments: readonly Installment[];
  readonly reason: string;
  readonly effectiveOn: BusinessDate;
}

export interface ScheduleInput {
  readonly principalVnd: number;
  readonly disbursedOn: BusinessDate;
  readonly termMonths: number;
  readonly installmentPeriodMonths: number;
}

export function validatePlan(principalVnd: number, termMonths: number, installmentPeriodMonths: number): number {
  if (!Number.isSafeInteger(termMonths) || termMonths <= 0) {
    throw new InvalidSchedule("termMonths must be a positive whole number", { termMonths });
  }
  if (!Number.isSafeInteger(installmentPeriodMonths) || installmentPeriodMonths <= 0) {
    throw new InvalidSchedule("installmentPeriodMonths must be a positive whole number", { installmentPeriodMonths });
  }
  if (termMonths % installmentPeriodMonths !== 0) {
    throw new InvalidSchedule("termMonths must be a multiple of installmentPeriodMonths", {
      termMonths,
      installmentPeriodMonths,
    });
  }
  const count = termMonths / installmentPeriodMonths;
  if (!Number.isSafeInteger(principalVnd) || principalVnd < count) {
    throw new InvalidSchedule("principal must be at least one đồng per installment", { principalVnd, count });
  }
  return count;
}

export function buildSchedule(input: ScheduleInput): Installment[] {
  const disbursedOn = parseBusinessDate(input.disbursedOn);
  const count = validatePlan(input.principalVnd, input.termMonths, input.installmentPeriodMonths);
  // Exact integer division: the remainder goes to the last installment.
  const share = (input.principalVnd - (input.principalVnd % count)) / count;
  const installments: Installment[] = [];
  for (let seq = 1; seq <= count; seq += 1) {
    installments.push({
      seq,
      dueDate: addMonthsClamped(disbursedOn, seq * input.installmentPeriodMonths),
      principalVnd: seq === count ? input.principalVnd - share * (count - 1) : share,
      paidVnd: 0,
    });
  }
  return installments;
}

export function unpaidVnd(installment: Installment): number {
  return installment.principalVnd - installment.paidVnd;
}

export function maturityOf(installments: readonly Installment[]): BusinessDate {
  const last = installments[installments.length - 1];
  if (!last) throw new InvariantViolation("a schedule has at least one installment");
  return last.dueDate;
}

/** Checks shape, order and amounts; returns the installments for chaining. */
export function assertSchedule(installments: readonly Installment[]): readonly Installment[] {
  installments.forEach((installment, index) => {
    if (installment.seq !== index + 1) throw new InvariantViolation("installments are numbered 1..n in order");
    parseBusinessDate(installment.dueDate);
    assertVnd(installment.principalVnd, "installment.principalVnd");
    assertVnd(installment.paidVnd, "installment.paidVnd");
    if (installment.paidVnd > installment.principalVnd) {
      throw new InvariantViolation("an installment is paid beyond its principal", { seq: installment.seq });
    }
    const previous = installments[index - 1];
    if (previous && !isAfter(installment.dueDate, previous.dueDate)) {
      throw new InvariantViolation("installment due dates must increase", { seq: installment.seq });
    }
  });
  return installments;
}

function requireReason(reason: string): string {
  const trimmed = typeof reason === "string" ? reason.trim() : "";
  if (trimmed === "") throw new InvalidSchedule("a schedule change needs a reason");
  return trimmed;
}

/**
 * Term adjustment (điều chỉnh kỳ hạn nợ): one installment moves, the final maturity does not. The new
 * date stays strictly between its neighbours, so the last installment (the maturity) cannot move here.
 */
export function adjustInstallmentDate(
  schedule: Pick<ScheduleVersion, "version" | "installments">,
  change: { installmentSeq: number; newDueDate: BusinessDate; reason: string; effectiveOn: BusinessDate },
): ScheduleVersion {
  const reason = requireReason(change.reason);
  const effectiveOn = parseBusinessDate(change.effectiveOn);
  const newDueDate = parseBusinessDate(change.newDueDate);
  const { installments } = schedule;
  const index = installments.findIndex((installment) => installment.seq === change.installmentSeq);
  const target = installments[index];
  if (!target) throw new InvalidSchedule("no installment with that seq", { installmentSeq: change.installmentSeq });
  if (index === installments.length - 1) {
    throw new InvalidSchedule("the last installment is the maturity; use an extension to move it", {
      installmentSeq: change.installmentSeq,
    });
  }
  const previous = installments[index - 1];
  const next = installments[index + 1];
  const maturity = maturityOf(installments);
  if (!isBefore(newDueDate, maturity)) {
    throw new InvalidSchedule("the new date must be before maturity", { newDueDate, maturityDate: maturity });
  }
  if ((previous && !isAfter(newDueDate, previous.dueDate)) || (next && !isBefore(newDueDate, next.dueDate))) {
    throw new InvalidSchedule("the new date must keep the installments in order", { newDueDate });
  }
  return {
    version: schedule.version + 1,
    installments: installments.map((installment) =>
      installment.seq === target.seq ? { ...installment, dueDate: newDueDate } : installment,
    ),
    reason,
    effectiveOn,
  };
}

/** Extension (gia hạn nợ): maturity moves later and the last installment moves with it. */
export function extendSchedule(
  schedule: Pick<ScheduleVersion, "version" | "installments">,
  change: { newMaturityDate: BusinessDate; reason: string; effectiveOn: BusinessDate },
): ScheduleVersion {
  const reason = requireReason(change.reason);
  const effectiveOn = parseBusinessDate(change.effectiveOn);
  const newMaturityDate = parseBusinessDate(change.newMaturityDate);
  const maturity = maturityOf(schedule.installments);
  if (!isAfter(newMaturityDate, maturity)) {
    throw new InvalidSchedule("an extension moves maturity later", { newMaturityDate, maturityDate: maturity });
  }
  const lastSeq = schedule.installments.length;
  return {
    version: schedule.version + 1,
    installments: schedule.installments.map((installment) =>
      installment.seq === lastSeq ? { ...installment, dueDate: newMaturityDate } : installment,
    ),
    reason,
    effectiveOn,
  };
}
