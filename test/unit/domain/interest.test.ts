import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACCRUAL_DENOMINATOR,
  AccrualBackwards,
  accrue,
  addDays,
  addInterest,
  classifyOverdue,
  fromDayNumber,
  interestForDay,
  interestForRange,
  interestForRangeDaily,
  interestTotal,
  type Loan,
  PROGRAMS,
  payableInterestOn,
  roundHalfUpToVnd,
  toDayNumber,
} from "../../../shared/domain/index.ts";
import {
  dateArb,
  disbursedLoan,
  installmentsArb,
  loanTermsArb,
  programArb,
  withDayCount,
  withPaid,
} from "./fixtures.ts";

const POOR = PROGRAMS.POOR;
const POOR_MONTH_30 = withDayCount(POOR, "MONTH_30");
const terms = { principalVnd: 30_000_000, disbursedOn: "2026-01-15", termMonths: 36, installmentPeriodMonths: 6 };

describe("worked case: 30,000,000 POOR loan at 660 bps, ACT_365, disbursed 2026-01-15", () => {
  const loan = disbursedLoan(POOR, terms);

  it("accrues the first 31 days (15 Jan to 14 Feb) to 168,164 đồng", () => {
    // 30,000,000 × 660 × 31 / (10,000 × 365) = 613,800,000,000 / 3,650,000 = 168,164.3835... đồng.
    // In units: 30,000,000 × 660 × 100 × (26,280 / 365 = 72) × 31 = 4,419,360,000,000,000.
    const { loan: accrued, added } = accrue(loan, POOR, "2026-02-14");
    expect(added).toEqual({ inTermUnits: 4_419_360_000_000_000n, overdueUnits: 0n });
    expect(accrued.accruedUnits * 73n).toBe(12_276_000n * ACCRUAL_DENOMINATOR); // exactly 12,276,000/73 đồng
    expect(roundHalfUpToVnd(accrued.accruedUnits)).toBe(168_164);
    expect(payableInterestOn(loan, POOR, "2026-02-15")).toBe(168_164);
  });

  it("owes 981,863 đồng for the first period, 181 days from 15 Jan to the 15 Jul payment", () => {
    // 30,000,000 × 660 × 181 / 3,650,000 = 3,583,800,000,000 / 3,650,000 = 981,863.0136... đồng.
    expect(payableInterestOn(loan, POOR, "2026-07-15")).toBe(981_863);
    const units = interestTotal(interestForRange(loan.installments, POOR, "2026-01-15", "2026-07-14"));
    expect(units).toBe(30_000_000n * 660n * 100n * 72n * 181n);
  });

  it("under MONTH_30 charges annual / 360 a day: 170,500 for 31 days and 995,500 for 181", () => {
    // 30,000,000 × 660 × 31 / (10,000 × 360) = 613,800,000,000 / 3,600,000 = 170,500 exactly.
    // 30,000,000 × 660 × 181 / 3,600,000 = 3,583,800,000,000 / 3,600,000 = 995,500 exactly.
    const monthly = disbursedLoan(POOR_MONTH_30, terms);
    expect(monthly.installments).toEqual(loan.installments);
    expect(payableInterestOn(monthly, POOR_MONTH_30, "2026-02-15")).toBe(170_500);
    expect(payableInterestOn(monthly, POOR_MONTH_30, "2026-07-15")).toBe(995_500);
    expect(accrue(monthly, POOR_MONTH_30, "2026-02-14").loan.accruedUnits).toBe(170_500n * ACCRUAL_DENOMINATOR);
  });
});

describe("worked case: an unpaid installment goes overdue the day after its due date", () => {
  const loan = disbursedLoan(POOR, terms);

  it("charges 858 bps on the unpaid 5,000,000 only from 2026-07-16", () => {
    // Due-date day itself is in term: all 30,000,000 at 660 bps.
    expect(interestForDay(loan.installments, POOR, "2026-07-15")).toEqual({
      inTermUnits: 30_000_000n * 660n * 100n * 72n,
      overdueUnits: 0n,
    });
    // From 16 Jul: 5,000,000 at 660 × 130% = 858 bps, the other 25,000,000 at 660.
    expect(interestForDay(loan.installments, POOR, "2026-07-16")).toEqual({
      inTermUnits: 25_000_000n * 660n * 100n * 72n,
      overdueUnits: 5_000_000n * 858n * 100n * 72n,
    });
    // Through 25 Jul: 182 in-term days on 30,000,000 = 3,603,600,000,000 / 3,650,000;
    // 10 days on 25,000,000 at 660 = 165,000,000,000 / 3,650,000 = 45,205.479...;
    // 10 days on 5,000,000 at 858 = 42,900,000,000 / 3,650,000 = 11,753.424...;
    // total 3,811,500,000,000 / 3,650,000 = 1,044,246.575... -> 1,044,247.
    const { loan: accrued, added } = accrue(loan, POOR, "2026-07-25");
    expect(added.overdueUnits).toBe(5_000_000n * 660n * 130n * 72n * 10n);
    expect(added.overdueUnits).toBe(308_880_000_000_000n);
    expect(added.inTermUnits).toBe(27_133_920_000_000_000n);
    expect(roundHalfUpToVnd(accrued.accruedUnits)).toBe(1_044_247);
  });

  it("classifies exactly the unpaid part after the due date has ended", () => {
    const partly = withPaid(loan, [1_200_000]);
    expect(classifyOverdue(partly, "2026-07-14").overdueDeltaVnd).toBe(0);
    const { loan: classified, overdueDeltaVnd } = classifyOverdue(partly, "2026-07-15");
    expect(overdueDeltaVnd).toBe(3_800_000);
    expect(classified).toMatchObject({ status: "OVERDUE", overduePrincipalVnd: 3_800_000 });
    expect(classified.outstandingPrincipalVnd).toBe(28_800_000);
  });
});

describe("worked case: SOCIAL_HOUSING across the 660 -> 540 bps change of 2025-10-10", () => {
  const program = PROGRAMS.SOCIAL_HOUSING;
  const loan = disbursedLoan(program, {
    principalVnd: 500_000_000,
    disbursedOn: "2025-09-01",
    termMonths: 240,
    installmentPeriodMonths: 12,
  });

  it("uses each day's rate and rounds the total once", () => {
    // 1 Sep to 9 Oct = 39 days at 660: 500,000,000 × 660 × 39 / 3,650,000 = 3,526,027.397...
    // 10 Oct to 31 Oct = 22 days at 540: 500,000,000 × 540 × 22 / 3,650,000 = 1,627,397.260...
    // Together 18,810,000,000,000 / 3,650,000 = 5,153,424.657... -> 5,153,425
    // (rounding each part first would give 3,526,027 + 1,627,397 = 5,153,424).
    const before = interestForRange(loan.installments, program, "2025-09-01", "2025-10-09");
    const after = interestForRange(loan.installments, program, "2025-10-10", "2025-10-31");
    expect(interestTotal(before)).toBe(500_000_000n * 660n * 100n * 72n * 39n);
    expect(interestTotal(after)).toBe(500_000_000n * 540n * 100n * 72n * 22n);
    expect(payableInterestOn(loan, program, "2025-11-01")).toBe(5_153_425);
    expect(roundHalfUpToVnd(interestTotal(before)) + roundHalfUpToVnd(interestTotal(after))).toBe(5_153_424);
    expect(accrue(loan, program, "2025-10-31").added).toEqual(addInterest(before, after));
  });
});

describe("accrue", () => {
  const loan = disbursedLoan(POOR, terms);

  it("starts on the disbursement day and never moves backwards", () => {
    expect(loan.interestAccruedThrough).toBe("2026-01-14");
    const { loan: once } = accrue(loan, POOR, "2026-01-15");
    expect(once.accruedUnits).toBe(30_000_000n * 660n * 100n * 72n);
    expect(accrue(once, POOR, "2026-01-15").loan).toBe(once);
    expect(() => accrue(once, POOR, "2026-01-14")).toThrow(AccrualBackwards);
  });

  it("accrues day by day to exactly the range total, split included", () => {
    fc.assert(
      fc.property(
        programArb,
        loanTermsArb,
        fc.array(fc.integer({ min: 0, max: 100_000_000 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 800 }),
        (program, loanTerms, paid, days) => {
          const start = withPaid(disbursedLoan(program, loanTerms), paid);
          const end = addDays(loanTerms.disbursedOn, days - 1);
          let daily: Loan = start;
          let inTermUnits = 0n;
          let overdueUnits = 0n;
          for (let day = loanTerms.disbursedOn; day <= end; day = addDays(day, 1)) {
            const step = accrue(daily, program, day);
            daily = step.loan;
            inTermUnits += step.added.inTermUnits;
            overdueUnits += step.added.overdueUnits;
          }
          const once = accrue(start, program, end);
          expect(daily).toEqual(once.loan);
          expect({ inTermUnits, overdueUnits }).toEqual(once.added);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("closed form", () => {
  it("equals the day-by-day reference for any schedule, rates and range up to ~800 days", () => {
    fc.assert(
      fc.property(
        programArb,
        installmentsArb,
        dateArb(),
        fc.integer({ min: 0, max: 800 }),
        (program, installments, from, n) => {
          const to = fromDayNumber(toDayNumber(from) + n - 1);
          expect(interestForRange(installments, program, from, to)).toEqual(
            interestForRangeDaily(installments, program, from, to),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("splits at any day, and at a rate change, into two sub-ranges that add up exactly", () => {
    fc.assert(
      fc.property(
        programArb,
        installmentsArb,
        dateArb(),
        fc.integer({ min: 1, max: 900 }),
        fc.nat(),
        (program, installments, from, n, pick) => {
          const to = fromDayNumber(toDayNumber(from) + n - 1);
          const inside = program.rates.map((r) => r.effectiveFrom).filter((d) => d > from && d <= to);
          const split =
            inside.length > 0 && pick % 2 === 0
              ? (inside[pick % inside.length] ?? to)
              : fromDayNumber(toDayNumber(from) + (pick % n));
          const whole = interestForRange(installments, program, from, to);
          const parts = addInterest(
            interestForRange(installments, program, from, addDays(split, -1)),
            interestForRange(installments, program, split, to),
          );
          expect(parts).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("charges nothing on a frozen loan", () => {
    const loan = disbursedLoan(POOR, terms);
    const frozen: Loan = { ...loan, status: "FROZEN", frozenOn: "2026-01-15" };
    expect(accrue(frozen, POOR, "2026-12-31")).toMatchObject({
      added: { inTermUnits: 0n, overdueUnits: 0n },
      loan: { accruedUnits: 0n, interestAccruedThrough: "2026-12-31" },
    });
  });
});
