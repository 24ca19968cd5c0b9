/**
 * Workers die: a Lambda times out, a container is recycled, the network drops an answer. A shard that
 * fails is redelivered and resumes after its last committed page. Whatever the pages it died on, the
 * loans and the journal must end exactly as on a twin table where nothing went wrong.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { httpStore, setDocumentClient } from "../../shared/db/client.ts";
import type { Item } from "../../shared/db/items.ts";
import type { DocumentStore } from "../../shared/db/store.ts";
import { addDays, type BusinessDate, decodeUnits, payableInterestOn } from "../../shared/domain/index.ts";
import { logger } from "../../shared/log/logger.ts";
import type { FreshTable } from "../support/index.ts";
import {
  collectDue,
  comparable,
  datesFrom,
  journalTotal,
  loanState,
  nightAfter,
  pay,
  portfolio,
  portfolioItems,
  putAll,
  readJournal,
  readLoan,
  readLoanItems,
  runNight,
  type Snapshot,
  scanPrefix,
  seededRandom,
  settledUnitsByLoan,
  snapshot,
  useFreshTable,
  vietnamTime,
} from "./support.ts";

process.env.JOB_SHARDS = "4";

const FIRST_DUE: BusinessDate = "2025-10-07";
// Nights from the day before the first due date to the last one, across the 2025-10-10 cut.
const NIGHTS = datesFrom("2025-10-06", 5);
const PAGE_SIZE = 5;
const specs = portfolio(40, FIRST_DUE);

async function newTwin(label: string): Promise<FreshTable> {
  const table = await useFreshTable(label);
  await putAll(portfolioItems(specs));
  return table;
}

async function year(nights: BusinessDate[], run: (date: BusinessDate) => Promise<unknown>) {
  for (const date of nights) {
    await collectDue(specs, date);
    await run(date);
  }
}

describe("a worker killed part-way through a shard", () => {
  let clean: Snapshot;
  /** Loans each night's accrual run reports, as operators read it in the run totals and metrics. */
  const cleanAccrued: number[] = [];
  /** Loans each night's overdue transfer reports as moved. */
  const cleanMoved: number[] = [];

  beforeAll(async () => {
    await newTwin("clean");
    await year(NIGHTS, async (date) => {
      const night = await runNight(date, { pageSize: PAGE_SIZE });
      cleanAccrued.push(night.accrual.updated);
      cleanMoved.push(night.overdue.updated);
    });
    clean = await snapshot();
    // The clean run must itself be worth comparing to: loans went overdue and interest was journaled.
    expect(clean.loans.filter((loan) => loan.status === "OVERDUE").length).toBeGreaterThan(10);
    expect(clean.journal.length).toBeGreaterThan(20);
  }, 60_000);

  afterEach(() => {
    setDocumentClient(undefined);
    logger.setLogLevel("ERROR");
  });

  it("ends as a clean run when pages fail before they commit and the queue redelivers them", async () => {
    await newTwin("killed-before-commit");
    logger.setLogLevel("SILENT");
    const random = seededRandom(1);
    let kills = 0;
    const beforeCommit = () => {
      if (random() < 0.25) {
        kills++;
        throw new Error("worker killed before committing its page");
      }
    };
    const accrued: number[] = [];
    const moved: number[] = [];
    await year(NIGHTS, async (date) => {
      const night = await runNight(date, { pageSize: PAGE_SIZE, beforeCommit, maxReceives: 25 });
      expect([night.accrual.deadLetters, night.overdue.deadLetters]).toEqual([0, 0]);
      expect([night.accrual.shardsDone, night.overdue.shardsDone]).toEqual([4, 4]);
      accrued.push(night.accrual.updated);
      moved.push(night.overdue.updated);
    });
    expect(kills).toBeGreaterThan(10);
    expect(comparable(await snapshot())).toEqual(comparable(clean));
    expect(accrued).toEqual(cleanAccrued);
    expect(moved).toEqual(cleanMoved);
  });

  it("ends as a clean run when the worker dies mid-page, some writes landed and their answers lost", async () => {
    await newTwin("killed-mid-page");
    logger.setLogLevel("SILENT");
    const real = httpStore();
    const random = seededRandom(2);
    let dead = false;
    let kills = 0;
    let lostAnswers = 0;
    // The worker's own traffic: listing a shard, accruing or moving a loan, committing a page.
    const isWorkerCall = (command: { input: Record<string, unknown> }) =>
      command.input.IndexName === "GSI3" || "UpdateExpression" in command.input || "TransactItems" in command.input;
    const isResume = (command: { input: Record<string, unknown> }) =>
      String((command.input.Key as Item | undefined)?.SK ?? "").startsWith("SHARD#");
    const dying = {
      async send(command: { input: Record<string, unknown> }) {
        if (dead) {
          // A redelivery starts by reading its shard's checkpoint: that is a fresh worker.
          if (!isResume(command)) throw new Error("worker is dead");
          dead = false;
        }
        if (!isWorkerCall(command) || random() >= 0.04) return real.send(command as never);
        dead = true;
        kills++;
        if (random() < 0.5) throw new Error("worker killed before the write");
        await real.send(command as never);
        lostAnswers++;
        throw new Error("worker killed after the write, before its answer");
      },
    } as unknown as DocumentStore;
    const accrued: number[] = [];
    const moved: number[] = [];
    await year(NIGHTS, async (date) => {
      setDocumentClient(dying);
      const night = await runNight(date, { pageSize: PAGE_SIZE, maxReceives: 25, parallelShards: 1 });
      setDocumentClient(undefined);
      dead = false;
      expect([night.accrual.deadLetters, night.overdue.deadLetters]).toEqual([0, 0]);
      accrued.push(night.accrual.updated);
      moved.push(night.overdue.updated);
    });
    expect(kills).toBeGreaterThan(5);
    expect(lostAnswers).toBeGreaterThan(2);
    expect(comparable(await snapshot())).toEqual(comparable(clean));
    expect(accrued).toEqual(cleanAccrued);
    expect(moved).toEqual(cleanMoved);
  });
});

/** Interest in the journal, and interest the loans accrued (settled by payments or not), in units. */
async function journalAndLoans() {
  const settled = await settledUnitsByLoan();
  let owed = 0n;
  for (const loan of (await readLoanItems()).values()) {
    owed += decodeUnits(loan.accruedUnits as string) + (settled.get(loan.loanId as string) ?? 0n);
  }
  return { journaled: journalTotal(await readJournal()), owed };
}

/** A night on which one shard fails on its second page every time, so its message goes to the dead-letter queue. */
async function nightWithDeadLetter(date: BusinessDate) {
  logger.setLogLevel("SILENT");
  let shardsStarted = 0;
  const night = await runNight(date, {
    pageSize: PAGE_SIZE,
    parallelShards: 1,
    maxReceives: 3,
    beforeCommit: (page) => {
      if (page === 0) shardsStarted++;
      if (page === 1 && shardsStarted === 2) throw new Error("shard keeps failing on its second page");
    },
  });
  logger.setLogLevel("ERROR");
  expect(night.accrual.deadLetters).toBe(1);
  return night;
}

describe("a shard that exhausted its retries", () => {
  const [night1, night2] = NIGHTS as [BusinessDate, BusinessDate];

  it("is journaled in full when operators redrive it before the next night", async () => {
    await newTwin("redriven-in-time");
    const first = await nightWithDeadLetter(night1);
    const redriven = await runNight(night1, { pageSize: PAGE_SIZE, now: vietnamTime(night2, "09:00") });
    expect(redriven.accrual.shardsDone).toBe(first.accrual.shards);
    await runNight(night2, { pageSize: PAGE_SIZE });
    const { journaled, owed } = await journalAndLoans();
    expect(journaled).toBe(owed);
  });

  it("is journaled in full when the next night runs before operators redrive it", async () => {
    await newTwin("redriven-late");
    const first = await nightWithDeadLetter(night1);
    // The next night runs as scheduled; the morning after, operators fix the cause and redrive night 1.
    await runNight(night2, { pageSize: PAGE_SIZE });
    const redriven = await runNight(night1, { pageSize: PAGE_SIZE, now: nightAfter(night2) });
    expect(redriven.accrual.shardsDone).toBe(first.accrual.shards);
    const { journaled, owed } = await journalAndLoans();
    // The stuck page's loans accrued night 1 but its journal entry never committed; night 2 has since
    // accrued them again, and the redrive must still journal night 1.
    expect(journaled).toBe(owed);
  });
});

describe("a payment posted while the night is running", () => {
  /** Lets the job's own write to one loan through only after `meanwhile` has run against the table. */
  function interceptWrite(
    loanId: string,
    matches: (input: Record<string, unknown>) => boolean,
    meanwhile: () => Promise<void>,
  ) {
    const real = httpStore();
    let pending = true;
    let inside = false;
    const client = {
      async send(command: { input: Record<string, unknown> }) {
        if (pending && !inside && matches(command.input)) {
          pending = false;
          inside = true;
          try {
            await meanwhile();
          } finally {
            inside = false;
          }
        }
        return real.send(command as never);
      },
    } as unknown as DocumentStore;
    setDocumentClient(client);
    return { fired: () => !pending, loanId };
  }

  afterEach(() => setDocumentClient(undefined));

  it("is not lost when it lands between the night's read of a loan and its accrual", async () => {
    await newTwin("race-accrual");
    const [night] = NIGHTS as [BusinessDate];
    const spec = specs[0]!;
    // Yesterday's collection, synced just after midnight: it settles interest through the day before.
    const race = interceptWrite(
      spec.loanId,
      (input) => (input.Key as Item | undefined)?.PK === `LOAN#${spec.loanId}` && "UpdateExpression" in input,
      async () => {
        const loan = loanState(await readLoan(spec.loanId));
        const interestVnd = payableInterestOn(loan, spec.program, night);
        await pay(spec.loanId, spec.program, {
          paidOn: night,
          postedOn: addDays(night, 1),
          interestVnd,
          principalVnd: 0,
        });
      },
    );
    const run = await runNight(night, { pageSize: PAGE_SIZE });
    setDocumentClient(undefined);
    expect(race.fired()).toBe(true);
    expect(run.accrual.failed).toBe(0);
    const loan = loanState(await readLoan(spec.loanId));
    expect(loan.interestAccruedThrough).toBe(night);
    expect(loan.interestArrearsVnd).toBe(0);
    const { journaled, owed } = await journalAndLoans();
    expect(journaled).toBe(owed);
  });

  it("keeps an installment it pays out of overdue when it lands during the overdue transfer", async () => {
    await newTwin("race-overdue");
    const spec = specs[2]!;
    const dueOn = loanState(await readLoan(spec.loanId)).installments[0]!.dueDate;
    for (const date of NIGHTS.filter((d) => d < dueOn)) await runNight(date, { pageSize: PAGE_SIZE });
    // Collected on the due date, synced while that night's overdue transfer is moving this very loan.
    const race = interceptWrite(
      spec.loanId,
      (input) =>
        Array.isArray(input.TransactItems) &&
        (input.TransactItems as { Put?: { Item: Item } }[]).some(
          (part) => part.Put?.Item.PK === `LOAN#${spec.loanId}` && part.Put.Item.overduePrincipalVnd > 0,
        ),
      async () => {
        const loan = loanState(await readLoan(spec.loanId));
        const installment = loan.installments[0]!;
        await pay(spec.loanId, spec.program, {
          paidOn: dueOn,
          postedOn: addDays(dueOn, 1),
          interestVnd: payableInterestOn(loan, spec.program, dueOn),
          principalVnd: installment.principalVnd,
        });
      },
    );
    const run = await runNight(dueOn, { pageSize: PAGE_SIZE });
    setDocumentClient(undefined);
    expect(race.fired()).toBe(true);
    expect(run.overdue.failed).toBe(0);
    const loan = loanState(await readLoan(spec.loanId));
    expect([loan.status, loan.overduePrincipalVnd]).toEqual(["ACTIVE", 0]);
    const overdueInBooks = (await scanPrefix("AGG#"))
      .filter((a) => a.type === "AGG")
      .reduce((sum, a) => sum + ((a.overdueVnd as number | undefined) ?? 0), 0);
    const overdueOnLoans = [...(await readLoanItems()).values()].reduce(
      (sum, item) => sum + (item.overduePrincipalVnd as number),
      0,
    );
    expect(overdueInBooks).toBe(overdueOnLoans);
  });
});
