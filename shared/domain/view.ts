/** Read-side figures as the API shows them. */
import { type BusinessDate, compareDates } from "./dates.ts";
import type { Loan, LoanStatus } from "./loan-state.ts";
import { roundHalfUpToVnd } from "./money.ts";
import { findRateOn, overdueRateFor, type Program, type ProgramCode } from "./programs.ts";
import { unpaidVnd } from "./schedule.ts";

/** Arrears plus the exact accrual, rounded once: all interest owed as of interestAccruedThrough. */
export function accruedInterestVnd(loan: Loan): number {
  return loan.interestArrearsVnd + roundHalfUpToVnd(loan.accruedUnits);
}

export interface NextDue {
  readonly date: BusinessDate;
  readonly principalVnd: number;
}

/** The earliest installment with principal still unpaid (it may already be overdue). */
export function nextDue(loan: Loan): NextDue | null {
  const open = loan.installments
    .filter((installment) => unpaidVnd(installment) > 0)
    .sort((a, b) => compareDates(a.dueDate, b.dueDate));
  const first = open[0];
  return first ? { date: first.dueDate, principalVnd: unpaidVnd(first) } : null;
}

export interface LoanView {
  readonly loanId: string;
  readonly memberId: string;
  readonly groupId: string;
  readonly programCode: ProgramCode;
  readonly status: LoanStatus;
  readonly principalVnd: number;
  readonly outstandingPrincipalVnd: number;
  readonly overduePrincipalVnd: number;
  readonly accruedInterestVnd: number;
  readonly interestArrearsVnd: number;
  readonly interestAccruedThrough: BusinessDate | null;
  readonly annualRateBps: number | null;
  /** Whole bps only; null when the overdue rate has a fraction (792 × 130% = 1029.6). */
  readonly overdueAnnualRateBps: number | null;
  /** Exact overdue rate in hundredths of a bp. */
  readonly overdueAnnualRateCentiBps: number | null;
  readonly nextDue: NextDue | null;
  readonly disbursedOn: BusinessDate | null;
  readonly maturityDate: BusinessDate | null;
  readonly scheduleVersion: number;
}

/** The GET /v1/loans/{loanId} figures, with rates as in force on `asOf`. */
export function loanView(loan: Loan, program: Program, asOf: BusinessDate): LoanView {
  const rate = findRateOn(program, asOf);
  const overdue = rate ? overdueRateFor(program, rate.annualRateBps) : null;
  return {
    loanId: loan.loanId,
    memberId: loan.memberId,
    groupId: loan.groupId,
    programCode: loan.programCode,
    status: loan.status,
    principalVnd: loan.principalVnd,
    outstandingPrincipalVnd: loan.outstandingPrincipalVnd,
    overduePrincipalVnd: loan.overduePrincipalVnd,
    accruedInterestVnd: accruedInterestVnd(loan),
    interestArrearsVnd: loan.interestArrearsVnd,
    interestAccruedThrough: loan.interestAccruedThrough ?? null,
    annualRateBps: rate?.annualRateBps ?? null,
    overdueAnnualRateBps: overdue?.annualRateBps ?? null,
    overdueAnnualRateCentiBps: overdue?.annualRateCentiBps ?? null,
    nextDue: nextDue(loan),
    disbursedOn: loan.disbursedOn ?? null,
    maturityDate: loan.maturityDate ?? null,
    scheduleVersion: loan.scheduleVersion,
  };
}
