import { describe, expect, it } from "vitest";
import {
  addRateChange,
  NoRateInForce,
  overdueRateBps,
  PROGRAM_CODES,
  PROGRAMS,
  programByCode,
  RateChangeRejected,
  rateOn,
  UnknownProgram,
} from "../../../shared/domain/index.ts";

describe("program catalogue", () => {
  it("holds the rates from the VBSP pages", () => {
    const on = "2026-01-15";
    expect(Object.fromEntries(PROGRAM_CODES.map((code) => [code, rateOn(programByCode(code), on)]))).toEqual({
      POOR: 660,
      POOR_30A: 330,
      NEAR_POOR: 792,
      ESCAPED_POVERTY: 825,
      STUDENT: 660,
      JOB_CREATION: 792,
      WATER_SANITATION: 900,
      DIFFICULT_AREA_BUSINESS: 900,
      SOCIAL_HOUSING: 540,
    });
    for (const code of PROGRAM_CODES) {
      expect(PROGRAMS[code].dayCount).toBe("ACT_365");
      expect(PROGRAMS[code].overdueRatePercent).toBe(130);
    }
  });

  it("applies the social-housing cut from 2025-10-10, not the day before", () => {
    expect(rateOn(PROGRAMS.SOCIAL_HOUSING, "2025-10-09")).toBe(660);
    expect(rateOn(PROGRAMS.SOCIAL_HOUSING, "2025-10-10")).toBe(540);
    expect(() => rateOn(PROGRAMS.SOCIAL_HOUSING, "2024-07-31")).toThrow(NoRateInForce);
  });

  it("has no water-sanitation rate before 2024-09-02, where its known history starts", () => {
    expect(rateOn(PROGRAMS.WATER_SANITATION, "2024-09-02")).toBe(900);
    expect(() => rateOn(PROGRAMS.WATER_SANITATION, "2024-09-01")).toThrow(NoRateInForce);
  });

  it("gives the overdue rate exactly, and in bps only when whole", () => {
    expect(overdueRateBps(PROGRAMS.POOR, "2026-01-01")).toEqual({ annualRateCentiBps: 85_800, annualRateBps: 858 });
    expect(overdueRateBps(PROGRAMS.POOR_30A, "2026-01-01")).toEqual({ annualRateCentiBps: 42_900, annualRateBps: 429 });
    // 792 × 130% = 1029.6 bps: not a whole bps.
    expect(overdueRateBps(PROGRAMS.NEAR_POOR, "2026-01-01")).toEqual({
      annualRateCentiBps: 102_960,
      annualRateBps: null,
    });
  });

  it("adds a rate change as a new program and refuses duplicate or earlier dates", () => {
    const changed = addRateChange(PROGRAMS.POOR, { effectiveFrom: "2027-01-01", annualRateBps: 600 });
    expect(rateOn(changed, "2026-12-31")).toBe(660);
    expect(rateOn(changed, "2027-01-01")).toBe(600);
    expect(rateOn(PROGRAMS.POOR, "2027-01-01")).toBe(660);
    expect(() => addRateChange(changed, { effectiveFrom: "2027-01-01", annualRateBps: 500 })).toThrow(
      RateChangeRejected,
    );
    expect(() => addRateChange(changed, { effectiveFrom: "2026-06-01", annualRateBps: 500 })).toThrow(
      RateChangeRejected,
    );
    expect(() => addRateChange(changed, { effectiveFrom: "2028-01-01", annualRateBps: 5.5 })).toThrow(
      RateChangeRejected,
    );
    try {
      addRateChange(changed, { effectiveFrom: "2027-01-01", annualRateBps: 500 });
    } catch (error) {
      expect(error).toMatchObject({ code: "RATE_CHANGE_REJECTED", details: { latestEffectiveFrom: "2027-01-01" } });
    }
  });

  it("refuses an unknown code by name", () => {
    expect(() => programByCode("RICH")).toThrow(UnknownProgram);
  });
});
