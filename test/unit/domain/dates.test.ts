import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  addMonthsClamped,
  compareDates,
  daysBetween,
  formatDateVi,
  fromDayNumber,
  InvalidDate,
  isBusinessDate,
  maxDate,
  minDate,
  monthOf,
  parseBusinessDate,
  toDayNumber,
} from "../../../shared/domain/index.ts";

describe("business dates", () => {
  it("accepts real calendar dates only", () => {
    expect(parseBusinessDate("2024-02-29")).toBe("2024-02-29");
    for (const bad of ["2026-02-29", "2026-13-01", "2026-04-31", "2026-1-5", "15/12/2026", "", "2026-00-10"]) {
      expect(() => parseBusinessDate(bad)).toThrow(InvalidDate);
      expect(isBusinessDate(bad)).toBe(false);
    }
  });

  it("counts days across months, years and leap days", () => {
    expect(toDayNumber("1970-01-01")).toBe(0);
    expect(daysBetween("2026-01-15", "2026-02-15")).toBe(31);
    expect(daysBetween("2026-01-15", "2026-07-15")).toBe(181);
    expect(daysBetween("2024-02-28", "2024-03-01")).toBe(2);
    expect(daysBetween("2100-02-28", "2100-03-01")).toBe(1);
    expect(addDays("2025-12-31", 1)).toBe("2026-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
  });

  it("round-trips every day number", () => {
    fc.assert(fc.property(fc.integer({ min: -700_000, max: 2_900_000 }), (n) => toDayNumber(fromDayNumber(n)) === n));
  });

  it("clamps a missing day to month end and keeps the anchor day", () => {
    expect(addMonthsClamped("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonthsClamped("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonthsClamped("2026-01-31", 2)).toBe("2026-03-31");
    expect(addMonthsClamped("2026-02-28", 1, 31)).toBe("2026-03-31");
    expect(addMonthsClamped("2026-08-31", 6)).toBe("2027-02-28");
    expect(addMonthsClamped("2026-11-15", 3)).toBe("2027-02-15");
    expect(addMonthsClamped("2026-03-15", -3)).toBe("2025-12-15");
  });

  it("compares, orders and names months", () => {
    expect(compareDates("2026-01-01", "2026-01-02")).toBe(-1);
    expect(compareDates("2026-01-02", "2026-01-02")).toBe(0);
    expect(minDate("2026-05-01", "2025-05-01", "2027-01-01")).toBe("2025-05-01");
    expect(maxDate("2026-05-01", "2025-05-01", "2027-01-01")).toBe("2027-01-01");
    expect(monthOf("2026-07-15")).toBe("2026-07");
    expect(formatDateVi("2026-12-15")).toBe("15/12/2026");
  });
});
