/**
 * Overdue classification, run nightly after accrual. An installment still unpaid at the end of its due
 * date is overdue from the next day, and only its unpaid part moves (Decision 976/QĐ-TTg).
 */
import { type BusinessDate, isAfter, parseBusinessDate } from "./dates.ts";
import {
  assertLoanInvariants,
  classifiedOverdueVnd,
  type Loan,
  requireDisbursed,
  settledStatus,
} from "./loan-state.ts";

export interface ClassificationResult {
  readonly loan: Loan;
  /** Change in overdue principal, for portfolio aggregates; never negative here. */
  readonly overdueDeltaVnd: number;
}

/**
 * Moves the unpaid part of installments due on or before `businessDate` to overdue. Re-running for the
 * same or an earlier date changes nothing. Frozen, written-off and closed loans are not classified: a
 * frozen loan's debt is its own class, and installments that fall due during the freeze are meant to be
 * rescheduled before it ends.
 */
export function classifyOverdue(loan: Loan, businessDate: BusinessDate): ClassificationResult {
  const day = parseBusinessDate(businessDate);
  if (loan.status !== "ACTIVE" && loan.status !== "OVERDUE") return { loan, overdueDeltaVnd: 0 };
  const { overdueClassifiedThrough } = requireDisbursed(loan);
  if (!isAfter(day, overdueClassifiedThrough)) return { loan, overdueDeltaVnd: 0 };
  const overduePrincipalVnd = classifiedOverdueVnd(loan.installments, day);
  const moved: Loan = { ...loan, overduePrincipalVnd, overdueClassifiedThrough: day };
  const next: Loan = { ...moved, status: settledStatus(loan.status, moved) };
  return { loan: assertLoanInvariants(next), overdueDeltaVnd: overduePrincipalVnd - loan.overduePrincipalVnd };
}
