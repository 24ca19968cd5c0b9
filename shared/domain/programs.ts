/**
 * Lending programs and their effective-dated rates. The rate in force on a day applies to that day's
 * interest, for loans already running too (the social-housing cut of 2025-10-10 applied to existing
 * contracts). Caps, terms, the day count and the overdue percentage are settings: the catalogue below is
 * the default seed, and the store may hold other values.
 */
import { type BusinessDate, isAfter, parseBusinessDate } from "./dates.ts";
import { InvariantViolation, NoRateInForce, RateChangeRejected, UnknownProgram } from "./errors.ts";

export type ProgramCode =
  | "POOR"
  | "POOR_30A"
  | "NEAR_POOR"
  | "ESCAPED_POVERTY"
  | "STUDENT"
  | "JOB_CREATION"
  | "WATER_SANITATION"
  | "DIFFICULT_AREA_BUSINESS"
  | "SOCIAL_HOUSING";

export const PROGRAM_CODES: readonly ProgramCode[] = [
  "POOR",
  "POOR_30A",
  "NEAR_POOR",
  "ESCAPED_POVERTY",
  "STUDENT",
  "JOB_CREATION",
  "WATER_SANITATION",
  "DIFFICULT_AREA_BUSINESS",
  "SOCIAL_HOUSING",
];

/**
 * ACT_365: annual rate × actual days / 365 (Circular 14/2017).
 * MONTH_30: monthly rate (annual / 12) / 30 per actual day, i.e. annual / 360.
 */
export type DayCount = "ACT_365" | "MONTH_30";

export interface RatePeriod {
  readonly effectiveFrom: BusinessDate;
  readonly annualRateBps: number;
}

export interface Program {
  readonly code: ProgramCode;
  readonly name: string;
  /** Strictly increasing effectiveFrom; each period runs until the next one starts. */
  readonly rates: readonly RatePeriod[];
  /** null: no flat cap in the catalogue (social housing lends up to 80% of the price, checked by the caller). */
  readonly maxPrincipalVnd: number | null;
  readonly maxTermMonths: number;
  readonly dayCount: DayCount;
  /** Overdue principal accrues at this percentage of the in-term rate; 130 in every program found. */
  readonly overdueRatePercent: number;
}

export const DEFAULT_DAY_COUNT: DayCount = "ACT_365";
export const DEFAULT_OVERDUE_RATE_PERCENT = 130;

/**
 * Start of the stored rate history for programs whose current rate predates it. It is a setting, not the
 * date of a decree: loans disbursed earlier need their older periods added with `defineProgram`.
 */
export const RATE_HISTORY_START: BusinessDate = "2015-01-01";

export function defineProgram(input: {
  code: ProgramCode;
  name: string;
  rates: readonly RatePeriod[];
  maxPrincipalVnd: number | null;
  maxTermMonths: number;
  dayCount?: DayCount;
  overdueRatePercent?: number;
}): Program {
  const program: Program = {
    code: input.code,
    name: input.name,
    rates: input.rates.map((rate) => ({ ...rate })),
    maxPrincipalVnd: input.maxPrincipalVnd,
    maxTermMonths: input.maxTermMonths,
    dayCount: input.dayCount ?? DEFAULT_DAY_COUNT,
    overdueRatePercent: input.overdueRatePercent ?? DEFAULT_OVERDUE_RATE_PERCENT,
  };
  assertProgram(program);
  return program;
}

function assertProgram(program: Program): void {
  const bad = (what: string) =>
    new InvariantViolation(`program ${program.code}: ${what}`, { programCode: program.code });
  if (program.rates.length === 0) throw bad("needs at least one rate");
  program.rates.forEach((rate, index) => {
    parseBusinessDate(rate.effectiveFrom);
    if (!isPositiveInteger(rate.annualRateBps)) throw bad("annualRateBps must be a positive integer");
    const previous = program.rates[index - 1];
    if (previous && !isAfter(rate.effectiveFrom, previous.effectiveFrom)) throw bad("rates must be strictly in order");
  });
  if (program.maxPrincipalVnd !== null && !isPositiveInteger(program.maxPrincipalVnd)) throw bad("bad maxPrincipalVnd");
  if (!isPositiveInteger(program.maxTermMonths)) throw bad("bad maxTermMonths");
  if (!isPositiveInteger(program.overdueRatePercent)) throw bad("overdueRatePercent must be a positive integer");
  if (program.dayCount !== "ACT_365" && program.dayCount !== "MONTH_30") throw bad("unknown day count");
}

function isPositiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

const flat = (annualRateBps: number): RatePeriod[] => [{ effectiveFrom: RATE_HISTORY_START, annualRateBps }];

const MILLION = 1_000_000;

// Rates, caps and terms from vbsp.md. Where the public pages give no single figure (student cap per month
// of study, job creation per business, open-ended "long" terms), the value here is a setting to revise.
export const PROGRAMS: Readonly<Record<ProgramCode, Program>> = {
  POOR: defineProgram({
    code: "POOR",
    name: "Poor households",
    rates: flat(660),
    maxPrincipalVnd: 100 * MILLION,
    maxTermMonths: 120,
  }),
  POOR_30A: defineProgram({
    code: "POOR_30A",
    name: "Poor households in Resolution 30a districts",
    rates: flat(330),
    maxPrincipalVnd: 100 * MILLION,
    maxTermMonths: 120,
  }),
  NEAR_POOR: defineProgram({
    code: "NEAR_POOR",
    name: "Near-poor households",
    rates: flat(792),
    maxPrincipalVnd: 100 * MILLION,
    maxTermMonths: 120,
  }),
  ESCAPED_POVERTY: defineProgram({
    code: "ESCAPED_POVERTY",
    name: "Households just escaped poverty",
    rates: flat(825),
    maxPrincipalVnd: 100 * MILLION,
    maxTermMonths: 60,
  }),
  STUDENT: defineProgram({
    // VND 4m per month of study: the caller checks months of study; this cap covers five years of it.
    code: "STUDENT",
    name: "Disadvantaged students",
    rates: flat(660),
    maxPrincipalVnd: 240 * MILLION,
    maxTermMonths: 180,
  }),
  JOB_CREATION: defineProgram({
    // VND 100m per worker for a household; business loans (up to VND 2bn) are not made through groups.
    code: "JOB_CREATION",
    name: "Job creation",
    rates: flat(792),
    maxPrincipalVnd: 100 * MILLION,
    maxTermMonths: 120,
  }),
  WATER_SANITATION: defineProgram({
    // Decision 10/2024: 9% from 2024-09-02. The earlier rate is not in the sources, so the history starts
    // there and a loan disbursed before it has no rate until that period is added.
    code: "WATER_SANITATION",
    name: "Rural clean water and sanitation",
    rates: [{ effectiveFrom: "2024-09-02", annualRateBps: 900 }],
    maxPrincipalVnd: 25 * MILLION,
    maxTermMonths: 60,
  }),
  DIFFICULT_AREA_BUSINESS: defineProgram({
    code: "DIFFICULT_AREA_BUSINESS",
    name: "Production and business in difficult areas",
    rates: flat(900),
    maxPrincipalVnd: 100 * MILLION,
    maxTermMonths: 120,
  }),
  SOCIAL_HOUSING: defineProgram({
    code: "SOCIAL_HOUSING",
    name: "Social housing",
    rates: [
      { effectiveFrom: "2024-08-01", annualRateBps: 660 },
      { effectiveFrom: "2025-10-10", annualRateBps: 540 },
    ],
    maxPrincipalVnd: null,
    maxTermMonths: 300,
  }),
};

export function isProgramCode(value: unknown): value is ProgramCode {
  return typeof value === "string" && (PROGRAM_CODES as readonly string[]).includes(value);
}

export function programByCode(code: string): Program {
  if (!isProgramCode(code)) throw new UnknownProgram(code);
  return PROGRAMS[code];
}

export function findRateOn(program: Program, date: BusinessDate): RatePeriod | undefined {
  let found: RatePeriod | undefined;
  for (const rate of program.rates) {
    if (isAfter(rate.effectiveFrom, date)) break;
    found = rate;
  }
  return found;
}

/** The annual rate in force on `date`, in bps. */
export function rateOn(program: Program, date: BusinessDate): number {
  const rate = findRateOn(program, parseBusinessDate(date));
  if (!rate) throw new NoRateInForce(program.code, date);
  return rate.annualRateBps;
}

/**
 * The overdue rate is `overdueRatePercent`% of the in-term rate, which need not be a whole bps
 * (792 × 130% = 1029.6). Interest uses the exact value; `annualRateBps` is given only when whole.
 */
export interface OverdueRate {
  /** Exact, in hundredths of a basis point. */
  readonly annualRateCentiBps: number;
  readonly annualRateBps: number | null;
}

export function overdueRateBps(program: Program, date: BusinessDate): OverdueRate {
  return overdueRateFor(program, rateOn(program, date));
}

export function overdueRateFor(program: Program, annualRateBps: number): OverdueRate {
  const annualRateCentiBps = annualRateBps * program.overdueRatePercent;
  return {
    annualRateCentiBps,
    annualRateBps: annualRateCentiBps % 100 === 0 ? annualRateCentiBps / 100 : null,
  };
}

/**
 * Adds a rate period at the end of the history. Earlier or equal dates are refused: inserting into the
 * past would change interest already accrued and posted.
 */
export function addRateChange(program: Program, change: RatePeriod): Program {
  const details = { effectiveFrom: String(change.effectiveFrom), annualRateBps: change.annualRateBps };
  try {
    parseBusinessDate(change.effectiveFrom);
  } catch {
    throw new RateChangeRejected(program.code, "effectiveFrom is not a date", details);
  }
  if (!isPositiveInteger(change.annualRateBps)) {
    throw new RateChangeRejected(program.code, "annualRateBps must be a positive integer", details);
  }
  const last = program.rates[program.rates.length - 1];
  if (last && !isAfter(change.effectiveFrom, last.effectiveFrom)) {
    const reason = last.effectiveFrom === change.effectiveFrom ? "a rate already starts that day" : "out of order";
    throw new RateChangeRejected(program.code, `${reason} (latest starts ${last.effectiveFrom})`, {
      ...details,
      latestEffectiveFrom: last.effectiveFrom,
    });
  }
  return {
    ...program,
    rates: [...program.rates, { effectiveFrom: change.effectiveFrom, annualRateBps: change.annualRateBps }],
  };
}
