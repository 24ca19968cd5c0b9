/**
 * Money is whole đồng in a `number` (always a safe integer). Accrued interest is exact: a bigint count
 * of units, where one đồng is ACCRUAL_DENOMINATOR units. The denominator is chosen so that one day's
 * interest on any whole-đồng balance, at any whole-bps rate and any whole overdue percentage, under
 * either day count (÷365 or ÷360), is a whole number of units. Sums of days then equal range totals
 * exactly, and rounding happens once, when an amount is posted.
 */
import { InvalidAmount, InvariantViolation } from "./errors.ts";

/** Whole đồng. */
export type Vnd = number;

/** Exact interest, in units of 1/ACCRUAL_DENOMINATOR đồng. */
export type AccruedInterest = bigint;

/** lcm(365, 360): both day counts divide it. */
export const DAY_COUNT_LCM = 26_280n;

/** bps (1/10000) × overdue percent (1/100) × lcm of the year lengths. */
export const ACCRUAL_DENOMINATOR = 10_000n * 100n * DAY_COUNT_LCM;

const MICRO_PER_VND = 1_000_000n;

/** Internal state check: a bug if it fails. */
export function assertVnd(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvariantViolation(`${name} must be a safe integer ≥ 0 đồng`, { name, value: String(value) });
  }
  return value;
}

export function assertUnits(value: bigint, name: string): bigint {
  if (value < 0n) throw new InvariantViolation(`${name} must be ≥ 0 units`, { name, value: value.toString() });
  return value;
}

/** Caller input check: bad input is a 422, never a 500. */
export function requireAmountVnd(value: number, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value))
    throw new InvalidAmount(field, value, "must be whole đồng");
  if (value < 0) throw new InvalidAmount(field, value, "must not be negative");
  return value;
}

export function requirePositiveVnd(value: number, field: string): number {
  requireAmountVnd(value, field);
  if (value === 0) throw new InvalidAmount(field, value, "must be more than zero");
  return value;
}

export function vndToUnits(vnd: number): AccruedInterest {
  return BigInt(assertVnd(vnd, "vnd")) * ACCRUAL_DENOMINATOR;
}

/** For display and tests; never posted. */
export function toMicroVnd(units: AccruedInterest): bigint {
  assertUnits(units, "units");
  return (units * MICRO_PER_VND) / ACCRUAL_DENOMINATOR;
}

/** The one rounding rule: half up to whole đồng, applied only when an amount is posted or shown. */
export function roundHalfUpToVnd(units: AccruedInterest): number {
  assertUnits(units, "units");
  const vnd = (units * 2n + ACCRUAL_DENOMINATOR) / (2n * ACCRUAL_DENOMINATOR);
  if (vnd > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvariantViolation("rounded interest is beyond a safe integer", { units: units.toString() });
  }
  return Number(vnd);
}

/** vi-VN grouping with "." and no decimals: 1250000 -> "1.250.000". */
export function formatVnd(vnd: number): string {
  if (!Number.isSafeInteger(vnd)) throw new InvariantViolation("formatVnd takes whole đồng", { value: String(vnd) });
  const digits = String(Math.abs(vnd));
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) groups.unshift(digits.slice(Math.max(0, end - 3), end));
  return (vnd < 0 ? "-" : "") + groups.join(".");
}

/** Bigint does not survive JSON; units are stored and sent as decimal strings. */
export function encodeUnits(units: AccruedInterest): string {
  return units.toString();
}

export function decodeUnits(text: string): AccruedInterest {
  if (!/^-?\d+$/.test(text)) throw new InvariantViolation("stored units are not an integer string", { text });
  return BigInt(text);
}

export function sumVnd(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += assertVnd(value, "amount");
  return assertVnd(total, "sum");
}
