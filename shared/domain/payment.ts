/**
 * Payments and their reversal. Interest payable on `paidOn` covers every day before it, so a loan
 * disbursed on D0 and repaid in full on Dp bears Dp − D0 days; the payment day itself accrues on what
 * is left after the payment.
 */
import { loanInterestForRange } from "./accrual.ts";
import { type AllocationPart, allocatePayment, applyPrincipal, principalParts } from "./allocation.ts";
import { addDays, type BusinessDate, isAfter, isBefore, maxDate, parseBusinessDate } from "./dates.ts";
import { BackdatedPosting, InvalidAmount, InvalidTransition, InvariantViolation, NotLatestPosting } from "./errors.ts";
import { type InterestSplit, interestTotal, NO_INTEREST, subtractInterest } from "./interest.ts";
import {
  assertLoanInvariants,
  assertProgramMatches,
  classifiedOverdueVnd,
  type DisbursedLoan,
  type Loan,
  type LoanStatus,
  requireDisbursed,
  SERVICED_STATUSES,
  settledStatus,
} from "./loan-state.ts";
import { type AccruedInterest, assertUnits, requireAmountVnd, roundHalfUpToVnd } from "./money.ts";
import type { Program } from "./programs.ts";

export interface PaymentInput {
  /** Unique per posting; the loan remembers it so that only the latest payment can be reversed. */
  readonly transactionId: string;
  readonly paidOn: BusinessDate;
  readonly interestVnd: number;
  readonly principalVnd: number;
}

/** Everything reversePayment needs, as plain data (settledUnits is a bigint). */
export interface PaymentEffect {
  readonly transactionId: string;
  readonly paidOn: BusinessDate;
  readonly interestVnd: number;
  readonly principalVnd: number;
  /** Exact interest through paidOn − 1 that this payment crystallised into whole đồng. */
  readonly settledUnits: AccruedInterest;
  readonly arrearsBeforeVnd: number;
  readonly principalParts: readonly { readonly installmentSeq: number; readonly amountVnd: number }[];
  readonly statusBefore: LoanStatus;
  /** The freeze a payoff of a frozen loan ended, which its reversal restores. */
  readonly frozenOnBefore?: BusinessDate;
  readonly previousPostingOn: BusinessDate;
  readonly previousPostingId?: string;
}

export interface PaymentAccrual {
  /** Days up to paidOn − 1 that had not been accrued yet. */
  readonly caughtUp: InterestSplit;
  /** Days from paidOn already accrued on the balances before the payment (a late-synced collection). */
  readonly takenBack: InterestSplit;
  /** The same days accrued again on the balances after the payment. */
  readonly reaccrued: InterestSplit;
}

export interface PaymentResult {
  readonly loan: Loan;
  readonly allocation: readonly AllocationPart[];
  readonly effect: PaymentEffect;
  readonly accrual: PaymentAccrual;
  /** Interest payable on paidOn before this payment: arrears plus the exact accrual rounded once. */
  readonly payableVnd: number;
  /** Change in overdue principal as classified, for aggregates (≤ 0). */
  readonly overdueDeltaVnd: number;
}

interface Settlement {
  readonly caughtUp: InterestSplit;
  readonly takenBack: InterestSplit;
  /** Exact units owed for days before `date` and not yet settled. */
  readonly unitsBeforeDate: AccruedInterest;
}

/**
 * The exact accrual through `date − 1`, from wherever interestAccruedThrough stands. If the nightly job
 * has already accrued `date` or later, those days are taken back at the balances they were accrued on.
 */
function settlementOn(loan: DisbursedLoan, program: Program, date: BusinessDate): Settlement {
  if (isBefore(date, loan.disbursedOn))
    throw new BackdatedPosting(date, loan.disbursedOn, "the loan was disbursed later");
  if (isBefore(date, loan.lastPostingOn))
    throw new BackdatedPosting(date, loan.lastPostingOn, "a later posting exists");
  const through = loan.interestAccruedThrough;
  const dayBefore = addDays(date, -1);
  const caughtUp = isBefore(through, dayBefore)
    ? loanInterestForRange(loan.status, loan.installments, program, addDays(through, 1), dayBefore)
    : NO_INTEREST;
  const takenBack = isAfter(through, dayBefore)
    ? loanInterestForRange(loan.status, loan.installments, program, date, through)
    : NO_INTEREST;
  const unitsBeforeDate = loan.accruedUnits + interestTotal(caughtUp) - interestTotal(takenBack);
  // Settlements are never dated before lastPostingOn, so days from `date` on are all still in accruedUnits.
  assertUnits(unitsBeforeDate, "accrued units before the posting date");
  return { caughtUp, takenBack, unitsBeforeDate };
}

/** What a collector may take as interest on `date`: arrears plus the exact accrual to date − 1, rounded once. */
export function payableInterestOn(loan: Loan, program: Program, date: BusinessDate): number {
  assertProgramMatches(loan, program);
  const disbursed = requireDisbursed(loan);
  const { unitsBeforeDate } = settlementOn(disbursed, program, parseBusinessDate(date));
  return loan.interestArrearsVnd + roundHalfUpToVnd(unitsBeforeDate);
}

export function applyPayment(loan: Loan, program: Program, input: PaymentInput): PaymentResult {
  assertProgramMatches(loan, program);
  if (!SERVICED_STATUSES.has(loan.status)) throw new InvalidTransition(loan.status, "PAYMENT");
  const disbursed = requireDisbursed(loan);
  const paidOn = parseBusinessDate(input.paidOn);
  const interestVnd = requireAmountVnd(input.interestVnd, "interestVnd");
  const principalVnd = requireAmountVnd(input.principalVnd, "principalVnd");
  if (interestVnd + principalVnd === 0) throw new InvalidAmount("amountVnd", 0, "must be more than zero");
  if (typeof input.transactionId !== "string" || input.transactionId === "") {
    throw new InvariantViolation("a payment needs a transactionId");
  }

  const { caughtUp, takenBack, unitsBeforeDate } = settlementOn(disbursed, program, paidOn);
  const currentInterestVnd = roundHalfUpToVnd(unitsBeforeDate);
  const payableVnd = loan.interestArrearsVnd + currentInterestVnd;
  // Refuses interest above payable and principal above outstanding with named errors.
  const allocation = allocatePayment({
    paidOn,
    interestVnd,
    principalVnd,
    interestArrearsVnd: loan.interestArrearsVnd,
    currentInterestVnd,
    installments: loan.installments,
  });
  const parts = principalParts(allocation);
  const installments = applyPrincipal(loan.installments, parts, 1);
  const through = disbursed.interestAccruedThrough;
  const reaccrued = isBefore(through, paidOn)
    ? NO_INTEREST
    : loanInterestForRange(loan.status, installments, program, paidOn, through);

  const paid: Loan = {
    ...loan,
    installments,
    outstandingPrincipalVnd: loan.outstandingPrincipalVnd - principalVnd,
    overduePrincipalVnd: classifiedOverdueVnd(installments, disbursed.overdueClassifiedThrough),
    // The sub-đồng remainder of the settled accrual is dropped, not carried (vbsp.md, Rounding).
    interestArrearsVnd: payableVnd - interestVnd,
    accruedUnits: interestTotal(reaccrued),
    interestAccruedThrough: maxDate(through, addDays(paidOn, -1)),
    lastPostingOn: paidOn,
    lastPostingId: input.transactionId,
  };
  const status = settledStatus(loan.status, paid);
  // Paying a frozen loan off ends its freeze with it.
  const { frozenOn: _endedFreeze, ...unfrozen } = paid;
  const next = assertLoanInvariants(status === "CLOSED" ? { ...unfrozen, status } : { ...paid, status });
  return {
    loan: next,
    allocation,
    effect: {
      transactionId: input.transactionId,
      paidOn,
      interestVnd,
      principalVnd,
      settledUnits: unitsBeforeDate,
      arrearsBeforeVnd: loan.interestArrearsVnd,
      principalParts: parts,
      statusBefore: loan.status,
      ...(loan.frozenOn ? { frozenOnBefore: loan.frozenOn } : {}),
      previousPostingOn: disbursed.lastPostingOn,
      previousPostingId: loan.lastPostingId,
    },
    accrual: { caughtUp, takenBack, reaccrued },
    payableVnd,
    overdueDeltaVnd: next.overduePrincipalVnd - loan.overduePrincipalVnd,
  };
}

export interface ReversalResult {
  readonly loan: Loan;
  /** Interest re-added on the returned principal for days from paidOn already accrued. */
  readonly reaccrued: InterestSplit;
  /** Change in overdue principal as classified, for aggregates (≥ 0). */
  readonly overdueDeltaVnd: number;
}

/**
 * The exact inverse of a payment's effect. Only the loan's latest posting may be reversed: a later
 * settlement would have crystallised interest, rounded once, on balances this payment produced, and any
 * other later posting (freeze, schedule change, write-off) changed how those days accrue, so undoing an
 * earlier payment underneath it cannot be exact. Correct older payments with new entries instead.
 */
export function reversePayment(
  loan: Loan,
  program: Program,
  effect: PaymentEffect,
  reversedOn: BusinessDate,
): ReversalResult {
  assertProgramMatches(loan, program);
  if (loan.lastPostingId === undefined || loan.lastPostingId !== effect.transactionId) {
    throw new NotLatestPosting(effect.transactionId, loan.lastPostingId ?? null);
  }
  const disbursed = requireDisbursed(loan);
  const day = parseBusinessDate(reversedOn);
  if (isBefore(day, effect.paidOn)) throw new BackdatedPosting(day, effect.paidOn, "the payment is dated later");
  if (
    loan.interestArrearsVnd !==
    effect.arrearsBeforeVnd + roundHalfUpToVnd(effect.settledUnits) - effect.interestVnd
  ) {
    throw new InvariantViolation("interest in arrears no longer matches the payment being reversed", {
      transactionId: effect.transactionId,
    });
  }

  const installments = applyPrincipal(loan.installments, effect.principalParts, -1);
  const through = disbursed.interestAccruedThrough;
  // Days from paidOn were accrued on the reduced balance under the regime the payment found the loan in.
  const reaccrued = isBefore(through, effect.paidOn)
    ? NO_INTEREST
    : subtractInterest(
        loanInterestForRange(effect.statusBefore, installments, program, effect.paidOn, through),
        loanInterestForRange(effect.statusBefore, loan.installments, program, effect.paidOn, through),
      );
  const restored: Loan = {
    ...loan,
    installments,
    outstandingPrincipalVnd: loan.outstandingPrincipalVnd + effect.principalVnd,
    overduePrincipalVnd: classifiedOverdueVnd(installments, disbursed.overdueClassifiedThrough),
    interestArrearsVnd: effect.arrearsBeforeVnd,
    accruedUnits: loan.accruedUnits + effect.settledUnits + interestTotal(reaccrued),
    lastPostingOn: effect.previousPostingOn,
    lastPostingId: effect.previousPostingId,
    ...(effect.statusBefore === "FROZEN" && effect.frozenOnBefore ? { frozenOn: effect.frozenOnBefore } : {}),
  };
  const base = effect.statusBefore === "FROZEN" ? "FROZEN" : "ACTIVE";
  const next = assertLoanInvariants({ ...restored, status: settledStatus(base, restored) });
  return { loan: next, reaccrued, overdueDeltaVnd: next.overduePrincipalVnd - loan.overduePrincipalVnd };
}
