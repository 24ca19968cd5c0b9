/**
 * Interest as pure arithmetic over a schedule. A day's interest is charged on the principal outstanding
 * at the end of that day: the part of installments due before the day (unpaid at the end of their due
 * date) at the overdue rate, the rest at the in-term rate. Interest never earns interest.
 * Circular 14/2017: rates are per year; interest = Σ balance × days × annual rate / 365.
 */
import { addDays, type BusinessDate, fromDayNumber, isBefore, toDayNumber } from "./dates.ts";
import { InvariantViolation } from "./errors.ts";
import { type AccruedInterest, DAY_COUNT_LCM } from "./money.ts";
import { type DayCount, type Program, rateOn } from "./programs.ts";
import { type Installment, unpaidVnd } from "./schedule.ts";

export interface InterestSplit {
  readonly inTermUnits: AccruedInterest;
  readonly overdueUnits: AccruedInterest;
}

export const NO_INTEREST: InterestSplit = { inTermUnits: 0n, overdueUnits: 0n };

export function addInterest(a: InterestSplit, b: InterestSplit): InterestSplit {
  return { inTermUnits: a.inTermUnits + b.inTermUnits, overdueUnits: a.overdueUnits + b.overdueUnits };
}

export function subtractInterest(a: InterestSplit, b: InterestSplit): InterestSplit {
  return { inTermUnits: a.inTermUnits - b.inTermUnits, overdueUnits: a.overdueUnits - b.overdueUnits };
}

export function interestTotal(split: InterestSplit): AccruedInterest {
  return split.inTermUnits + split.overdueUnits;
}

export interface DayBalances {
  readonly inTermVnd: number;
  readonly overdueVnd: number;
}

/** Balances that bear interest on `day`: an installment unpaid after its due date is overdue from the next day. */
export function balancesOnDay(installments: readonly Installment[], day: BusinessDate): DayBalances {
  let inTermVnd = 0;
  let overdueVnd = 0;
  for (const installment of installments) {
    if (isBefore(installment.dueDate, day)) overdueVnd += unpaidVnd(installment);
    else inTermVnd += unpaidVnd(installment);
  }
  return { inTermVnd, overdueVnd };
}

const YEAR_DAYS: Readonly<Record<DayCount, bigint>> = { ACT_365: 365n, MONTH_30: 360n };

/**
 * Units for `days` days at constant balances and rate. With D = 10000 × 100 × 26280 units per đồng:
 * in-term B × r / (10000 × Y) đồng a day is B × r × 100 × (26280 / Y) units; overdue adds the percent p
 * in place of 100. 26280 / Y is whole for Y = 365 and Y = 360, so every day is a whole number of units.
 */
export function interestForDays(
  balances: DayBalances,
  annualRateBps: number,
  program: Program,
  days: number,
): InterestSplit {
  if (!Number.isSafeInteger(days) || days < 0) throw new InvariantViolation("days must be a whole number ≥ 0");
  const perDay = DAY_COUNT_LCM / YEAR_DAYS[program.dayCount];
  const rate = BigInt(annualRateBps) * perDay * BigInt(days);
  return {
    inTermUnits: BigInt(balances.inTermVnd) * rate * 100n,
    overdueUnits: BigInt(balances.overdueVnd) * rate * BigInt(program.overdueRatePercent),
  };
}

export function interestForDay(
  installments: readonly Installment[],
  program: Program,
  day: BusinessDate,
): InterestSplit {
  return interestForDays(balancesOnDay(installments, day), rateOn(program, day), program, 1);
}

/** Reference: day by day from `from` to `to` inclusive. Slow; used to check the closed form. */
export function interestForRangeDaily(
  installments: readonly Installment[],
  program: Program,
  from: BusinessDate,
  to: BusinessDate,
): InterestSplit {
  let total = NO_INTEREST;
  for (let day = from; !isBefore(to, day); day = addDays(day, 1)) {
    total = addInterest(total, interestForDay(installments, program, day));
  }
  return total;
}

/**
 * Closed form over `from`..`to` inclusive: balances and rate are constant between breakpoints, which are
 * the rate changes and the day after each unpaid installment's due date.
 */
export function interestForRange(
  installments: readonly Installment[],
  program: Program,
  from: BusinessDate,
  to: BusinessDate,
): InterestSplit {
  const first = toDayNumber(from);
  const last = toDayNumber(to);
  if (last < first) return NO_INTEREST;
  const starts = new Set<number>([first]);
  const addBreak = (dayNumber: number) => {
    if (dayNumber > first && dayNumber <= last) starts.add(dayNumber);
  };
  for (const rate of program.rates) addBreak(toDayNumber(rate.effectiveFrom));
  for (const installment of installments) {
    if (unpaidVnd(installment) > 0) addBreak(toDayNumber(installment.dueDate) + 1);
  }
  const ordered = [...starts].sort((a, b) => a - b);
  let total = NO_INTEREST;
  ordered.forEach((start, index) => {
    const end = (ordered[index + 1] ?? last + 1) - 1;
    const day = fromDayNumber(start);
    const segment = interestForDays(balancesOnDay(installments, day), rateOn(program, day), program, end - start + 1);
    total = addInterest(total, segment);
  });
  return total;
}
