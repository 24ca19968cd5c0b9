/**
 * Loan lifecycle: PENDING_APPROVAL -> APPROVED -> ACTIVE <-> OVERDUE -> CLOSED, with FROZEN (khoanh nợ,
 * no interest) and WRITTEN_OFF on the side. Each transition returns a new loan or throws a named error.
 */
import { type AccrualResult, accrue } from "./accrual.ts";
import { addDays, type BusinessDate, isAfter, isBefore, parseBusinessDate } from "./dates.ts";
import { AmountOverCap, BackdatedPosting, InvalidSchedule, InvalidTransition, TermOverMax } from "./errors.ts";
import {
  assertLoanInvariants,
  assertProgramMatches,
  classifiedOverdueVnd,
  type DisbursedLoan,
  interestOwedIsZero,
  type Loan,
  type LoanStatus,
  requireDisbursed,
  SERVICED_STATUSES,
  settledStatus,
} from "./loan-state.ts";
import { requirePositiveVnd } from "./money.ts";
import { type Program, rateOn } from "./programs.ts";
import {
  adjustInstallmentDate,
  buildSchedule,
  extendSchedule,
  type Installment,
  maturityOf,
  type ScheduleVersion,
  validatePlan,
} from "./schedule.ts";

export interface LoanApplication {
  readonly loanId: string;
  readonly memberId: string;
  readonly groupId: string;
  readonly principalVnd: number;
  readonly termMonths: number;
  readonly installmentPeriodMonths: number;
}

function checkAgainstProgram(program: Program, principalVnd: number, termMonths: number, periodMonths: number): void {
  requirePositiveVnd(principalVnd, "principalVnd");
  validatePlan(principalVnd, termMonths, periodMonths);
  if (program.maxPrincipalVnd !== null && principalVnd > program.maxPrincipalVnd) {
    throw new AmountOverCap(program.code, principalVnd, program.maxPrincipalVnd);
  }
  if (termMonths > program.maxTermMonths) throw new TermOverMax(program.code, termMonths, program.maxTermMonths);
}

function requireStatus(loan: Loan, allowed: readonly LoanStatus[], to: string): void {
  if (!allowed.includes(loan.status)) throw new InvalidTransition(loan.status, to);
}

export function createLoan(application: LoanApplication, program: Program): Loan {
  checkAgainstProgram(program, application.principalVnd, application.termMonths, application.installmentPeriodMonths);
  return assertLoanInvariants({
    loanId: application.loanId,
    memberId: application.memberId,
    groupId: application.groupId,
    programCode: program.code,
    status: "PENDING_APPROVAL",
    principalVnd: application.principalVnd,
    termMonths: application.termMonths,
    installmentPeriodMonths: application.installmentPeriodMonths,
    scheduleVersion: 0,
    installments: [],
    outstandingPrincipalVnd: 0,
    overduePrincipalVnd: 0,
    accruedUnits: 0n,
    interestArrearsVnd: 0,
  });
}

export function approve(loan: Loan): Loan {
  requireStatus(loan, ["PENDING_APPROVAL"], "APPROVED");
  return { ...loan, status: "APPROVED" };
}

/** Fixes the schedule (version 1). The cap and term are checked again: settings may have changed since application. */
export function disburse(loan: Loan, program: Program, disbursedOn: BusinessDate): Loan {
  assertProgramMatches(loan, program);
  requireStatus(loan, ["APPROVED"], "ACTIVE");
  const day = parseBusinessDate(disbursedOn);
  checkAgainstProgram(program, loan.principalVnd, loan.termMonths, loan.installmentPeriodMonths);
  rateOn(program, day);
  const installments = buildSchedule({
    principalVnd: loan.principalVnd,
    disbursedOn: day,
    termMonths: loan.termMonths,
    installmentPeriodMonths: loan.installmentPeriodMonths,
  });
  const dayBefore = addDays(day, -1);
  return assertLoanInvariants({
    ...loan,
    status: "ACTIVE",
    disbursedOn: day,
    maturityDate: maturityOf(installments),
    scheduleVersion: 1,
    installments,
    outstandingPrincipalVnd: loan.principalVnd,
    overduePrincipalVnd: 0,
    overdueClassifiedThrough: dayBefore,
    interestAccruedThrough: dayBefore,
    lastPostingOn: day,
    lastPostingId: undefined,
  });
}

/** Brings accrual to the day before `on` for a posting that changes how interest accrues from `on`. */
function accrueUpTo(loan: DisbursedLoan, program: Program, on: BusinessDate): AccrualResult {
  if (isBefore(on, loan.lastPostingOn)) throw new BackdatedPosting(on, loan.lastPostingOn, "a later posting exists");
  const dayBefore = addDays(on, -1);
  if (isAfter(loan.interestAccruedThrough, dayBefore)) {
    throw new BackdatedPosting(on, addDays(loan.interestAccruedThrough, 1), "interest is already accrued past it");
  }
  return accrue(loan, program, dayBefore);
}

/** Frozen debt (khoanh nợ): nothing accrues from `frozenOn`. Overdue classification pauses too. */
export function freeze(loan: Loan, program: Program, frozenOn: BusinessDate): AccrualResult {
  assertProgramMatches(loan, program);
  requireStatus(loan, ["ACTIVE", "OVERDUE"], "FROZEN");
  const day = parseBusinessDate(frozenOn);
  const { loan: accrued, added } = accrueUpTo(requireDisbursed(loan), program, day);
  const next: Loan = { ...accrued, status: "FROZEN", frozenOn: day, lastPostingOn: day, lastPostingId: undefined };
  return { loan: assertLoanInvariants(next), added };
}

/**
 * Interest runs again from `unfrozenOn`. Installments that fell due unpaid while frozen must be moved
 * first: once the loan thaws they would go straight to overdue, and could no longer be moved.
 */
export function unfreeze(loan: Loan, program: Program, unfrozenOn: BusinessDate): AccrualResult {
  assertProgramMatches(loan, program);
  requireStatus(loan, ["FROZEN"], "ACTIVE");
  const day = parseBusinessDate(unfrozenOn);
  const stranded = loan.installments.filter(
    (i) =>
      i.principalVnd > i.paidVnd &&
      loan.overdueClassifiedThrough !== undefined &&
      isAfter(i.dueDate, loan.overdueClassifiedThrough) &&
      isBefore(i.dueDate, day),
  );
  if (stranded.length > 0) {
    throw new InvalidSchedule("installments fell due unpaid during the freeze; move them before unfreezing", {
      installmentSeqs: stranded.map((i) => i.seq).join(","),
    });
  }
  const { loan: accrued, added } = accrueUpTo(requireDisbursed(loan), program, day);
  const thawed: Loan = { ...accrued, frozenOn: undefined, lastPostingOn: day, lastPostingId: undefined };
  const next: Loan = { ...thawed, status: settledStatus("ACTIVE", thawed) };
  return { loan: assertLoanInvariants(next), added };
}

/** Balances stay on the loan for recovery; nothing accrues from `writtenOffOn`. */
export function writeOff(loan: Loan, program: Program, writtenOffOn: BusinessDate): AccrualResult {
  assertProgramMatches(loan, program);
  requireStatus(loan, ["ACTIVE", "OVERDUE", "FROZEN"], "WRITTEN_OFF");
  const day = parseBusinessDate(writtenOffOn);
  const { loan: accrued, added } = accrueUpTo(requireDisbursed(loan), program, day);
  const next: Loan = {
    ...accrued,
    status: "WRITTEN_OFF",
    frozenOn: undefined,
    lastPostingOn: day,
    lastPostingId: undefined,
  };
  return { loan: assertLoanInvariants(next), added };
}

/** Payments close a loan on their own; this is for a loan already at zero whose close was not recorded. */
export function close(loan: Loan): Loan {
  requireStatus(loan, ["ACTIVE", "OVERDUE", "FROZEN"], "CLOSED");
  if (loan.outstandingPrincipalVnd !== 0 || !interestOwedIsZero(loan)) {
    throw new InvalidTransition(loan.status, "CLOSED", "principal or interest is still owed");
  }
  return assertLoanInvariants({ ...loan, status: "CLOSED", frozenOn: undefined });
}

export interface ScheduleChange {
  readonly loan: Loan;
  /** The new version, to be stored next to the previous ones. */
  readonly schedule: ScheduleVersion;
}

/**
 * Moving a due date changes whether the days between the old and the new date are overdue. Those days
 * must not be classified or accrued yet (days of a freeze accrued nothing, so they may be), otherwise
 * recorded history would no longer match the schedule.
 */
function assertHistoryUntouched(loan: DisbursedLoan, oldDue: BusinessDate, newDue: BusinessDate): void {
  const earliest = isBefore(oldDue, newDue) ? oldDue : newDue;
  if (!isAfter(earliest, loan.overdueClassifiedThrough)) {
    throw new InvalidSchedule("the installment is already classified as overdue on that date", {
      dueDate: earliest,
      overdueClassifiedThrough: loan.overdueClassifiedThrough,
    });
  }
  const firstAffectedDay = addDays(earliest, 1);
  const accruedOver = !isAfter(firstAffectedDay, loan.interestAccruedThrough);
  const frozenOver =
    loan.status === "FROZEN" && loan.frozenOn !== undefined && !isBefore(firstAffectedDay, loan.frozenOn);
  if (accruedOver && !frozenOver) {
    throw new InvalidSchedule("interest is already accrued for days the change would make overdue or in-term", {
      dueDate: earliest,
      interestAccruedThrough: loan.interestAccruedThrough,
    });
  }
}

function applyScheduleChange(
  loan: DisbursedLoan,
  schedule: ScheduleVersion,
  oldDue: BusinessDate,
  newDue: BusinessDate,
): ScheduleChange {
  if (isBefore(schedule.effectiveOn, loan.lastPostingOn)) {
    throw new BackdatedPosting(schedule.effectiveOn, loan.lastPostingOn, "a later posting exists");
  }
  if (isBefore(newDue, schedule.effectiveOn)) {
    throw new InvalidSchedule("the new date is before the change takes effect", {
      newDueDate: newDue,
      effectiveOn: schedule.effectiveOn,
    });
  }
  // A date that has passed unpaid is overdue, whether or not the nightly job has classified it yet;
  // only a freeze holds that back, for installments that fell due while it lasted.
  const fellDueFrozen = loan.status === "FROZEN" && loan.frozenOn !== undefined && !isBefore(oldDue, loan.frozenOn);
  if (isBefore(oldDue, schedule.effectiveOn) && !fellDueFrozen) {
    throw new InvalidSchedule("the installment has already fallen due", { dueDate: oldDue });
  }
  assertHistoryUntouched(loan, oldDue, newDue);
  const next: Loan = {
    ...loan,
    scheduleVersion: schedule.version,
    installments: schedule.installments,
    maturityDate: maturityOf(schedule.installments),
    overduePrincipalVnd: classifiedOverdueVnd(schedule.installments, loan.overdueClassifiedThrough),
    lastPostingOn: schedule.effectiveOn,
    lastPostingId: undefined,
  };
  return { loan: assertLoanInvariants(next), schedule };
}

function installmentOf(installments: readonly Installment[], seq: number): Installment {
  const found = installments.find((installment) => installment.seq === seq);
  if (!found) throw new InvalidSchedule("no installment with that seq", { installmentSeq: seq });
  return found;
}

/** Term adjustment (điều chỉnh kỳ hạn nợ): one installment moves; maturity stays. */
export function adjustTerm(
  loan: Loan,
  change: { installmentSeq: number; newDueDate: BusinessDate; reason: string; effectiveOn: BusinessDate },
): ScheduleChange {
  requireStatus(loan, [...SERVICED_STATUSES], "TERM_ADJUSTED");
  const disbursed = requireDisbursed(loan);
  const oldDue = installmentOf(loan.installments, change.installmentSeq).dueDate;
  const schedule = adjustInstallmentDate({ version: loan.scheduleVersion, installments: loan.installments }, change);
  return applyScheduleChange(disbursed, schedule, oldDue, parseBusinessDate(change.newDueDate));
}

/** Extension (gia hạn nợ): maturity moves later with the last installment; interest keeps running. */
export function extendMaturity(
  loan: Loan,
  change: { newMaturityDate: BusinessDate; reason: string; effectiveOn: BusinessDate },
): ScheduleChange {
  requireStatus(loan, [...SERVICED_STATUSES], "EXTENDED");
  const disbursed = requireDisbursed(loan);
  const schedule = extendSchedule({ version: loan.scheduleVersion, installments: loan.installments }, change);
  return applyScheduleChange(disbursed, schedule, disbursed.maturityDate, maturityOf(schedule.installments));
}
