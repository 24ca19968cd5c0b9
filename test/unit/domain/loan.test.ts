import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AmountOverCap,
  accrue,
  addDays,
  adjustTerm,
  applyPayment,
  approve,
  assertLoanInvariants,
  BackdatedPosting,
  classifyOverdue,
  close,
  createLoan,
  defineProgram,
  disburse,
  extendMaturity,
  freeze,
  InvalidSchedule,
  InvalidTransition,
  InvariantViolation,
  type Loan,
  loanView,
  nextDue,
  PROGRAMS,
  payableInterestOn,
  TermOverMax,
  unfreeze,
  writeOff,
} from "../../../shared/domain/index.ts";
import { dateArb, disbursedLoan, loanTermsArb, programArb, withPaid } from "./fixtures.ts";

const POOR = PROGRAMS.POOR;
const terms = { principalVnd: 30_000_000, disbursedOn: "2026-01-15", termMonths: 36, installmentPeriodMonths: 6 };
const application = { loanId: "L-1", memberId: "M-1", groupId: "G-1", ...terms };

describe("lifecycle", () => {
  it("goes PENDING_APPROVAL -> APPROVED -> ACTIVE with the schedule fixed at disbursement", () => {
    const pending = createLoan(application, POOR);
    expect(pending).toMatchObject({ status: "PENDING_APPROVAL", scheduleVersion: 0, outstandingPrincipalVnd: 0 });
    const active = disburse(approve(pending), POOR, "2026-01-15");
    expect(active).toMatchObject({
      status: "ACTIVE",
      disbursedOn: "2026-01-15",
      maturityDate: "2029-01-15",
      scheduleVersion: 1,
      outstandingPrincipalVnd: 30_000_000,
      overduePrincipalVnd: 0,
      accruedUnits: 0n,
      interestArrearsVnd: 0,
      interestAccruedThrough: "2026-01-14",
      lastPostingOn: "2026-01-15",
    });
    expect(active.installments).toHaveLength(6);
  });

  it("refuses transitions out of order, naming both ends", () => {
    const pending = createLoan(application, POOR);
    expect(() => disburse(pending, POOR, "2026-01-15")).toThrow(InvalidTransition);
    try {
      disburse(pending, POOR, "2026-01-15");
    } catch (error) {
      expect(error).toMatchObject({
        code: "INVALID_TRANSITION",
        httpStatus: 409,
        details: { from: "PENDING_APPROVAL", to: "ACTIVE" },
      });
    }
    const active = disburse(approve(pending), POOR, "2026-01-15");
    expect(() => approve(active)).toThrow(InvalidTransition);
    expect(() => accrue(pending, POOR, "2026-02-01")).toThrow(InvalidTransition);
  });

  it("checks the program cap and term", () => {
    expect(() => createLoan({ ...application, principalVnd: 100_000_001 }, POOR)).toThrow(AmountOverCap);
    expect(() => createLoan({ ...application, termMonths: 126 }, POOR)).toThrow(TermOverMax);
    expect(() => createLoan({ ...application, termMonths: 35 }, POOR)).toThrow(InvalidSchedule);
    const approved = approve(createLoan(application, POOR));
    const lowered = defineProgram({ ...POOR, maxPrincipalVnd: 20_000_000 });
    expect(() => disburse(approved, lowered, "2026-01-15")).toThrow(AmountOverCap);
  });

  it("accrues nothing while frozen and resumes after", () => {
    const loan = disbursedLoan(POOR, terms);
    const { loan: frozen, added } = freeze(loan, POOR, "2026-02-15");
    // 31 days accrued up to the freeze: 30,000,000 × 660 × 100 × 72 × 31 units.
    expect(added.inTermUnits).toBe(30_000_000n * 660n * 100n * 72n * 31n);
    expect(frozen).toMatchObject({ status: "FROZEN", frozenOn: "2026-02-15", interestAccruedThrough: "2026-02-14" });
    const later = accrue(frozen, POOR, "2026-12-31").loan;
    expect(later.accruedUnits).toBe(frozen.accruedUnits);
    expect(classifyOverdue(later, "2026-12-31").loan).toBe(later);
    // Installment 1 fell due on 2026-07-15 during the freeze: it must move before the loan thaws.
    expect(() => unfreeze(later, POOR, "2027-01-01")).toThrow(InvalidSchedule);
    const moved = adjustTerm(later, {
      installmentSeq: 1,
      newDueDate: "2027-01-10",
      reason: "after the freeze",
      effectiveOn: "2027-01-01",
    }).loan;
    const { loan: thawed } = unfreeze(moved, POOR, "2027-01-01");
    expect(thawed.status).toBe("ACTIVE");
    expect(thawed.frozenOn).toBeUndefined();
    expect(accrue(thawed, POOR, "2027-01-01").added.inTermUnits).toBeGreaterThan(0n);
    expect(() => freeze(thawed, POOR, "2026-12-15")).toThrow(BackdatedPosting);
  });

  it("writes off, keeping balances for recovery, and stops accrual", () => {
    const loan = disbursedLoan(POOR, terms);
    const { loan: off } = writeOff(loan, POOR, "2026-03-01");
    expect(off).toMatchObject({ status: "WRITTEN_OFF", outstandingPrincipalVnd: 30_000_000 });
    expect(accrue(off, POOR, "2026-06-01").added).toEqual({ inTermUnits: 0n, overdueUnits: 0n });
    expect(() => writeOff(off, POOR, "2026-06-01")).toThrow(InvalidTransition);
  });

  it("closes only when nothing is owed", () => {
    const loan = disbursedLoan(POOR, terms);
    expect(() => close(loan)).toThrow(InvalidTransition);
    const payable = payableInterestOn(loan, POOR, "2026-03-01");
    const { loan: repaid } = applyPayment(loan, POOR, {
      transactionId: "T-1",
      paidOn: "2026-03-01",
      interestVnd: payable,
      principalVnd: 30_000_000,
    });
    expect(repaid.status).toBe("CLOSED");
    expect(() => close(repaid)).toThrow(InvalidTransition);
  });

  it("throws InvariantViolation instead of repairing a broken loan", () => {
    const loan = disbursedLoan(POOR, terms);
    expect(() => assertLoanInvariants({ ...loan, outstandingPrincipalVnd: 29_999_999 })).toThrow(InvariantViolation);
    expect(() => assertLoanInvariants({ ...loan, overduePrincipalVnd: 1 })).toThrow(InvariantViolation);
    expect(() => assertLoanInvariants({ ...loan, accruedUnits: -1n })).toThrow(InvariantViolation);
    expect(() => assertLoanInvariants({ ...loan, interestArrearsVnd: 0.5 })).toThrow(InvariantViolation);
  });
});

describe("classifyOverdue", () => {
  it("moves overdue and back to ACTIVE when the overdue part is paid", () => {
    const loan = disbursedLoan(POOR, terms);
    const { loan: overdue, overdueDeltaVnd } = classifyOverdue(loan, "2026-07-15");
    expect(overdueDeltaVnd).toBe(5_000_000);
    expect(overdue.status).toBe("OVERDUE");
    const paid = applyPayment(overdue, POOR, {
      transactionId: "T-1",
      paidOn: "2026-07-20",
      interestVnd: 0,
      principalVnd: 5_000_000,
    });
    expect(paid.allocation).toEqual([{ kind: "PRINCIPAL_OVERDUE", installmentSeq: 1, amountVnd: 5_000_000 }]);
    expect(paid.overdueDeltaVnd).toBe(-5_000_000);
    expect(paid.loan).toMatchObject({ status: "ACTIVE", overduePrincipalVnd: 0, outstandingPrincipalVnd: 25_000_000 });
  });

  it("is idempotent: the same or an earlier date changes nothing", () => {
    fc.assert(
      fc.property(
        programArb,
        loanTermsArb,
        fc.array(fc.nat({ max: 60_000_000 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: 0, max: 1500 }),
        (program, loanTerms, paid, days, back) => {
          const loan = withPaid(disbursedLoan(program, loanTerms), paid);
          const date = addDays(loanTerms.disbursedOn, days);
          const first = classifyOverdue(loan, date);
          expect(classifyOverdue(first.loan, date)).toEqual({ loan: first.loan, overdueDeltaVnd: 0 });
          expect(classifyOverdue(first.loan, addDays(date, -back))).toEqual({ loan: first.loan, overdueDeltaVnd: 0 });
          const expected = first.loan.installments
            .filter((i) => i.dueDate <= date)
            .reduce((sum, i) => sum + i.principalVnd - i.paidVnd, 0);
          expect(first.loan.overduePrincipalVnd).toBe(expected);
          expect(first.overdueDeltaVnd).toBe(expected - loan.overduePrincipalVnd);
          const running = expected > 0 ? "OVERDUE" : "ACTIVE";
          expect(first.loan.status).toBe(loan.status === "CLOSED" ? "CLOSED" : running);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reaches the same state whether run nightly or once after missed nights", () => {
    fc.assert(
      fc.property(programArb, loanTermsArb, fc.integer({ min: 1, max: 400 }), (program, loanTerms, days) => {
        const loan = disbursedLoan(program, loanTerms);
        let nightly: Loan = loan;
        let deltas = 0;
        for (let k = 0; k < days; k += 1) {
          const step = classifyOverdue(nightly, addDays(loanTerms.disbursedOn, k));
          nightly = step.loan;
          deltas += step.overdueDeltaVnd;
        }
        const once = classifyOverdue(loan, addDays(loanTerms.disbursedOn, days - 1));
        expect(nightly).toEqual(once.loan);
        expect(deltas).toBe(once.overdueDeltaVnd);
      }),
      { numRuns: 50 },
    );
  });
});

describe("schedule changes on a loan", () => {
  const loan = disbursedLoan(POOR, terms);

  it("adjusts one installment as version 2, maturity unchanged, and clears reversibility", () => {
    const accrued = accrue(loan, POOR, "2026-06-30").loan;
    const { loan: adjusted, schedule } = adjustTerm(accrued, {
      installmentSeq: 1,
      newDueDate: "2026-10-15",
      reason: "drought",
      effectiveOn: "2026-07-01",
    });
    expect(schedule).toMatchObject({ version: 2, reason: "drought", effectiveOn: "2026-07-01" });
    expect(adjusted).toMatchObject({ scheduleVersion: 2, maturityDate: "2029-01-15", lastPostingOn: "2026-07-01" });
    expect(adjusted.installments[0]?.dueDate).toBe("2026-10-15");
    expect(classifyOverdue(adjusted, "2026-07-15").overdueDeltaVnd).toBe(0);
  });

  it("refuses to move an installment that has already fallen due, classified or not", () => {
    // Installment 1 falls due on 2026-07-15; on 2026-07-16 it is overdue even before the night's job runs.
    const change = { installmentSeq: 1, newDueDate: "2026-08-15", reason: "flood", effectiveOn: "2026-07-16" };
    expect(() => adjustTerm(accrue(loan, POOR, "2026-07-14").loan, change)).toThrow(InvalidSchedule);
    // On its due date it may still move.
    const onTheDay = adjustTerm(accrue(loan, POOR, "2026-07-14").loan, { ...change, effectiveOn: "2026-07-15" });
    expect(onTheDay.loan.installments[0]!.dueDate).toBe("2026-08-15");
  });

  it("refuses to rewrite days already accrued or classified", () => {
    const accrued = accrue(loan, POOR, "2026-07-20").loan;
    const change = { installmentSeq: 1, newDueDate: "2026-10-15", reason: "drought", effectiveOn: "2026-07-21" };
    expect(() => adjustTerm(accrued, change)).toThrow(InvalidSchedule);
    const classified = classifyOverdue(accrue(loan, POOR, "2026-07-14").loan, "2026-07-15").loan;
    expect(() => adjustTerm(classified, { ...change, effectiveOn: "2026-07-15" })).toThrow(InvalidSchedule);
  });

  it("lets installments that fell due during a freeze be moved before unfreezing", () => {
    const frozen = freeze(loan, POOR, "2026-03-01").loan;
    const later = accrue(frozen, POOR, "2027-02-28").loan;
    // Installment 2 first, so that installment 1 can follow it and the order holds.
    const moved = adjustTerm(later, {
      installmentSeq: 2,
      newDueDate: "2027-07-10",
      reason: "after the freeze",
      effectiveOn: "2027-03-01",
    }).loan;
    const moved2 = adjustTerm(moved, {
      installmentSeq: 1,
      newDueDate: "2027-06-15",
      reason: "after the freeze",
      effectiveOn: "2027-03-01",
    }).loan;
    expect(moved2.scheduleVersion).toBe(3);
    const thawed = unfreeze(moved2, POOR, "2027-03-01").loan;
    expect(classifyOverdue(thawed, "2027-03-01").loan.status).toBe("ACTIVE");
  });

  it("extends maturity as a new version", () => {
    const { loan: extended, schedule } = extendMaturity(loan, {
      newMaturityDate: "2029-07-15",
      reason: "illness",
      effectiveOn: "2026-02-01",
    });
    expect(schedule.version).toBe(2);
    expect(extended).toMatchObject({ maturityDate: "2029-07-15", scheduleVersion: 2 });
    expect(nextDue(extended)).toEqual({ date: "2026-07-15", principalVnd: 5_000_000 });
  });
});

describe("loanView", () => {
  it("shows interest owed rounded once and the rates in force", () => {
    const loan = accrue(disbursedLoan(POOR, terms), POOR, "2026-02-14").loan;
    const view = loanView({ ...loan, interestArrearsVnd: 1_000 }, POOR, "2026-02-14");
    expect(view).toMatchObject({
      accruedInterestVnd: 169_164,
      annualRateBps: 660,
      overdueAnnualRateBps: 858,
      overdueAnnualRateCentiBps: 85_800,
      nextDue: { date: "2026-07-15", principalVnd: 5_000_000 },
      interestAccruedThrough: "2026-02-14",
    });
    const nearPoor = loanView(disbursedLoan(PROGRAMS.NEAR_POOR, terms), PROGRAMS.NEAR_POOR, "2026-02-14");
    expect(nearPoor).toMatchObject({
      annualRateBps: 792,
      overdueAnnualRateBps: null,
      overdueAnnualRateCentiBps: 102_960,
    });
  });

  it("is JSON-friendly apart from accruedUnits", () => {
    fc.assert(
      fc.property(loanTermsArb, dateArb(), (loanTerms, asOf) => {
        const view = loanView(disbursedLoan(POOR, loanTerms), POOR, asOf);
        expect(JSON.parse(JSON.stringify(view))).toEqual(view);
      }),
      { numRuns: 20 },
    );
  });
});
