import { describe, expect, it } from "vitest";
import {
  AccrualBackwards,
  AmountOverCap,
  BackdatedPosting,
  DomainError,
  InterestExceedsPayable,
  InvalidSchedule,
  InvalidTransition,
  InvariantViolation,
  NotLatestPosting,
  PrincipalExceedsOutstanding,
} from "../../../shared/domain/index.ts";

describe("domain errors", () => {
  it("carry a stable code, an HTTP status hint and details for the problem document", () => {
    const cases: [DomainError, string, number][] = [
      [new InterestExceedsPayable(200, 100), "INTEREST_EXCEEDS_PAYABLE", 422],
      [new PrincipalExceedsOutstanding(200, 100), "PRINCIPAL_EXCEEDS_OUTSTANDING", 422],
      [new InvalidSchedule("x"), "INVALID_SCHEDULE", 422],
      [new AmountOverCap("POOR", 2, 1), "AMOUNT_OVER_CAP", 422],
      [new InvalidTransition("ACTIVE", "APPROVED"), "INVALID_TRANSITION", 409],
      [new NotLatestPosting("T-1", "T-2"), "NOT_LATEST_POSTING", 409],
      [new BackdatedPosting("2026-01-01", "2026-02-01", "x"), "BACKDATED_POSTING", 409],
      [new AccrualBackwards("2026-01-01", "2026-02-01"), "ACCRUAL_BACKWARDS", 409],
      [new InvariantViolation("x"), "INVARIANT_VIOLATION", 500],
    ];
    for (const [error, code, status] of cases) {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.httpStatus).toBe(status);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(new InterestExceedsPayable(200, 100).details).toEqual({ requestedVnd: 200, payableVnd: 100 });
    expect(new InvalidTransition("ACTIVE", "APPROVED").details).toEqual({ from: "ACTIVE", to: "APPROVED" });
  });
});
