/**
 * A year of nights on one table: loans on five programs (social housing across its 2025-10-10 cut, a
 * near-poor rate change announced mid-year, a 30/360 program), disbursed before and during the year,
 * paid on time, late, in part or not at all. After 400 business dates each loan's interest must be what
 * the credit engine computes for it, and the accrual journal must add up to the loans, to the unit.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/db/items.ts";
import { communeParts } from "../../shared/db/org.ts";
import {
  ACCRUAL_DENOMINATOR,
  accrue,
  addDays,
  addRateChange,
  applyPayment,
  type BusinessDate,
  classifyOverdue,
  dayOfMonth,
  daysInMonth,
  defineProgram,
  type Installment,
  interestForDay,
  isAfter,
  type Loan,
  PROGRAMS,
  type Program,
  payableInterestOn,
} from "../../shared/domain/index.ts";
import {
  COMMUNES,
  datesFrom,
  disbursedLoan,
  type LoanSpec,
  loanState,
  pay,
  portfolioItems,
  programItem,
  putAll,
  putOne,
  readJournal,
  readLoan,
  readLoanItems,
  runNight,
  scanPrefix,
  seededRandom,
  settledUnitsByLoan,
  useFreshTable,
} from "./support.ts";

process.env.JOB_SHARDS = "2";

const FIRST: BusinessDate = "2025-06-15";
const NIGHTS = 400;
const DATES = datesFrom(FIRST, NIGHTS);
const LAST = DATES.at(-1)!;

// Job creation is stored with a 30/360 day count, which the jobs and payments must read from the table.
const JOB_CREATION_30_360 = defineProgram({ ...PROGRAMS.JOB_CREATION, dayCount: "MONTH_30" });
// A near-poor cut announced ahead of time, as operators would: stored on one date, in force from a later one.
const NEAR_POOR_ANNOUNCED_ON = addDays(FIRST, 120);
const NEAR_POOR_CHANGED = addRateChange(PROGRAMS.NEAR_POOR, {
  effectiveFrom: addDays(FIRST, 140),
  annualRateBps: 720,
});

/** The programs as they stand at the end of the year; every day's rate is already in them. */
const FINAL_PROGRAMS: Record<string, Program> = {
  POOR: PROGRAMS.POOR,
  NEAR_POOR: NEAR_POOR_CHANGED,
  SOCIAL_HOUSING: PROGRAMS.SOCIAL_HOUSING,
  WATER_SANITATION: PROGRAMS.WATER_SANITATION,
  JOB_CREATION: JOB_CREATION_30_360,
};

type Behaviour = "ON_TIME" | "LATE_SYNC" | "INTEREST_ONLY" | "PARTIAL" | "NOTHING" | "PAYOFF";
const BEHAVIOURS: Behaviour[] = ["ON_TIME", "LATE_SYNC", "INTEREST_ONLY", "PARTIAL", "NOTHING"];
/**
 * Each loan-night costs the local engine about two milliseconds, so the year holds tens of loans at a
 * time rather than hundreds: ten all year and a stream of short ones disbursed and repaid through it.
 */
const ROLLING_LOANS = 50;
/** Collections synced from a phone that was offline arrive this many days after they were made. */
const SYNC_DELAY_DAYS = 3;

type Plan = { spec: LoanSpec; behaviour: Behaviour; payoffOn?: BusinessDate };
type Payment = {
  loanId: string;
  paidOn: BusinessDate;
  postedOn: BusinessDate;
  interestVnd: number;
  principalVnd: number;
};

const random = seededRandom(20251010);
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
const amount = (minVnd: number, maxVnd: number) => Math.round((minVnd + random() * (maxVnd - minVnd)) / 1000) * 1000;

function plans(): Plan[] {
  const out: Plan[] = [];
  const codes = Object.keys(FINAL_PROGRAMS);
  const terms: Record<string, { principal: [number, number]; term: number[]; every: number[] }> = {
    POOR: { principal: [20e6, 100e6], term: [24, 36], every: [3, 6] },
    NEAR_POOR: { principal: [20e6, 100e6], term: [12, 24], every: [1, 3] },
    SOCIAL_HOUSING: { principal: [300e6, 900e6], term: [60, 120], every: [3, 6] },
    WATER_SANITATION: { principal: [5e6, 25e6], term: [12, 24], every: [3] },
    JOB_CREATION: { principal: [30e6, 100e6], term: [24, 48], every: [6] },
  };
  let n = 0;
  const spec = (code: string, disbursedOn: BusinessDate, term: number, every: number, principal: number): LoanSpec => {
    n += 1;
    const communePath = COMMUNES[n % COMMUNES.length]!;
    return {
      loanId: `L-Y${String(n).padStart(4, "0")}`,
      memberId: `M-Y${n}`,
      program: code === "NEAR_POOR" ? PROGRAMS.NEAR_POOR : FINAL_PROGRAMS[code]!,
      principalVnd: principal,
      termMonths: term,
      installmentMonths: every,
      disbursedOn,
      communePath,
    };
  };
  // Loans running all year, disbursed in the weeks before it: two behaviours per program, each behaviour twice.
  codes.forEach((code, i) => {
    for (let k = 0; k < 2; k++) {
      const t = terms[code]!;
      out.push({
        spec: spec(
          code,
          addDays(FIRST, -1 - Math.floor(random() * 28)),
          pick(t.term),
          pick(t.every),
          amount(...t.principal),
        ),
        behaviour: BEHAVIOURS[(2 * i + k) % BEHAVIOURS.length]!,
      });
    }
  });
  // Short loans disbursed through the year; most are repaid and leave the nightly shards.
  for (let k = 0; k < ROLLING_LOANS; k++) {
    const code = pick(codes);
    const roll = random();
    const behaviour: Behaviour =
      roll < 0.4 ? "ON_TIME" : roll < 0.6 ? "LATE_SYNC" : roll < 0.9 ? "PAYOFF" : roll < 0.95 ? "PARTIAL" : "NOTHING";
    // Loans left unpaid stay in the nightly shards for good; they start late so the year stays short to run.
    const earliest = behaviour === "PARTIAL" || behaviour === "NOTHING" ? NIGHTS / 2 : 0;
    const disbursedOn = addDays(FIRST, earliest + Math.floor(random() * (NIGHTS - 60 - earliest)));
    const term = pick([1, 2, 3]);
    const plan: Plan = { spec: spec(code, disbursedOn, term, 1, amount(5e6, 25e6)), behaviour };
    if (behaviour === "PAYOFF") plan.payoffOn = addDays(disbursedOn, 5 + Math.floor(random() * (term * 30 - 10)));
    out.push(plan);
  }
  return out;
}

/** The monthly collection day: the disbursement day of month, clamped to the month's end. */
function isCollectionDay(spec: LoanSpec, date: BusinessDate): boolean {
  if (!isAfter(date, spec.disbursedOn)) return false;
  const [y, m] = date.split("-").map(Number) as [number, number];
  return dayOfMonth(date) === Math.min(dayOfMonth(spec.disbursedOn), daysInMonth(y, m));
}

function isInstallmentDay(loan: Loan, date: BusinessDate): boolean {
  return loan.installments.some((i) => i.dueDate === date);
}

function unpaidDueBy(loan: Loan, date: BusinessDate): number {
  return loan.installments
    .filter((i) => !isAfter(i.dueDate, date))
    .reduce((sum, i) => sum + i.principalVnd - i.paidVnd, 0);
}

/** What the group leader collects from this member on `paidOn`, from the loan as the app shows it. */
function collection(plan: Plan, loan: Loan, program: Program, paidOn: BusinessDate) {
  const payable = payableInterestOn(loan, program, paidOn);
  switch (plan.behaviour) {
    case "PAYOFF":
      if (paidOn === plan.payoffOn) return { interestVnd: payable, principalVnd: loan.outstandingPrincipalVnd };
      return isCollectionDay(plan.spec, paidOn)
        ? { interestVnd: payable, principalVnd: unpaidDueBy(loan, paidOn) }
        : null;
    case "ON_TIME":
    case "LATE_SYNC":
      return isCollectionDay(plan.spec, paidOn)
        ? { interestVnd: payable, principalVnd: unpaidDueBy(loan, paidOn) }
        : null;
    case "INTEREST_ONLY":
      return isCollectionDay(plan.spec, paidOn) ? { interestVnd: payable, principalVnd: 0 } : null;
    case "PARTIAL":
      // Part of the interest (the rest stays as arrears) and half of what has fallen due.
      if (!isCollectionDay(plan.spec, paidOn)) return null;
      return {
        interestVnd: Math.floor(payable * 0.6),
        principalVnd: isInstallmentDay(loan, paidOn) ? Math.floor(unpaidDueBy(loan, paidOn) / 2) : 0,
      };
    case "NOTHING":
      return null;
  }
}

/** The overdue transfer as the nightly job applies it: a loan with nothing falling due is left as it is. */
function night(loan: Loan, date: BusinessDate): Loan {
  const { loan: next, overdueDeltaVnd } = classifyOverdue(loan, date);
  return overdueDeltaVnd === 0 && next.status === loan.status ? loan : next;
}

/**
 * The engine's own account of a loan, replayed from its events without the table: each night moves
 * what fell due to overdue, payments settle (catching accrual up themselves), and the year ends accrued.
 */
function replay(plan: Plan, payments: Payment[]) {
  const program = FINAL_PROGRAMS[plan.spec.program.code]!;
  let loan = disbursedLoan({ ...plan.spec, program });
  let settledUnits = 0n;
  const timeline: { from: BusinessDate; installments: readonly Installment[] }[] = [
    { from: plan.spec.disbursedOn, installments: loan.installments },
  ];
  const firstNight = isAfter(plan.spec.disbursedOn, FIRST) ? plan.spec.disbursedOn : FIRST;
  for (let date = firstNight; !isAfter(date, LAST); date = addDays(date, 1)) {
    for (const p of payments.filter((payment) => payment.postedOn === date)) {
      // The nights before the posting have accrued it to yesterday; here in one step, not night by night.
      loan = accrue(loan, program, addDays(date, -1)).loan;
      const result = applyPayment(loan, program, { transactionId: `replay-${p.paidOn}`, ...p });
      settledUnits += result.effect.settledUnits;
      loan = result.loan;
      timeline.push({ from: p.paidOn, installments: loan.installments });
    }
    if (loan.status !== "CLOSED") loan = night(loan, date);
  }
  // Accrued once, to the end of the year: the nightly steps must add up to the same range.
  if (loan.status !== "CLOSED") loan = accrue(loan, program, LAST).loan;
  return { loan, settledUnits, timeline };
}

/** Interest day by day on the principal at the end of each day: the definition, not the closed form. */
function interestDayByDay(plan: Plan, timeline: { from: BusinessDate; installments: readonly Installment[] }[]) {
  const program = FINAL_PROGRAMS[plan.spec.program.code]!;
  let inTermUnits = 0n;
  let overdueUnits = 0n;
  let at = 0;
  for (let day = plan.spec.disbursedOn; !isAfter(day, LAST); day = addDays(day, 1)) {
    while (timeline[at + 1] && !isAfter(timeline[at + 1]!.from, day)) at++;
    const installments = timeline[at]!.installments;
    if (installments.every((i) => i.paidVnd === i.principalVnd)) break;
    const split = interestForDay(installments, program, day);
    inTermUnits += split.inTermUnits;
    overdueUnits += split.overdueUnits;
  }
  return { inTermUnits, overdueUnits };
}

const bookOf = (plan: Plan) => `${plan.spec.communePath}#${plan.spec.program.code}`;

/** Which days a plan's member comes to pay, known without reading the loan. */
function comesToPay(plan: Plan, paidOn: BusinessDate): boolean {
  if (plan.behaviour === "NOTHING") return false;
  return paidOn === plan.payoffOn || isCollectionDay(plan.spec, paidOn);
}

/**
 * Circular 14/2017 by hand, for a loan nobody paid: Σ balance × annual rate × days / year, overdue
 * principal at 130%, with the rates written out here rather than read from the programs.
 */
function formulaForUnpaidLoan(plan: Plan): { numerator: bigint; denominator: bigint } {
  const code = plan.spec.program.code;
  const rateBps = (day: BusinessDate): bigint => {
    if (code === "SOCIAL_HOUSING") return day < "2025-10-10" ? 660n : 540n;
    if (code === "NEAR_POOR") return day < NEAR_POOR_CHANGED.rates.at(-1)!.effectiveFrom ? 792n : 720n;
    if (code === "WATER_SANITATION") return 900n;
    if (code === "JOB_CREATION") return 792n;
    return 660n;
  };
  const yearDays = code === "JOB_CREATION" ? 360n : 365n;
  const schedule = disbursedLoan(plan.spec).installments;
  let numerator = 0n;
  for (let day = plan.spec.disbursedOn; day <= LAST; day = addDays(day, 1)) {
    for (const installment of schedule) {
      const percent = installment.dueDate < day ? 130n : 100n;
      numerator += BigInt(installment.principalVnd) * rateBps(day) * percent;
    }
  }
  return { numerator, denominator: 10_000n * 100n * yearDays };
}

describe("a year of nightly accrual and overdue transfer", () => {
  const allPlans = plans();
  const payments: Payment[] = [];
  let items: Map<string, Item>;
  let settled: Map<string, bigint>;
  let journal: Awaited<ReturnType<typeof readJournal>>;
  let loanNights = 0;
  const expected = new Map<
    string,
    ReturnType<typeof replay> & { byDay: { inTermUnits: bigint; overdueUnits: bigint } }
  >();

  beforeAll(async () => {
    await useFreshTable("year");
    const programsNow: Record<string, Program> = { ...FINAL_PROGRAMS, NEAR_POOR: PROGRAMS.NEAR_POOR };
    await putOne(programItem(JOB_CREATION_30_360));
    const byDisbursement = new Map<BusinessDate, Plan[]>();
    const live: Plan[] = [];
    for (const plan of allPlans) {
      if (isAfter(FIRST, plan.spec.disbursedOn)) live.push(plan);
      else byDisbursement.set(plan.spec.disbursedOn, [...(byDisbursement.get(plan.spec.disbursedOn) ?? []), plan]);
    }
    const disburseAll = (list: Plan[]) => putAll(portfolioItems(list.map((p) => p.spec)));
    await disburseAll(live);
    const closed = new Set<string>();

    for (const date of DATES) {
      if (date === NEAR_POOR_ANNOUNCED_ON) {
        await putOne(programItem(NEAR_POOR_CHANGED));
        programsNow.NEAR_POOR = NEAR_POOR_CHANGED;
      }
      const disbursedToday = byDisbursement.get(date) ?? [];
      if (disbursedToday.length > 0) {
        await disburseAll(disbursedToday);
        live.push(...disbursedToday);
      }
      for (const plan of live) {
        const paidOn = plan.behaviour === "LATE_SYNC" ? addDays(date, -SYNC_DELAY_DAYS) : date;
        if (closed.has(plan.spec.loanId) || !isAfter(paidOn, plan.spec.disbursedOn) || !comesToPay(plan, paidOn))
          continue;
        const loan = loanState(await readLoan(plan.spec.loanId));
        if (loan.status === "CLOSED") {
          closed.add(plan.spec.loanId);
          continue;
        }
        const program = programsNow[plan.spec.program.code]!;
        const due = collection(plan, loan, program, paidOn);
        if (!due || due.interestVnd + due.principalVnd === 0) continue;
        const payment = { loanId: plan.spec.loanId, paidOn, postedOn: date, ...due };
        await pay(plan.spec.loanId, program, payment);
        payments.push(payment);
      }
      const night = await runNight(date, { pageSize: 16 });
      loanNights += night.accrual.seen;
      expect(night.accrual.failed + night.overdue.failed + night.accrual.deadLetters + night.overdue.deadLetters).toBe(
        0,
      );
    }
    items = await readLoanItems();
    settled = await settledUnitsByLoan();
    journal = await readJournal();
    for (const plan of allPlans) {
      const replayed = replay(
        plan,
        payments.filter((p) => p.loanId === plan.spec.loanId),
      );
      expected.set(plan.spec.loanId, { ...replayed, byDay: interestDayByDay(plan, replayed.timeline) });
    }
  }, 300_000);

  it("ends with the mix of loans the year was meant to produce", () => {
    const statuses = [...items.values()].map((item) => item.status as string);
    const count = (status: string) => statuses.filter((s) => s === status).length;
    expect(items.size).toBe(allPlans.length);
    expect(loanNights).toBeGreaterThan(5000);
    expect(count("CLOSED")).toBeGreaterThan(30);
    expect(count("OVERDUE")).toBeGreaterThan(5);
    expect(count("ACTIVE")).toBeGreaterThan(3);
    expect([...items.values()].some((item) => (item.interestArrearsVnd as number) > 0)).toBe(true);
    expect(payments.filter((p) => p.paidOn !== p.postedOn).length).toBeGreaterThan(20);
    expect(payments.length).toBeGreaterThan(120);
  });

  it("leaves every loan exactly where the credit engine's replay of its events puts it", () => {
    for (const plan of allPlans) {
      const { lastPostingId: _a, ...actual } = loanState(items.get(plan.spec.loanId)!);
      const { lastPostingId: _b, ...replayed } = expected.get(plan.spec.loanId)!.loan;
      expect(actual).toEqual(replayed);
      expect({ loanId: plan.spec.loanId, settled: settled.get(plan.spec.loanId) ?? 0n }).toEqual({
        loanId: plan.spec.loanId,
        settled: expected.get(plan.spec.loanId)!.settledUnits,
      });
    }
  });

  it("accrues, settled plus unsettled, the interest of each day on that day's principal, to the unit", () => {
    for (const plan of allPlans) {
      const { byDay } = expected.get(plan.spec.loanId)!;
      const units = (settled.get(plan.spec.loanId) ?? 0n) + loanState(items.get(plan.spec.loanId)!).accruedUnits;
      expect({ loanId: plan.spec.loanId, units }).toEqual({
        loanId: plan.spec.loanId,
        units: byDay.inTermUnits + byDay.overdueUnits,
      });
    }
  });

  it("charges unpaid loans the Circular 14 formula, at each rate on the days it was in force", () => {
    const unpaid = allPlans.filter((p) => p.behaviour === "NOTHING");
    expect(unpaid.map((p) => p.spec.program.code)).toEqual(expect.arrayContaining(["SOCIAL_HOUSING", "JOB_CREATION"]));
    for (const plan of unpaid) {
      const { numerator, denominator } = formulaForUnpaidLoan(plan);
      const units = loanState(items.get(plan.spec.loanId)!).accruedUnits;
      // units / ACCRUAL_DENOMINATOR đồng = numerator / denominator đồng, compared without division.
      expect(units * denominator).toBe(numerator * ACCRUAL_DENOMINATOR);
    }
  });

  it("journals, per commune and program, exactly the interest the loans accrued, in-term and overdue apart", () => {
    const perBook = new Map<string, { inTermUnits: bigint; overdueUnits: bigint }>();
    for (const plan of allPlans) {
      const { byDay } = expected.get(plan.spec.loanId)!;
      const book = perBook.get(bookOf(plan)) ?? { inTermUnits: 0n, overdueUnits: 0n };
      perBook.set(bookOf(plan), {
        inTermUnits: book.inTermUnits + byDay.inTermUnits,
        overdueUnits: book.overdueUnits + byDay.overdueUnits,
      });
    }
    const journaled = new Map<string, { inTermUnits: bigint; overdueUnits: bigint }>();
    for (const [key, entry] of journal) {
      const book = key.slice(key.indexOf("|") + 1);
      const sum = journaled.get(book) ?? { inTermUnits: 0n, overdueUnits: 0n };
      journaled.set(book, {
        inTermUnits: sum.inTermUnits + entry.inTermUnits,
        overdueUnits: sum.overdueUnits + entry.overdueUnits,
      });
    }
    expect(journaled).toEqual(perBook);
    expect([...journaled.values()].some((book) => book.overdueUnits > 0n)).toBe(true);
  });

  it("journals in total the sum over loans of settled and unsettled interest", () => {
    let loans = 0n;
    for (const item of items.values())
      loans += loanState(item).accruedUnits + (settled.get(item.loanId as string) ?? 0n);
    let journaled = 0n;
    for (const entry of journal.values()) journaled += entry.inTermUnits + entry.overdueUnits;
    expect(journaled).toBe(loans);
  });

  it("keeps each commune's overdue principal equal to the loans' overdue principal", async () => {
    const perBook = new Map<string, number>();
    for (const item of items.values()) {
      const { communeCode } = communeParts(item.communePath as string);
      const key = `${communeCode}#${item.programCode}`;
      perBook.set(key, (perBook.get(key) ?? 0) + (item.overduePrincipalVnd as number));
    }
    const aggregates = new Map<string, number>([...perBook.keys()].map((key) => [key, 0]));
    for (const a of await scanPrefix("AGG#")) {
      if (a.type === "AGG") aggregates.set(a.SK as string, (a.overdueVnd as number | undefined) ?? 0);
    }
    expect(aggregates).toEqual(perBook);
  });
});
