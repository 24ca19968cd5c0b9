/** Builders and fast-check arbitraries shared by the domain tests. */
import fc from "fast-check";
import {
  approve,
  type BusinessDate,
  classifiedOverdueVnd,
  createLoan,
  type DayCount,
  defineProgram,
  disburse,
  fromDayNumber,
  type Installment,
  type Loan,
  outstandingOf,
  PROGRAMS,
  type Program,
  type RatePeriod,
  settledStatus,
  toDayNumber,
} from "../../../shared/domain/index.ts";

export interface LoanTerms {
  readonly principalVnd: number;
  readonly disbursedOn: BusinessDate;
  readonly termMonths: number;
  readonly installmentPeriodMonths: number;
}

let nextId = 0;

export function disbursedLoan(program: Program, terms: LoanTerms): Loan {
  nextId += 1;
  const pending = createLoan(
    {
      loanId: `L-${nextId}`,
      memberId: "M-1",
      groupId: "G-1",
      principalVnd: terms.principalVnd,
      termMonths: terms.termMonths,
      installmentPeriodMonths: terms.installmentPeriodMonths,
    },
    program,
  );
  return disburse(approve(pending), program, terms.disbursedOn);
}

/** The same program with another day count, keeping its rates. */
export function withDayCount(program: Program, dayCount: DayCount): Program {
  return defineProgram({ ...program, dayCount });
}

/** Sets principal paid per installment directly, keeping the loan's invariants (for interest tests). */
export function withPaid(loan: Loan, paidVnd: readonly number[]): Loan {
  const installments: Installment[] = loan.installments.map((installment, index) => ({
    ...installment,
    paidVnd: Math.min(installment.principalVnd, paidVnd[index] ?? 0),
  }));
  const next: Loan = {
    ...loan,
    installments,
    outstandingPrincipalVnd: outstandingOf(installments),
    overduePrincipalVnd: classifiedOverdueVnd(installments, loan.overdueClassifiedThrough),
  };
  return { ...next, status: settledStatus(loan.status, next) };
}

export const WINDOW_START = toDayNumber("2024-01-01");
export const WINDOW_END = toDayNumber("2031-12-31");

export const dateArb = (fromDay = WINDOW_START, toDay = WINDOW_END): fc.Arbitrary<BusinessDate> =>
  fc.integer({ min: fromDay, max: toDay }).map(fromDayNumber);

/** A program with a first rate before the window and up to four later changes inside it. */
export const programArb: fc.Arbitrary<Program> = fc
  .record({
    dayCount: fc.constantFrom<DayCount>("ACT_365", "MONTH_30"),
    overdueRatePercent: fc.oneof(fc.constant(130), fc.integer({ min: 100, max: 200 })),
    firstRateBps: fc.integer({ min: 1, max: 3000 }),
    changes: fc.uniqueArray(fc.integer({ min: WINDOW_START, max: WINDOW_END }), { maxLength: 4 }),
    changeRates: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ dayCount, overdueRatePercent, firstRateBps, changes, changeRates }) => {
    const rates: RatePeriod[] = [{ effectiveFrom: "2020-01-01", annualRateBps: firstRateBps }];
    [...changes]
      .sort((a, b) => a - b)
      .forEach((day, index) => {
        rates.push({ effectiveFrom: fromDayNumber(day), annualRateBps: changeRates[index] ?? 660 });
      });
    return defineProgram({
      ...PROGRAMS.POOR,
      rates,
      dayCount,
      overdueRatePercent,
      maxPrincipalVnd: null,
      maxTermMonths: 300,
    });
  });

/** Installments with increasing due dates inside the window and random amounts paid. */
export const installmentsArb: fc.Arbitrary<Installment[]> = fc
  .array(
    fc.record({
      gapDays: fc.integer({ min: 1, max: 200 }),
      principalVnd: fc.integer({ min: 1, max: 2_000_000_000 }),
    }),
    { minLength: 1, maxLength: 12 },
  )
  .chain((rows) =>
    fc.tuple(
      fc.constant(rows),
      fc.tuple(
        ...rows.map((row) =>
          fc.oneof(fc.constant(0), fc.constant(row.principalVnd), fc.integer({ min: 0, max: row.principalVnd })),
        ),
      ),
    ),
  )
  .map(([rows, paid]) => {
    let day = WINDOW_START + 100;
    return rows.map((row, index) => {
      day += row.gapDays;
      return { seq: index + 1, dueDate: fromDayNumber(day), principalVnd: row.principalVnd, paidVnd: paid[index] ?? 0 };
    });
  });

/** Terms for a loan disbursed inside the window. */
export const loanTermsArb: fc.Arbitrary<LoanTerms> = fc
  .record({
    disbursedDay: fc.integer({ min: WINDOW_START, max: WINDOW_START + 700 }),
    periodMonths: fc.constantFrom(1, 3, 6, 12),
    periods: fc.integer({ min: 1, max: 10 }),
    principalVnd: fc.integer({ min: 1_000_000, max: 100_000_000 }),
  })
  .map(({ disbursedDay, periodMonths, periods, principalVnd }) => ({
    principalVnd,
    disbursedOn: fromDayNumber(disbursedDay),
    termMonths: periodMonths * periods,
    installmentPeriodMonths: periodMonths,
  }));
