/**
 * The loan as plain data, and the invariants every transition re-checks. Everything is JSON-friendly
 * except `accruedUnits` (bigint: store it as a decimal string, see encodeUnits/decodeUnits).
 */
import { addDays, type BusinessDate, isAfter, isBefore } from "./dates.ts";
import { InvalidTransition, InvariantViolation } from "./errors.ts";
import { type AccruedInterest, assertUnits, assertVnd } from "./money.ts";
import type { Program, ProgramCode } from "./programs.ts";
import { assertSchedule, type Installment, unpaidVnd } from "./schedule.ts";

export type LoanStatus = "PENDING_APPROVAL" | "APPROVED" | "ACTIVE" | "OVERDUE" | "FROZEN" | "WRITTEN_OFF" | "CLOSED";

export interface Loan {
  readonly loanId: string;
  readonly memberId: string;
  readonly groupId: string;
  readonly programCode: ProgramCode;
  readonly status: LoanStatus;
  readonly principalVnd: number;
  readonly termMonths: number;
  readonly installmentPeriodMonths: number;
  readonly disbursedOn?: BusinessDate;
  readonly maturityDate?: BusinessDate;
  /** 0 before disbursement; 1 for the disbursement schedule; +1 per term adjustment or extension. */
  readonly scheduleVersion: number;
  readonly installments: readonly Installment[];
  readonly outstandingPrincipalVnd: number;
  /** Unpaid principal of installments due on or before overdueClassifiedThrough. */
  readonly overduePrincipalVnd: number;
  readonly overdueClassifiedThrough?: BusinessDate;
  /** Exact interest accrued since the last settlement, in 1/ACCRUAL_DENOMINATOR đồng. */
  readonly accruedUnits: AccruedInterest;
  /** Interest crystallised by a settlement and still unpaid, whole đồng; it never earns interest. */
  readonly interestArrearsVnd: number;
  /** Last day whose interest is in accruedUnits (disbursedOn − 1 right after disbursement). */
  readonly interestAccruedThrough?: BusinessDate;
  /** Date of the latest posting (disbursement, payment, freeze, schedule change...); nothing may be dated before it. */
  readonly lastPostingOn?: BusinessDate;
  /** Transaction id of the latest payment when it is still reversible; cleared by any other posting. */
  readonly lastPostingId?: string;
  /** Set while FROZEN: the first day that accrued nothing. */
  readonly frozenOn?: BusinessDate;
}

/** Statuses that have a schedule and balances. */
export const DISBURSED_STATUSES: ReadonlySet<LoanStatus> = new Set([
  "ACTIVE",
  "OVERDUE",
  "FROZEN",
  "WRITTEN_OFF",
  "CLOSED",
]);

/** Statuses in which a payment or a schedule change may be posted. */
export const SERVICED_STATUSES: ReadonlySet<LoanStatus> = new Set(["ACTIVE", "OVERDUE", "FROZEN"]);

export function outstandingOf(installments: readonly Installment[]): number {
  let total = 0;
  for (const installment of installments) total += unpaidVnd(installment);
  return total;
}

/** Overdue as classified: unpaid principal of installments due on or before `classifiedThrough`. */
export function classifiedOverdueVnd(
  installments: readonly Installment[],
  classifiedThrough: BusinessDate | undefined,
): number {
  if (classifiedThrough === undefined) return 0;
  let total = 0;
  for (const installment of installments) {
    if (!isAfter(installment.dueDate, classifiedThrough)) total += unpaidVnd(installment);
  }
  return total;
}

/** Frozen and written-off loans accrue nothing; closed ones owe no principal to accrue on. */
export function accruesInterest(status: LoanStatus): boolean {
  if (!DISBURSED_STATUSES.has(status)) throw new InvalidTransition(status, "ACCRUAL", "the loan is not disbursed");
  return status === "ACTIVE" || status === "OVERDUE";
}

export function interestOwedIsZero(loan: Loan): boolean {
  return loan.interestArrearsVnd === 0 && loan.accruedUnits === 0n;
}

/** Status after balances change, for a loan that was running (ACTIVE/OVERDUE) or FROZEN. */
export function settledStatus(base: LoanStatus, loan: Loan): LoanStatus {
  if (loan.outstandingPrincipalVnd === 0 && interestOwedIsZero(loan)) return "CLOSED";
  if (base === "FROZEN") return "FROZEN";
  return loan.overduePrincipalVnd > 0 ? "OVERDUE" : "ACTIVE";
}

export interface DisbursedLoan extends Loan {
  readonly disbursedOn: BusinessDate;
  readonly maturityDate: BusinessDate;
  readonly interestAccruedThrough: BusinessDate;
  readonly overdueClassifiedThrough: BusinessDate;
  readonly lastPostingOn: BusinessDate;
}

export function requireDisbursed(loan: Loan): DisbursedLoan {
  const { disbursedOn, maturityDate, interestAccruedThrough, overdueClassifiedThrough, lastPostingOn } = loan;
  if (!DISBURSED_STATUSES.has(loan.status))
    throw new InvalidTransition(loan.status, "ACTIVE", "the loan is not disbursed");
  if (!disbursedOn || !maturityDate || !interestAccruedThrough || !overdueClassifiedThrough || !lastPostingOn) {
    throw new InvariantViolation("a disbursed loan lacks its dates", { loanId: loan.loanId });
  }
  return { ...loan, disbursedOn, maturityDate, interestAccruedThrough, overdueClassifiedThrough, lastPostingOn };
}

export function assertProgramMatches(loan: Loan, program: Program): void {
  if (loan.programCode !== program.code) {
    throw new InvariantViolation("loan and program do not match", { loanId: loan.loanId, programCode: program.code });
  }
}

/** Re-checks every invariant; throws InvariantViolation, never repairs. Returns the loan for chaining. */
export function assertLoanInvariants(loan: Loan): Loan {
  const fail = (what: string, details: Record<string, string | number> = {}) =>
    new InvariantViolation(`loan ${loan.loanId}: ${what}`, { loanId: loan.loanId, ...details });
  assertVnd(loan.principalVnd, "principalVnd");
  assertVnd(loan.outstandingPrincipalVnd, "outstandingPrincipalVnd");
  assertVnd(loan.overduePrincipalVnd, "overduePrincipalVnd");
  assertVnd(loan.interestArrearsVnd, "interestArrearsVnd");
  assertUnits(loan.accruedUnits, "accruedUnits");
  assertSchedule(loan.installments);
  if (loan.overduePrincipalVnd > loan.outstandingPrincipalVnd) throw fail("overdue exceeds outstanding");
  const outstanding = outstandingOf(loan.installments);
  if (outstanding !== loan.outstandingPrincipalVnd) {
    throw fail("installments do not add up to outstanding", { installmentsVnd: outstanding });
  }
  if (!DISBURSED_STATUSES.has(loan.status)) {
    if (loan.installments.length > 0 || loan.accruedUnits !== 0n || loan.interestArrearsVnd !== 0) {
      throw fail("an undisbursed loan has balances");
    }
    return loan;
  }
  const disbursed = requireDisbursed(loan);
  let scheduled = 0;
  for (const installment of loan.installments) scheduled += installment.principalVnd;
  if (scheduled !== loan.principalVnd) throw fail("the schedule does not add up to the principal");
  if (loan.installments[loan.installments.length - 1]?.dueDate !== disbursed.maturityDate) {
    throw fail("maturity is not the last installment's date");
  }
  if (isBefore(disbursed.interestAccruedThrough, addDays(disbursed.disbursedOn, -1))) {
    throw fail("accrued through a day before disbursement");
  }
  if (classifiedOverdueVnd(loan.installments, disbursed.overdueClassifiedThrough) !== loan.overduePrincipalVnd) {
    throw fail("overdue principal does not match the classified installments");
  }
  const expectOverdueStatus = loan.overduePrincipalVnd > 0;
  if (loan.status === "ACTIVE" && expectOverdueStatus) throw fail("ACTIVE with overdue principal");
  if (loan.status === "OVERDUE" && !expectOverdueStatus) throw fail("OVERDUE without overdue principal");
  if (loan.status === "CLOSED" && (loan.outstandingPrincipalVnd !== 0 || !interestOwedIsZero(loan))) {
    throw fail("CLOSED while something is owed");
  }
  if ((loan.status === "FROZEN") !== (loan.frozenOn !== undefined))
    throw fail("frozenOn must be set exactly while FROZEN");
  return loan;
}
