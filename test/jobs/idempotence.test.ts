/**
 * The scheduler may fire twice, an operator may re-run a night, and a night may be missed altogether.
 * A second run of a date changes nothing; a run after missed nights catches them up to exactly what the
 * nightly runs would have produced, and the missed dates run late change nothing either.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { makeWorker } from "../../functions/jobs/worker.ts";
import type { Item } from "../../shared/db/items.ts";
import type { BusinessDate } from "../../shared/domain/index.ts";
import { sqsRecord } from "../../shared/jobs/in-process.ts";
import { logger } from "../../shared/log/logger.ts";
import type { FreshTable } from "../support/index.ts";
import {
  collectDue,
  comparable,
  datesFrom,
  journalByBook,
  loanState,
  nightAfter,
  portfolio,
  portfolioItems,
  putAll,
  readJournal,
  runNight,
  type Snapshot,
  snapshot,
  useFreshTable,
  useTable,
} from "./support.ts";

process.env.JOB_SHARDS = "4";

const specs = portfolio(36, "2025-10-07", "L-I");
// Five nights with installments falling due, payments made, and the social-housing cut on 2025-10-10.
const NIGHTS = datesFrom("2025-10-06", 5);
const LAST = NIGHTS.at(-1)!;
const PAGE_SIZE = 5;

async function newTable(label: string): Promise<FreshTable> {
  const table = await useFreshTable(label);
  await putAll(portfolioItems(specs));
  return table;
}

/**
 * The loan as a member or an officer sees it. `overdueClassifiedThrough` is left out: it records the
 * last night the overdue transfer changed the loan, which is a fact about when the job ran.
 */
function asSeen(state: Snapshot) {
  return comparable(
    state.loans.map((item: Item) => {
      const { overdueClassifiedThrough: _night, ...loan } = loanState(item);
      return loan;
    }),
  );
}

describe("running a night again", () => {
  let once: FreshTable;

  beforeAll(async () => {
    once = await newTable("twice");
    for (const date of NIGHTS.slice(0, 3)) {
      await collectDue(specs, date);
      await runNight(date, { pageSize: PAGE_SIZE });
    }
  });

  it("changes nothing when the scheduler fires twice at once, two workers on every shard", async () => {
    useTable(once);
    const expected = comparable(await snapshot());
    await newTable("twice-at-once");
    logger.setLogLevel("SILENT");
    for (const date of NIGHTS.slice(0, 3)) {
      await collectDue(specs, date);
      const [a, b] = await Promise.all([
        runNight(date, { pageSize: PAGE_SIZE, maxReceives: 10 }),
        runNight(date, { pageSize: PAGE_SIZE, maxReceives: 10 }),
      ]);
      // The run is one: whichever worker commits a page first wins it, and the other resumes after it.
      expect([a.accrual.shardsDone, b.accrual.shardsDone, a.overdue.shardsDone, b.overdue.shardsDone]).toEqual([
        4, 4, 4, 4,
      ]);
    }
    logger.setLogLevel("ERROR");
    expect(comparable(await snapshot())).toEqual(expected);
    useTable(once);
  });

  it("changes no loan, journal entry or aggregate when the same date runs again", async () => {
    const before = await snapshot();
    expect(before.loans.some((loan) => loan.status === "OVERDUE")).toBe(true);
    const again = await runNight(NIGHTS[2]!, { pageSize: PAGE_SIZE });
    expect(again.accrual.dispatched).toBe(0);
    expect(comparable(await snapshot())).toEqual(comparable(before));
  });

  it("changes nothing when an earlier date is run again after later ones", async () => {
    const before = await snapshot();
    await runNight(NIGHTS[1]!, { pageSize: PAGE_SIZE, now: nightAfter(NIGHTS[2]!) });
    expect(comparable(await snapshot())).toEqual(comparable(before));
  });

  it("changes nothing when the queue delivers a finished shard's message a second time", async () => {
    const before = await snapshot();
    const worker = makeWorker({ now: () => nightAfter(NIGHTS[2]!), shard: { pageSize: PAGE_SIZE } });
    for (const job of ["accrue-interest", "classify-overdue"] as const) {
      for (let shard = 0; shard < 4; shard++) {
        const result = await worker({
          Records: [sqsRecord({ job, businessDate: NIGHTS[2]!, shard, shards: 4 }, 2)],
        });
        expect(result.batchItemFailures).toEqual([]);
      }
    }
    expect(comparable(await snapshot())).toEqual(comparable(before));
  });
});

describe("missed nights", () => {
  let nightly: Snapshot;
  let caughtUp: Snapshot;
  let late: FreshTable;

  beforeAll(async () => {
    await newTable("nightly");
    for (const date of NIGHTS) {
      await collectDue(specs, date);
      await runNight(date, { pageSize: PAGE_SIZE });
    }
    nightly = await snapshot();

    // The same days with the scheduler down: collections still come in, and one run closes all five.
    late = await newTable("caught-up");
    for (const date of NIGHTS) await collectDue(specs, date);
    const run = await runNight(LAST, { pageSize: PAGE_SIZE });
    expect(run.accrual.failed + run.overdue.failed).toBe(0);
    caughtUp = await snapshot();
  }, 60_000);

  it("are caught up by one run to exactly what five nightly runs produce, to the unit", () => {
    expect(asSeen(caughtUp)).toEqual(asSeen(nightly));
    expect(caughtUp.loans.filter((loan) => loan.status === "OVERDUE").length).toBeGreaterThan(5);
  });

  it("are journaled, per commune and program, exactly as the five nights journal them", async () => {
    useTable(late);
    const caughtUpJournal = await readJournal();
    // One run books the missed nights under its own date, so only the totals per book can agree.
    const nightlyJournal = new Map(
      nightly.journal.map((item) => [
        `${String(item.PK).slice(8)}|${item.SK}`,
        { inTermUnits: BigInt(item.inTermUnits), overdueUnits: BigInt(item.overdueUnits) },
      ]),
    );
    expect(journalByBook(caughtUpJournal)).toEqual(journalByBook(nightlyJournal));
  });

  it("move the commune aggregates exactly as the nightly runs do", () => {
    expect(comparable(caughtUp.aggregates)).toEqual(comparable(nightly.aggregates));
  });

  it("run late, after the catch-up, change nothing", async () => {
    useTable(late);
    for (const date of NIGHTS.slice(0, -1)) {
      const run = await runNight(date as BusinessDate, { pageSize: PAGE_SIZE, now: nightAfter(LAST) });
      expect(run.accrual.updated + run.overdue.updated).toBe(0);
    }
    expect(comparable(await snapshot())).toEqual(comparable(caughtUp));
  });
});
