/**
 * Business dates are `YYYY-MM-DD` strings in Asia/Ho_Chi_Minh. Arithmetic goes through integer day
 * numbers (days since 1970-01-01 in the proleptic Gregorian calendar), so no time zone or clock is
 * involved anywhere.
 */
import { InvalidDate } from "./errors.ts";

export type BusinessDate = string;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function civil(value: string): CivilDate {
  const match = typeof value === "string" ? DATE_PATTERN.exec(value) : null;
  if (!match) throw new InvalidDate(String(value));
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw new InvalidDate(value);
  return { year, month, day };
}

function format({ year, month, day }: CivilDate): BusinessDate {
  if (year < 1 || year > 9999) throw new InvalidDate(`${year}-${month}-${day}`);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

export function isBusinessDate(value: unknown): value is BusinessDate {
  if (typeof value !== "string") return false;
  try {
    civil(value);
    return true;
  } catch {
    return false;
  }
}

/** Validates and returns the date unchanged; throws InvalidDate otherwise. */
export function parseBusinessDate(value: string): BusinessDate {
  civil(value);
  return value;
}

// Days-from-civil after H. Hinnant's public-domain algorithm: exact for every Gregorian date.
export function toDayNumber(date: BusinessDate): number {
  const { year, month, day } = civil(date);
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

export function fromDayNumber(dayNumber: number): BusinessDate {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return format({ year, month, day });
}

export function addDays(date: BusinessDate, days: number): BusinessDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** `to − from` in days: 0 for the same date, negative when `to` is earlier. */
export function daysBetween(from: BusinessDate, to: BusinessDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

/**
 * Adds calendar months. A day that does not exist in the target month clamps to its last day. Pass
 * `anchorDay` to keep a schedule's original day of month (31 Jan -> 28 Feb -> 31 Mar); schedules
 * compute every date from the disbursement date, which has the same effect.
 */
export function addMonthsClamped(date: BusinessDate, months: number, anchorDay?: number): BusinessDate {
  if (!Number.isSafeInteger(months)) throw new InvalidDate(`${date} + ${months} months`);
  const { year, month, day } = civil(date);
  const monthIndex = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(monthIndex / 12);
  const targetMonth = monthIndex - targetYear * 12 + 1;
  const wanted = anchorDay ?? day;
  return format({ year: targetYear, month: targetMonth, day: Math.min(wanted, daysInMonth(targetYear, targetMonth)) });
}

export function compareDates(a: BusinessDate, b: BusinessDate): -1 | 0 | 1 {
  const diff = toDayNumber(a) - toDayNumber(b);
  return diff < 0 ? -1 : diff > 0 ? 1 : 0;
}

export function isBefore(a: BusinessDate, b: BusinessDate): boolean {
  return compareDates(a, b) < 0;
}

export function isAfter(a: BusinessDate, b: BusinessDate): boolean {
  return compareDates(a, b) > 0;
}

export function minDate(first: BusinessDate, ...rest: BusinessDate[]): BusinessDate {
  return rest.reduce((min, date) => (isBefore(date, min) ? date : min), parseBusinessDate(first));
}

export function maxDate(first: BusinessDate, ...rest: BusinessDate[]): BusinessDate {
  return rest.reduce((max, date) => (isAfter(date, max) ? date : max), parseBusinessDate(first));
}

/** `YYYY-MM`, e.g. for monthly statements. */
export function monthOf(date: BusinessDate): string {
  const { year, month } = civil(date);
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
}

export function dayOfMonth(date: BusinessDate): number {
  return civil(date).day;
}

/** `15/12/2026`, the form used in SMS and receipts. */
export function formatDateVi(date: BusinessDate): string {
  const { year, month, day } = civil(date);
  return `${String(day).padStart(2, "0")}/${String(month).padStart(2, "0")}/${String(year).padStart(4, "0")}`;
}
