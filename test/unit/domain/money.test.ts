import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ACCRUAL_DENOMINATOR,
  decodeUnits,
  encodeUnits,
  formatVnd,
  InvariantViolation,
  roundHalfUpToVnd,
  toMicroVnd,
  vndToUnits,
} from "../../../shared/domain/index.ts";

describe("accrual units", () => {
  it("one đồng is 10000 × 100 × 26280 units, so both day counts divide a day's interest exactly", () => {
    expect(ACCRUAL_DENOMINATOR).toBe(26_280_000_000n);
    expect(26_280n % 365n).toBe(0n);
    expect(26_280n % 360n).toBe(0n);
  });

  it("rounds half up to whole đồng, and only there", () => {
    const half = ACCRUAL_DENOMINATOR / 2n;
    expect(roundHalfUpToVnd(0n)).toBe(0);
    expect(roundHalfUpToVnd(half - 1n)).toBe(0);
    expect(roundHalfUpToVnd(half)).toBe(1);
    expect(roundHalfUpToVnd(vndToUnits(168_164) + half - 1n)).toBe(168_164);
    expect(roundHalfUpToVnd(vndToUnits(168_164) + half)).toBe(168_165);
  });

  it("shows micro-đồng by flooring: 12276000/73 đồng is 168,164.383561 đồng", () => {
    // 30,000,000 × 660 bps × 31 days at ACT_365 = 4,419,360,000,000,000 units.
    expect(toMicroVnd(4_419_360_000_000_000n)).toBe(168_164_383_561n);
  });

  it("refuses negative units instead of clamping", () => {
    expect(() => roundHalfUpToVnd(-1n)).toThrow(InvariantViolation);
  });

  it("rounding whole đồng gives them back", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (vnd) => roundHalfUpToVnd(vndToUnits(vnd)) === vnd));
  });

  it("keeps units as decimal strings for storage", () => {
    expect(decodeUnits(encodeUnits(12_345_678_901_234_567_890n))).toBe(12_345_678_901_234_567_890n);
    expect(() => decodeUnits("1.5")).toThrow(InvariantViolation);
  });
});

describe("formatVnd", () => {
  it("groups thousands with dots, vi-VN style", () => {
    expect(formatVnd(0)).toBe("0");
    expect(formatVnd(999)).toBe("999");
    expect(formatVnd(1_000)).toBe("1.000");
    expect(formatVnd(1_250_000)).toBe("1.250.000");
    expect(formatVnd(3_600_000_000)).toBe("3.600.000.000");
    expect(formatVnd(-5_000)).toBe("-5.000");
  });

  it("takes whole đồng only", () => {
    expect(() => formatVnd(1.5)).toThrow(InvariantViolation);
  });

  it("reads back to the same integer", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (vnd) => {
        const text = formatVnd(vnd);
        return /^\d{1,3}(\.\d{3})*$/.test(text) && Number(text.replaceAll(".", "")) === vnd;
      }),
    );
  });
});
