import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  adjustInstallmentDate,
  buildSchedule,
  extendSchedule,
  fromDayNumber,
  InvalidSchedule,
  type ScheduleVersion,
  toDayNumber,
} from "../../../shared/domain/index.ts";

describe("buildSchedule", () => {
  it("splits 30,000,000 over 36 months into six 5,000,000 installments every 6 months", () => {
    const installments = buildSchedule({
      principalVnd: 30_000_000,
      disbursedOn: "2026-01-15",
      termMonths: 36,
      installmentPeriodMonths: 6,
    });
    expect(installments).toEqual([
      { seq: 1, dueDate: "2026-07-15", principalVnd: 5_000_000, paidVnd: 0 },
      { seq: 2, dueDate: "2027-01-15", principalVnd: 5_000_000, paidVnd: 0 },
      { seq: 3, dueDate: "2027-07-15", principalVnd: 5_000_000, paidVnd: 0 },
      { seq: 4, dueDate: "2028-01-15", principalVnd: 5_000_000, paidVnd: 0 },
      { seq: 5, dueDate: "2028-07-15", principalVnd: 5_000_000, paidVnd: 0 },
      { seq: 6, dueDate: "2029-01-15", principalVnd: 5_000_000, paidVnd: 0 },
    ]);
  });

  it("gives the floor to each installment and the remainder to the last", () => {
    // 10,000,000 / 3 = 3,333,333 rest 1: the last takes 3,333,334.
    const installments = buildSchedule({
      principalVnd: 10_000_000,
      disbursedOn: "2026-01-31",
      termMonths: 3,
      installmentPeriodMonths: 1,
    });
    expect(installments.map((i) => [i.dueDate, i.principalVnd])).toEqual([
      ["2026-02-28", 3_333_333],
      ["2026-03-31", 3_333_333],
      ["2026-04-30", 3_333_334],
    ]);
  });

  it("refuses a term that is not a whole number of periods", () => {
    expect(() =>
      buildSchedule({ principalVnd: 1_000_000, disbursedOn: "2026-01-15", termMonths: 10, installmentPeriodMonths: 3 }),
    ).toThrow(InvalidSchedule);
  });

  it("sums to the principal, with maturity at disbursement + term", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 300, max: 2_000_000_000 }),
        fc.integer({ min: toDayNumber("2020-01-01"), max: toDayNumber("2035-12-31") }),
        (periods, periodMonths, principalVnd, day) => {
          const disbursedOn = fromDayNumber(day);
          const termMonths = periods * periodMonths;
          const installments = buildSchedule({
            principalVnd,
            disbursedOn,
            termMonths,
            installmentPeriodMonths: periodMonths,
          });
          const total = installments.reduce((sum, i) => sum + i.principalVnd, 0);
          const last = installments[installments.length - 1];
          const first = installments[0];
          expect(total).toBe(principalVnd);
          expect(installments).toHaveLength(periods);
          expect(installments.every((i) => i.principalVnd === first?.principalVnd || i === last)).toBe(true);
          expect(last && first && last.principalVnd - first.principalVnd).toBeLessThan(periods);
          expect(installments.every((i, k) => k === 0 || i.dueDate > (installments[k - 1]?.dueDate ?? ""))).toBe(true);
        },
      ),
    );
  });
});

describe("schedule versions", () => {
  const v1: ScheduleVersion = {
    version: 1,
    installments: buildSchedule({
      principalVnd: 30_000_000,
      disbursedOn: "2026-01-15",
      termMonths: 36,
      installmentPeriodMonths: 6,
    }),
    reason: "disbursement",
    effectiveOn: "2026-01-15",
  };

  it("moves one installment and keeps maturity, as a new version", () => {
    const v2 = adjustInstallmentDate(v1, {
      installmentSeq: 2,
      newDueDate: "2027-04-15",
      reason: "crop failure",
      effectiveOn: "2026-12-20",
    });
    expect(v2.version).toBe(2);
    expect(v2.installments[1]?.dueDate).toBe("2027-04-15");
    expect(v2.installments[5]?.dueDate).toBe("2029-01-15");
    expect(v1.installments[1]?.dueDate).toBe("2027-01-15");
  });

  it("refuses to move the maturity, to break the order, or to change without a reason", () => {
    const change = { reason: "flood", effectiveOn: "2026-06-01" };
    expect(() => adjustInstallmentDate(v1, { ...change, installmentSeq: 6, newDueDate: "2029-03-01" })).toThrow(
      InvalidSchedule,
    );
    expect(() => adjustInstallmentDate(v1, { ...change, installmentSeq: 1, newDueDate: "2027-01-15" })).toThrow(
      InvalidSchedule,
    );
    expect(() =>
      adjustInstallmentDate(v1, {
        installmentSeq: 1,
        newDueDate: "2026-08-15",
        reason: "  ",
        effectiveOn: "2026-06-01",
      }),
    ).toThrow(InvalidSchedule);
  });

  it("extends maturity by moving the last installment", () => {
    const v2 = extendSchedule(v1, { newMaturityDate: "2030-01-15", reason: "illness", effectiveOn: "2029-01-10" });
    expect(v2.version).toBe(2);
    expect(v2.installments.map((i) => i.dueDate).slice(-2)).toEqual(["2028-07-15", "2030-01-15"]);
    expect(() => extendSchedule(v1, { newMaturityDate: "2029-01-15", reason: "x", effectiveOn: "2029-01-10" })).toThrow(
      InvalidSchedule,
    );
  });
});
