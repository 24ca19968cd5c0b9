/** Accrual moves a loan's exact interest forward in time; it is what the nightly job calls. */
import { addDays, type BusinessDate, compareDates, parseBusinessDate } from "./dates.ts";
import { AccrualBackwards } from "./errors.ts";
import { type InterestSplit, interestForRange, interestTotal, NO_INTEREST } from "./interest.ts";
import {
  accruesInterest,
  assertLoanInvariants,
  assertProgramMatches,
  type Loan,
  type LoanStatus,
  requireDisbursed,
} from "./loan-state.ts";
import type { Program } from "./programs.ts";
import type { Installment } from "./schedule.ts";

export interface AccrualResult {
  readonly loan: Loan;
  /** Units added, split for the journal (in-term and overdue interest are separate accounts). */
  readonly added: InterestSplit;
}

/** Interest a loan in `status` bears over `from`..`to` with these installments (zero when it does not accrue). */
export function loanInterestForRange(
  status: LoanStatus,
  installments: readonly Installment[],
  program: Program,
  from: BusinessDate,
  to: BusinessDate,
): InterestSplit {
  return accruesInterest(status) ? interestForRange(installments, program, from, to) : NO_INTEREST;
}

/**
 * Accrues from the day after interestAccruedThrough to `throughDate` inclusive. Accruing to the date
 * already reached changes nothing (a nightly re-run); an earlier date is refused.
 */
export function accrue(loan: Loan, program: Program, throughDate: BusinessDate): AccrualResult {
  assertProgramMatches(loan, program);
  const through = parseBusinessDate(throughDate);
  const { interestAccruedThrough } = requireDisbursed(loan);
  const order = compareDates(through, interestAccruedThrough);
  if (order < 0) throw new AccrualBackwards(through, interestAccruedThrough);
  if (order === 0) return { loan, added: NO_INTEREST };
  const added = loanInterestForRange(
    loan.status,
    loan.installments,
    program,
    addDays(interestAccruedThrough, 1),
    through,
  );
  const next: Loan = {
    ...loan,
    accruedUnits: loan.accruedUnits + interestTotal(added),
    interestAccruedThrough: through,
  };
  return { loan: assertLoanInvariants(next), added };
}
