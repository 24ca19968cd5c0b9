import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACCRUAL_DENOMINATOR,
  accrue,
  addDays,
  applyPayment,
  approve,
  BackdatedPosting,
  type BusinessDate,
  classifyOverdue,
  createLoan,
  freeze,
  InterestExceedsPayable,
  InvalidAmount,
  InvalidTransition,
  interestTotal,
  type Loan,
  maxDate,
  NotLatestPosting,
  type PaymentInput,
  PROGRAMS,
  PrincipalExceedsOutstanding,
  type Program,
  payableInterestOn,
  reversePayment,
  roundHalfUpToVnd,
} from "../../../shared/domain/index.ts";
import { disbursedLoan, loanTermsArb, programArb } from "./fixtures.ts";

const POOR = PROGRAMS.POOR;
const terms = { principalVnd: 30_000_000, disbursedOn: "2026-01-15", termMonths: 36, installmentPeriodMonths: 6 };
const UNITS_PER_DAY_ON_30M = 30_000_000n * 660n * 100n * 72n;

function pay(loan: Loan, program: Program, input: Omit<PaymentInput, "transactionId">, transactionId = "T-1") {
  return applyPayment(loan, program, { ...input, transactionId });
}

describe("worked payments on the 30,000,000 POOR loan disbursed 2026-01-15", () => {
  const loan = disbursedLoan(POOR, terms);

  it("repaid in full on 2026-03-01 bears 45 days (Dp − D0) and closes", () => {
    // 30,000,000 × 660 × 45 / 3,650,000 = 891,000,000,000 / 3,650,000 = 244,109.589... -> 244,110.
    expect(payableInterestOn(loan, POOR, "2026-03-01")).toBe(244_110);
    const { loan: closed, allocation } = pay(loan, POOR, {
      paidOn: "2026-03-01",
      interestVnd: 244_110,
      principalVnd: 30_000_000,
    });
    expect(closed).toMatchObject({
      status: "CLOSED",
      outstandingPrincipalVnd: 0,
      interestArrearsVnd: 0,
      accruedUnits: 0n,
      interestAccruedThrough: "2026-02-28",
    });
    expect(allocation.map((part) => [part.kind, part.amountVnd])).toEqual([
      ["INTEREST_CURRENT", 244_110],
      ...[1, 2, 3, 4, 5, 6].map(() => ["PRINCIPAL_EARLY", 5_000_000]),
    ]);
    expect(accrue(closed, POOR, "2026-12-31").added).toEqual({ inTermUnits: 0n, overdueUnits: 0n });
  });

  it("keeps unpaid interest as whole-đồng arrears and drops the sub-đồng remainder", () => {
    // On 2026-02-15: 168,164.3835 đồng accrued -> 168,164 payable; paying 100,000 leaves 68,164 in arrears.
    const {
      loan: partly,
      payableVnd,
      allocation,
    } = pay(loan, POOR, {
      paidOn: "2026-02-15",
      interestVnd: 100_000,
      principalVnd: 0,
    });
    expect(payableVnd).toBe(168_164);
    expect(allocation).toEqual([{ kind: "INTEREST_CURRENT", amountVnd: 100_000 }]);
    expect(partly).toMatchObject({
      interestArrearsVnd: 68_164,
      accruedUnits: 0n,
      interestAccruedThrough: "2026-02-14",
    });
    // Next month, 28 more days: 30,000,000 × 660 × 28 / 3,650,000 = 151,890.41... -> 151,890; plus 68,164 = 220,054.
    expect(payableInterestOn(partly, POOR, "2026-03-15")).toBe(220_054);
    const { allocation: next } = pay(
      partly,
      POOR,
      { paidOn: "2026-03-15", interestVnd: 100_000, principalVnd: 0 },
      "T-2",
    );
    expect(next).toEqual([
      { kind: "INTEREST_ARREARS", amountVnd: 68_164 },
      { kind: "INTEREST_CURRENT", amountVnd: 31_836 },
    ]);
  });

  it("refuses interest above payable, with the payable amount", () => {
    expect(() => pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 168_165, principalVnd: 0 })).toThrow(
      InterestExceedsPayable,
    );
    try {
      pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 168_165, principalVnd: 0 });
    } catch (error) {
      expect(error).toMatchObject({
        code: "INTEREST_EXCEEDS_PAYABLE",
        httpStatus: 422,
        details: { payableVnd: 168_164 },
      });
    }
  });

  it("refuses principal above outstanding, zero payments, and payments on undisbursed loans", () => {
    expect(() => pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 0, principalVnd: 30_000_001 })).toThrow(
      PrincipalExceedsOutstanding,
    );
    expect(() => pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 0, principalVnd: 0 })).toThrow(InvalidAmount);
    expect(() => pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 1.5, principalVnd: 0 })).toThrow(InvalidAmount);
    const approved = approve(createLoan({ loanId: "L-X", memberId: "M", groupId: "G", ...terms }, POOR));
    expect(() => pay(approved, POOR, { paidOn: "2026-02-15", interestVnd: 0, principalVnd: 1 })).toThrow(
      InvalidTransition,
    );
  });

  it("refuses a payment dated before disbursement or before the latest posting", () => {
    expect(() => pay(loan, POOR, { paidOn: "2026-01-14", interestVnd: 0, principalVnd: 1 })).toThrow(BackdatedPosting);
    const { loan: paid } = pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 0, principalVnd: 1 });
    expect(() => pay(paid, POOR, { paidOn: "2026-02-14", interestVnd: 0, principalVnd: 1 }, "T-2")).toThrow(
      BackdatedPosting,
    );
    expect(() => payableInterestOn(paid, POOR, "2026-02-14")).toThrow(BackdatedPosting);
    expect(
      pay(paid, POOR, { paidOn: "2026-02-15", interestVnd: 0, principalVnd: 1 }, "T-2").loan.outstandingPrincipalVnd,
    ).toBe(29_999_998);
  });

  it("posts a late-synced collection as if on time: the nightly days after it are re-accrued on the new balance", () => {
    // The nightly job accrued through 2026-02-20; a collection made on 2026-02-15 syncs afterwards.
    const nightly = accrue(loan, POOR, "2026-02-20").loan;
    const late = pay(nightly, POOR, { paidOn: "2026-02-15", interestVnd: 168_164, principalVnd: 10_000_000 });
    // Days 15..20 Feb (6) are taken back at 30,000,000 and re-accrued at 20,000,000.
    expect(late.accrual.takenBack.inTermUnits).toBe(UNITS_PER_DAY_ON_30M * 6n);
    expect(late.accrual.reaccrued.inTermUnits).toBe(20_000_000n * 660n * 100n * 72n * 6n);
    expect(late.loan).toMatchObject({ interestArrearsVnd: 0, interestAccruedThrough: "2026-02-20" });
    expect(late.loan.accruedUnits).toBe(20_000_000n * 660n * 100n * 72n * 6n);
    const onTime = pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 168_164, principalVnd: 10_000_000 });
    expect(accrue(onTime.loan, POOR, "2026-02-20").loan).toEqual(late.loan);
  });
});

describe("reversal", () => {
  const loan = disbursedLoan(POOR, terms);

  it("restores the loan exactly, re-adding interest accrued since on the returned principal", () => {
    const before = accrue(loan, POOR, "2026-02-14").loan;
    const paid = pay(before, POOR, { paidOn: "2026-02-15", interestVnd: 100_000, principalVnd: 12_000_000 });
    const later = accrue(paid.loan, POOR, "2026-02-24").loan;
    const { loan: reversed, reaccrued } = reversePayment(later, POOR, paid.effect, "2026-02-25");
    // 10 days (15..24 Feb) on the 12,000,000 returned: 12,000,000 × 660 × 100 × 72 × 10 units.
    expect(reaccrued.inTermUnits).toBe(12_000_000n * 660n * 100n * 72n * 10n);
    expect(reversed).toEqual(accrue(before, POOR, "2026-02-24").loan);
    expect(reversed.accruedUnits).toBe(UNITS_PER_DAY_ON_30M * 41n);
    expect(roundHalfUpToVnd(reversed.accruedUnits)).toBe(222_411); // 30,000,000 × 660 × 41 / 3,650,000 = 222,410.96
    expect(ACCRUAL_DENOMINATOR).toBe(26_280_000_000n);
  });

  it("reverses only the latest posting, then the one before it", () => {
    const first = pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 100_000, principalVnd: 0 }, "T-1");
    const second = pay(first.loan, POOR, { paidOn: "2026-03-15", interestVnd: 50_000, principalVnd: 0 }, "T-2");
    expect(() => reversePayment(second.loan, POOR, first.effect, "2026-03-16")).toThrow(NotLatestPosting);
    const undoneSecond = reversePayment(second.loan, POOR, second.effect, "2026-03-16").loan;
    expect(() => reversePayment(undoneSecond, POOR, second.effect, "2026-03-16")).toThrow(NotLatestPosting);
    const undoneBoth = reversePayment(undoneSecond, POOR, first.effect, "2026-03-16").loan;
    expect(undoneBoth).toEqual(accrue(loan, POOR, "2026-03-14").loan);
  });

  it("is blocked by a later freeze, which changed how the days after the payment accrue", () => {
    const paid = pay(loan, POOR, { paidOn: "2026-02-15", interestVnd: 0, principalVnd: 1_000_000 });
    const frozen = freeze(paid.loan, POOR, "2026-03-01").loan;
    expect(() => reversePayment(frozen, POOR, paid.effect, "2026-03-02")).toThrow(NotLatestPosting);
  });

  it("reopens a loan the payment closed", () => {
    const payable = payableInterestOn(loan, POOR, "2026-03-01");
    const closed = pay(loan, POOR, { paidOn: "2026-03-01", interestVnd: payable, principalVnd: 30_000_000 });
    const later = accrue(closed.loan, POOR, "2026-03-10").loan;
    const { loan: reopened } = reversePayment(later, POOR, closed.effect, "2026-03-11");
    expect(reopened.status).toBe("ACTIVE");
    expect(reopened).toEqual(accrue(loan, POOR, "2026-03-10").loan);
  });
});

interface Scenario {
  readonly program: Program;
  readonly loan: Loan;
  readonly paidOn: BusinessDate;
  readonly interestPick: number;
  readonly principalPick: number;
  readonly laterDays: number;
}

/** A disbursed loan with some history (accrual, classification, an earlier payment) and a payment date. */
const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    program: programArb,
    terms: loanTermsArb,
    accruedDays: fc.integer({ min: 0, max: 500 }),
    classifiedDays: fc.integer({ min: 0, max: 500 }),
    earlier: fc.option(fc.record({ day: fc.integer({ min: 0, max: 300 }), pick: fc.nat(), principal: fc.nat() })),
    payDay: fc.integer({ min: 0, max: 400 }),
    interestPick: fc.nat(),
    principalPick: fc.nat(),
    laterDays: fc.integer({ min: 0, max: 200 }),
  })
  .map((r) => {
    let loan = disbursedLoan(r.program, r.terms);
    const start = r.terms.disbursedOn;
    let lastPosting = start;
    if (r.earlier) {
      const on = addDays(start, r.earlier.day);
      const payable = payableInterestOn(loan, r.program, on);
      const interestVnd = r.earlier.pick % (payable + 1);
      const principalVnd = Math.max(1, r.earlier.principal % loan.outstandingPrincipalVnd);
      loan = applyPayment(loan, r.program, { transactionId: "T-0", paidOn: on, interestVnd, principalVnd }).loan;
      lastPosting = on;
    }
    loan = accrue(loan, r.program, maxDate(loan.interestAccruedThrough!, addDays(start, r.accruedDays - 1))).loan;
    loan = classifyOverdue(loan, addDays(start, r.classifiedDays - 1)).loan;
    return {
      program: r.program,
      loan,
      paidOn: addDays(lastPosting, r.payDay),
      interestPick: r.interestPick,
      principalPick: r.principalPick,
      laterDays: r.laterDays,
    };
  });

function paymentFor(s: Scenario, transactionId = "T-P"): PaymentInput {
  const payable = payableInterestOn(s.loan, s.program, s.paidOn);
  const interestVnd = s.interestPick % (payable + 1);
  const principalVnd = s.principalPick % (s.loan.outstandingPrincipalVnd + 1);
  return {
    transactionId,
    paidOn: s.paidOn,
    interestVnd,
    principalVnd: interestVnd + principalVnd === 0 ? 1 : principalVnd,
  };
}

describe("payment properties", () => {
  const runs = { numRuns: 300 };

  it("payment then reversal is the identity (after the accrual the payment brought forward)", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.loan.outstandingPrincipalVnd > 0);
        const paid = applyPayment(s.loan, s.program, paymentFor(s));
        const reversed = reversePayment(paid.loan, s.program, paid.effect, s.paidOn).loan;
        const caughtUp = accrue(s.loan, s.program, maxDate(s.loan.interestAccruedThrough!, addDays(s.paidOn, -1))).loan;
        expect(reversed).toEqual(caughtUp);
      }),
      runs,
    );
  });

  it("payment, nightly accrual and classification, then reversal equals the nights alone", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.loan.outstandingPrincipalVnd > 0);
        const paid = applyPayment(s.loan, s.program, paymentFor(s));
        const until = addDays(paid.loan.interestAccruedThrough!, s.laterDays);
        const nights = (loan: Loan) => classifyOverdue(accrue(loan, s.program, until).loan, until).loan;
        const reversed = reversePayment(nights(paid.loan), s.program, paid.effect, maxDate(until, s.paidOn)).loan;
        expect(reversed).toEqual(nights(s.loan));
      }),
      runs,
    );
  });

  it("a late-synced payment ends where the on-time payment and later nights would", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.loan.outstandingPrincipalVnd > 0);
        const through = s.loan.interestAccruedThrough!;
        fc.pre(through < s.paidOn);
        const payment = paymentFor(s);
        const nightsTo = addDays(s.paidOn, s.laterDays);
        const nightsFirst = accrue(s.loan, s.program, nightsTo);
        const late = applyPayment(nightsFirst.loan, s.program, payment);
        const onTime = applyPayment(s.loan, s.program, payment);
        const nightsAfter = accrue(onTime.loan, s.program, nightsTo);
        expect(late.loan).toEqual(nightsAfter.loan);
        expect(late.allocation).toEqual(onTime.allocation);
        const lateJournal =
          interestTotal(nightsFirst.added) +
          interestTotal(late.accrual.caughtUp) -
          interestTotal(late.accrual.takenBack) +
          interestTotal(late.accrual.reaccrued);
        const onTimeJournal = interestTotal(onTime.accrual.caughtUp) + interestTotal(nightsAfter.added);
        expect(lateJournal).toBe(onTimeJournal);
      }),
      runs,
    );
  });

  it("moves exactly the paid amounts: balances, arrears and allocation agree", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.loan.outstandingPrincipalVnd > 0);
        const payment = paymentFor(s);
        const { loan, allocation, payableVnd, effect } = applyPayment(s.loan, s.program, payment);
        expect(allocation.reduce((sum, part) => sum + part.amountVnd, 0)).toBe(
          payment.interestVnd + payment.principalVnd,
        );
        expect(loan.outstandingPrincipalVnd).toBe(s.loan.outstandingPrincipalVnd - payment.principalVnd);
        expect(loan.interestArrearsVnd).toBe(payableVnd - payment.interestVnd);
        expect(payableVnd).toBe(s.loan.interestArrearsVnd + roundHalfUpToVnd(effect.settledUnits));
        expect(loan.installments.every((i) => i.paidVnd >= 0 && i.paidVnd <= i.principalVnd)).toBe(true);
        const overduePart = allocation
          .filter((part) => part.kind === "PRINCIPAL_OVERDUE")
          .reduce((sum, part) => sum + part.amountVnd, 0);
        // When classification is not ahead of the payment day, overdue principal drops by the overdue part.
        if (s.loan.overdueClassifiedThrough! === addDays(s.paidOn, -1)) {
          expect(s.loan.overduePrincipalVnd - loan.overduePrincipalVnd).toBe(overduePart);
        }
      }),
      runs,
    );
  });
});

describe("paying off a frozen loan", () => {
  it("closes it and ends the freeze; reversing the payoff freezes it again from the same day", () => {
    const frozen = freeze(disbursedLoan(POOR, terms), POOR, "2026-02-15").loan;
    const interestVnd = payableInterestOn(frozen, POOR, "2026-03-01");
    const paid = pay(frozen, POOR, { paidOn: "2026-03-01", interestVnd, principalVnd: 30_000_000 });
    expect(paid.loan.status).toBe("CLOSED");
    expect(paid.loan.frozenOn).toBeUndefined();
    const reversed = reversePayment(paid.loan, POOR, paid.effect, "2026-03-01").loan;
    expect(reversed).toMatchObject({ status: "FROZEN", frozenOn: "2026-02-15", outstandingPrincipalVnd: 30_000_000 });
  });
});
