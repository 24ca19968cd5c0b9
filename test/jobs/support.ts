/**
 * Set-up shared by the job suites: a fresh table that the job code reaches through process.env (as a
 * Lambda would), loans written with the same builders the API uses, payments posted through the same
 * transaction, nights run as the scheduler runs them, and readers for loans and the journal.
 */

import { db } from "../../shared/db/client.ts";
import { getItem, type Item } from "../../shared/db/items.ts";
import { keys } from "../../shared/db/keys.ts";
import { loanFromItem, loanToItem } from "../../shared/db/loans.ts";
import { type Actor, planPayment } from "../../shared/db/postings.ts";
import { BatchWriteCommand, GetCommand, PutCommand, ScanCommand } from "../../shared/db/store.ts";
import { idempotentTransaction } from "../../shared/db/write.ts";
import {
  addDays,
  addMonthsClamped,
  approve,
  type BusinessDate,
  createLoan,
  decodeUnits,
  disburse,
  type Loan,
  PROGRAMS,
  type Program,
  payableInterestOn,
} from "../../shared/domain/index.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";
import { logger } from "../../shared/log/logger.ts";
import { type FreshTable, freshTable, testEndpoint } from "../support/index.ts";

// Shard logs are the operators' record; in a suite they would only bury the assertion that failed.
logger.setLogLevel("ERROR");

/** A new table made current for the job code, which reads TABLE_NAME and DYNAMODB_ENDPOINT like a Lambda. */
export async function useFreshTable(label: string): Promise<FreshTable> {
  process.env.DYNAMODB_ENDPOINT = testEndpoint();
  const table = await freshTable(label);
  process.env.TABLE_NAME = table.tableName;
  return table;
}

export function useTable(table: FreshTable): void {
  process.env.TABLE_NAME = table.tableName;
}

/** Vietnam wall-clock time on a business date (UTC+7 all year). */
export function vietnamTime(date: BusinessDate, hhmm: string): Date {
  return new Date(`${date}T${hhmm}:00+07:00`);
}

/** The night after `date`, when the scheduler closes it: 00:30 the next morning in Vietnam. */
export function nightAfter(date: BusinessDate): Date {
  return vietnamTime(addDays(date, 1), "00:30");
}

export function datesFrom(first: BusinessDate, count: number): BusinessDate[] {
  return Array.from({ length: count }, (_, i) => addDays(first, i));
}

/** Small deterministic generator, so a failing seed can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const COMMUNES = ["DB/TUA-CHUA/MUONG-BANG", "DB/TUA-CHUA/SIN-CHAI", "DB/DIEN-BIEN-DONG/NA-SON"] as const;

export type LoanSpec = {
  loanId: string;
  memberId: string;
  program: Program;
  principalVnd: number;
  termMonths: number;
  installmentMonths: number;
  disbursedOn: BusinessDate;
  communePath: string;
};

/** A disbursed loan exactly as the credit engine makes it. */
export function disbursedLoan(spec: LoanSpec): Loan {
  const applied = createLoan(
    {
      loanId: spec.loanId,
      memberId: spec.memberId,
      groupId: `G-${spec.communePath.split("/").at(-1)}`,
      principalVnd: spec.principalVnd,
      termMonths: spec.termMonths,
      installmentPeriodMonths: spec.installmentMonths,
    },
    spec.program,
  );
  return disburse(approve(applied), spec.program, spec.disbursedOn);
}

export function loanItem(loan: Loan, communePath: string, memberName = "Lo Thi Xuan"): Item {
  return loanToItem(
    loan,
    { scope: `${communePath}/${loan.groupId}`, communePath, entrustedOrg: "WOMEN_UNION" },
    { version: 3, purpose: "livestock", createdAt: "2025-01-01T00:00:00.000Z", memberName, groupName: "To 1" },
  );
}

export function memberItem(
  memberId: string,
  options: { fullName: string; phone: string; smsOptOut?: boolean; communePath?: string },
): Item {
  return {
    ...keys.member(memberId),
    type: "MEMBER",
    memberId,
    fullName: options.fullName,
    phone: options.phone,
    ...(options.smsOptOut === undefined ? {} : { smsOptOut: options.smsOptOut }),
    scope: options.communePath ?? COMMUNES[0],
    // The household's running loans, as disbursement counts them: one per member in these suites.
    activeLoans: 1,
  };
}

/** A program as an operator stores it (rates or day count changed): the jobs and payments read this copy. */
export function programItem(program: Program): Item {
  return { ...keys.program(program.code), type: "PROGRAM", code: program.code, program };
}

export async function putAll(items: Item[]): Promise<void> {
  const table = process.env.TABLE_NAME!;
  for (let i = 0; i < items.length; i += 25) {
    let pending: Record<string, unknown>[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await db().send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
      pending = (result.UnprocessedItems?.[table] as Record<string, unknown>[] | undefined) ?? [];
    }
  }
}

export async function putOne(item: Item): Promise<void> {
  await db().send(new PutCommand({ TableName: process.env.TABLE_NAME!, Item: item }));
}

/** Every item whose partition key starts with `prefix`, in key order. */
export async function scanPrefix(prefix: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new ScanCommand({
        TableName: process.env.TABLE_NAME!,
        FilterExpression: "begins_with(PK, :prefix)",
        ExpressionAttributeValues: { ":prefix": prefix },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => `${a.PK}|${a.SK}`.localeCompare(`${b.PK}|${b.SK}`));
}

export async function readLoan(loanId: string): Promise<Item> {
  const got = await db().send(
    new GetCommand({ TableName: process.env.TABLE_NAME!, Key: keys.loan(loanId), ConsistentRead: true }),
  );
  if (!got.Item) throw new Error(`no loan ${loanId}`);
  return got.Item;
}

/** Loan items by loan id. */
export async function readLoanItems(): Promise<Map<string, Item>> {
  const items = (await scanPrefix("LOAN#")).filter((item) => item.SK === "LOAN");
  return new Map(items.map((item) => [item.loanId as string, item]));
}

export type JournalEntry = { inTermUnits: bigint; overdueUnits: bigint };

/** Journal items keyed `date|commune#program`, with exact units. */
export async function readJournal(): Promise<Map<string, JournalEntry>> {
  const out = new Map<string, JournalEntry>();
  for (const item of await scanPrefix("JOURNAL#")) {
    out.set(`${String(item.PK).slice(8)}|${item.SK}`, {
      inTermUnits: BigInt(item.inTermUnits as number | bigint),
      overdueUnits: BigInt(item.overdueUnits as number | bigint),
    });
  }
  return out;
}

export function journalTotal(journal: Map<string, JournalEntry>): bigint {
  let total = 0n;
  for (const entry of journal.values()) total += entry.inTermUnits + entry.overdueUnits;
  return total;
}

/** Journal totals per commune and program, whatever the business date they were booked under. */
export function journalByBook(journal: Map<string, JournalEntry>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const [key, entry] of journal) {
    const book = key.slice(key.indexOf("|") + 1);
    out.set(book, (out.get(book) ?? 0n) + entry.inTermUnits + entry.overdueUnits);
  }
  return out;
}

/** Interest each payment settled, exactly (before rounding), per loan id. */
export async function settledUnitsByLoan(): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const tx of await scanPrefix("LOAN#")) {
    if (tx.kind !== "PAYMENT") continue;
    const loanId = tx.loanId as string;
    out.set(loanId, (out.get(loanId) ?? 0n) + decodeUnits((tx.effect as Item).settledUnits as string));
  }
  return out;
}

const LOAN_FIELDS = [
  "loanId",
  "memberId",
  "groupId",
  "programCode",
  "status",
  "principalVnd",
  "termMonths",
  "installmentPeriodMonths",
  "disbursedOn",
  "maturityDate",
  "scheduleVersion",
  "installments",
  "outstandingPrincipalVnd",
  "overduePrincipalVnd",
  "overdueClassifiedThrough",
  "accruedUnits",
  "interestArrearsVnd",
  "interestAccruedThrough",
  "lastPostingOn",
  "lastPostingId",
  "frozenOn",
] as const satisfies readonly (keyof Loan)[];

/** The loan as the credit engine sees it, without placement, versions or index keys. */
export function loanState(item: Item): Loan {
  const loan = loanFromItem(item) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of LOAN_FIELDS) if (loan[field] !== undefined) out[field] = loan[field];
  return out as unknown as Loan;
}

const COLLECTOR: Actor = { sub: "leader-1", role: "GROUP_LEADER", deviceId: "phone-1", channel: "GROUP" };

/** Posts a payment the way the API does: one idempotent transaction that reads the loan first. */
export async function pay(
  loanId: string,
  program: Program,
  payment: { paidOn: BusinessDate; postedOn: BusinessDate; interestVnd: number; principalVnd: number },
): Promise<void> {
  await idempotentTransaction({
    idempotency: { sub: COLLECTOR.sub, key: `${loanId}-${payment.paidOn}-${payment.postedOn}`, fingerprint: "f" },
    read: [keys.loan(loanId)],
    plan: ([item]) =>
      planPayment(
        item!,
        program,
        {
          paidOn: payment.paidOn,
          interestVnd: payment.interestVnd,
          principalVnd: payment.principalVnd,
          channel: "GROUP",
          actor: COLLECTOR,
          today: payment.postedOn,
        },
        `${payment.postedOn}T03:00:00.000Z`,
        () => getItem(keys.member(item!.memberId as string), true),
      ),
  });
}

export type SentSms = { phone: string; text: string; dedupeKey: string };

export type NightOptions = {
  pageSize?: number;
  now?: Date;
  beforeCommit?: (page: number) => void | Promise<void>;
  maxReceives?: number;
  parallelShards?: number;
};

/** One night as the scheduler runs it: accrual closes the day, then the overdue transfer. */
export async function runNight(date: BusinessDate, options: NightOptions = {}) {
  const now = options.now ?? nightAfter(date);
  const common = {
    businessDate: date,
    now: () => now,
    shard: { pageSize: options.pageSize ?? 50, concurrency: 8, beforeCommit: options.beforeCommit },
    ...(options.maxReceives === undefined ? {} : { maxReceives: options.maxReceives }),
    ...(options.parallelShards === undefined ? {} : { parallelShards: options.parallelShards }),
  };
  const accrual = await runJobInProcess("accrue-interest", common);
  const overdue = await runJobInProcess("classify-overdue", common);
  return { accrual, overdue };
}

/**
 * A small portfolio whose first monthly installments fall due on consecutive days from `firstDue`:
 * four programs (social housing among them, for its 2025-10-10 cut), three communes.
 */
export function portfolio(count: number, firstDue: BusinessDate, prefix = "L-P"): LoanSpec[] {
  const programs = [PROGRAMS.POOR, PROGRAMS.NEAR_POOR, PROGRAMS.SOCIAL_HOUSING, PROGRAMS.WATER_SANITATION];
  return Array.from({ length: count }, (_, i) => {
    const program = programs[i % programs.length]!;
    return {
      loanId: `${prefix}${String(i).padStart(4, "0")}`,
      memberId: `M-${prefix}${i}`,
      program,
      principalVnd: program.code === "SOCIAL_HOUSING" ? 480_000_000 + i * 1_000 : 12_000_000 + i * 37_000,
      termMonths: 12,
      installmentMonths: 1,
      disbursedOn: addMonthsClamped(addDays(firstDue, i % 4), -1),
      communePath: COMMUNES[i % COMMUNES.length]!,
    };
  });
}

/** Each loan with its member, as disbursement leaves them. */
export function portfolioItems(specs: LoanSpec[]): Item[] {
  return specs.flatMap((spec) => [
    loanItem(disbursedLoan(spec), spec.communePath),
    memberItem(spec.memberId, { fullName: "Lo Thi Xuan", phone: "0912000000", communePath: spec.communePath }),
  ]);
}

/**
 * The group leader's round on `date`: for loans with an installment due that day, a third pay it with
 * the interest, a third pay the interest only, a third pay nothing (and go overdue that night).
 */
export async function collectDue(specs: LoanSpec[], date: BusinessDate): Promise<number> {
  let posted = 0;
  for (const [i, spec] of specs.entries()) {
    if (i % 3 === 2) continue;
    const loan = loanState(await readLoan(spec.loanId));
    const due = loan.installments.find((installment) => installment.dueDate === date);
    if (!due || loan.status === "CLOSED") continue;
    const interestVnd = payableInterestOn(loan, spec.program, date);
    const principalVnd = i % 3 === 0 ? due.principalVnd - due.paidVnd : 0;
    await pay(spec.loanId, spec.program, { paidOn: date, postedOn: date, interestVnd, principalVnd });
    posted++;
  }
  return posted;
}

export type Snapshot = { loans: Item[]; journal: Item[]; aggregates: Item[] };

/** What a run leaves behind that users and reports read: loan items, journal and portfolio aggregates. */
export async function snapshot(): Promise<Snapshot> {
  return {
    loans: [...(await readLoanItems()).values()],
    journal: await scanPrefix("JOURNAL#"),
    aggregates: await scanPrefix("AGG#"),
  };
}

/**
 * A snapshot as plain data for comparing twin tables: transaction and receipt ids are drawn at random
 * per posting, so they are masked; exact units stay exact as strings.
 */
export function comparable(state: unknown): unknown {
  return JSON.parse(
    JSON.stringify(state, (_key, value) => {
      if (typeof value === "bigint") return `${value}n`;
      if (typeof value === "string" && /^[TR]-[0-9A-Z]{26}$/.test(value)) return "(id)";
      return value;
    }),
  );
}
