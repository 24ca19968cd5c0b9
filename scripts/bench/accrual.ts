/**
 * The nightly accrual at two sizes, each in a child process: loans per second against the engine's
 * own rate for the same conditional update at the same concurrency, writes and capacity per loan, and
 * whether the job's memory stays flat as the book grows tenfold.
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import { addDays } from "../../shared/domain/dates.ts";
import { businessDateInVietnam } from "../../shared/time.ts";
import { ensureTable, makeClients, PROJECT_ROOT, startEngine } from "../lib/engine.ts";
import type { AccrualOrders, BaselineResult, JobResult, Phase } from "./accrual-child.ts";
import { enginePid } from "./engine-cpu.ts";
import { type Line, ratioOf } from "./report.ts";
import { seedLoans } from "./seed-loans.ts";

const SECTION = "accrual";
const CHILD = join(PROJECT_ROOT, "scripts", "bench", "accrual-child.ts");
/** The shard count and worker concurrency `npm run job` uses; the baseline runs as many updates at once. */
const SHARDS = 16;
const PARALLEL_SHARDS = 4;
const SHARD_CONCURRENCY = 16;
const SEEDED_VERSION = 3;
/** 6.73 million active loans over about 10,000 communes: the bench's communes are as full as real ones. */
const LOANS_PER_COMMUNE = 673;
const DISBURSED_DAYS_BEFORE = 30;
const THROUGHPUT_TARGET = 0.8;
const MEMORY_TARGET = 1.5;
/** At most one index copy rewritten per accrual: the job's own shard index. */
const WCU_TARGET = 2;

export type AccrualShape = { small: number; large: number; baselineUpdates: number };

export async function benchAccrual(shape: AccrualShape, progress: (line: string) => void): Promise<Line[]> {
  const engine = await startEngine();
  const previousShards = process.env.JOB_SHARDS;
  process.env.JOB_SHARDS = String(SHARDS);
  try {
    const businessDate = addDays(businessDateInVietnam(), -1);
    const { client, doc } = makeClients(engine.endpoint);
    const seed = async (count: number) => {
      const table = `bench-accrual-${count}`;
      await ensureTable(client, table);
      const began = performance.now();
      progress(`accrual: seeding ${count.toLocaleString("en-US")} loans`);
      await seedLoans(doc, table, {
        count,
        disbursedDaysBefore: DISBURSED_DAYS_BEFORE,
        businessDate,
        district: "DB/BENCH-ACCRUAL",
        communes: Math.max(1, Math.round(count / LOANS_PER_COMMUNE)),
        version: SEEDED_VERSION,
      });
      progress(`accrual: seeded in ${((performance.now() - began) / 1000).toFixed(1)} s`);
      return table;
    };
    const pid = enginePid(engine.endpoint);
    const common = {
      ...(pid === undefined ? {} : { enginePid: pid }),
      businessDate,
      parallelShards: PARALLEL_SHARDS,
      shardConcurrency: SHARD_CONCURRENCY,
      seededVersion: SEEDED_VERSION,
      // Disbursement opens interest the day after the day before it: accrued through the eve of disbursement.
      seededAccruedThrough: addDays(businessDate, -DISBURSED_DAYS_BEFORE - 1),
    };
    const job = async (table: string, count: number) => {
      progress(`accrual: running the job over ${count.toLocaleString("en-US")} loans`);
      return (await runChild(engine.endpoint, table, { ...common, mode: "job" })) as JobResult;
    };

    const small = await job(await seed(shape.small), shape.small);
    const largeTable = await seed(shape.large);
    // Half the raw updates just before the job and half just after, each in a fresh process like the job's.
    const updates = Math.min(shape.baselineUpdates, shape.large - 1);
    const half = Math.floor(updates / 2);
    const raw = (first: number, count: number, when: "before" | "after") => {
      progress(`accrual: ${count.toLocaleString("en-US")} raw conditional updates ${when} the job`);
      return runChild(engine.endpoint, largeTable, {
        ...common,
        mode: "baseline",
        first,
        count,
        when,
        sampleCapacity: when === "after",
      }) as Promise<BaselineResult>;
    };
    const before = await raw(0, half, "before");
    const large = await job(largeTable, shape.large);
    const after = await raw(half, updates - half, "after");
    client.destroy();

    const baseline = {
      count: before.count + after.count,
      seconds: before.seconds + after.seconds,
      cpuSeconds: before.cpuSeconds + after.cpuSeconds,
      engineCpuSeconds:
        before.engineCpuSeconds === undefined || after.engineCpuSeconds === undefined
          ? undefined
          : before.engineCpuSeconds + after.engineCpuSeconds,
      conditionFailures: before.conditionFailures + after.conditionFailures,
    };
    const jobRate = large.updated / large.job.seconds;
    const rawRate = baseline.count / baseline.seconds;
    const throughputRatio = ratioOf(jobRate, rawRate);
    const writesPerLoan = large.updated > 0 ? large.loanUpdates / large.updated : Number.NaN;
    const capacity = after.capacity!;
    const wcuPerLoan = writesPerLoan * capacity.total;
    const wcuRatio = ratioOf(wcuPerLoan, capacity.table);
    const mb = (bytes: number) => bytes / 1024 / 1024;
    const memoryRatio = ratioOf(large.maxRss, small.maxRss);
    const concurrency = PARALLEL_SHARDS * SHARD_CONCURRENCY;
    const health = (r: JobResult) =>
      r.failed > 0 || r.deadLetters > 0 || r.updated !== r.loans
        ? `; ${r.failed} loans failed, ${r.deadLetters} dead letters, ${r.updated}/${r.loans} updated`
        : "";
    return [
      {
        section: SECTION,
        name: `accrual throughput (${shape.large.toLocaleString("en-US")} loans)`,
        value: jobRate,
        unit: "loans/s",
        baseline: rawRate,
        baselineUnit: "updates/s",
        ratio: throughputRatio,
        target: `≥ ${THROUGHPUT_TARGET}×`,
        pass: throughputRatio !== null && throughputRatio >= THROUGHPUT_TARGET && health(large) === "",
        note:
          `job ${large.job.seconds.toFixed(1)} s, ${PARALLEL_SHARDS} shards × ${SHARD_CONCURRENCY} in flight, ${SHARDS} shards; ` +
          `baseline ${baseline.count.toLocaleString("en-US")} conditional UpdateItem through the SDK's document client at ${concurrency} in flight, ` +
          `half before the job and half after, ${baseline.conditionFailures} condition failures; ` +
          `CPU per loan: client ${perLoanMs(large.job.cpuSeconds, large.updated)} ms vs ${perLoanMs(baseline.cpuSeconds, baseline.count)} ms raw, ` +
          `engine ${perLoanMs(large.job.engineCpuSeconds, large.updated)} ms vs ${perLoanMs(baseline.engineCpuSeconds, baseline.count)} ms raw` +
          cpuBoundRatio(large.job, baseline) +
          health(large),
      },
      {
        section: SECTION,
        name: "accrual writes per loan (UpdateItem on loan items)",
        value: writesPerLoan,
        unit: "",
        baseline: 1,
        ratio: ratioOf(writesPerLoan, 1),
        target: "= 1",
        pass: Math.abs(writesPerLoan - 1) < 1e-9,
        note:
          `${large.loanUpdates} UpdateItem on LOAN# keys for ${large.updated} loans accrued; ` +
          `${large.pageCommits} page commits of ${(large.pageCommitItems / Math.max(1, large.pageCommits)).toFixed(1)} items on average ` +
          `(checkpoint + journal), ${Math.max(1, Math.round(shape.large / LOANS_PER_COMMUNE))} communes`,
      },
      {
        section: SECTION,
        name: "accrual write capacity per loan",
        value: wcuPerLoan,
        unit: "WCU",
        baseline: capacity.table,
        ratio: wcuRatio,
        target: `≤ ${WCU_TARGET}× table-only`,
        pass: wcuRatio !== null && wcuRatio <= WCU_TARGET,
        note:
          `sampled with ReturnConsumedCapacity on the same update: table ${capacity.table}, ` +
          Object.entries(capacity.indexes)
            .sort()
            .map(([name, units]) => `${name} ${units}`)
            .join(", "),
      },
      {
        section: SECTION,
        name: `accrual peak RSS, ${shape.large.toLocaleString("en-US")} vs ${shape.small.toLocaleString("en-US")} loans`,
        value: mb(large.maxRss),
        unit: "MB",
        baseline: mb(small.maxRss),
        ratio: memoryRatio,
        target: `≤ ${MEMORY_TARGET}×`,
        pass: memoryRatio !== null && memoryRatio <= MEMORY_TARGET && health(small) === "",
        note:
          `RSS before the job ${mb(small.rssBeforeJob).toFixed(0)} / ${mb(large.rssBeforeJob).toFixed(0)} MB; ` +
          `sampled peak ${mb(small.rssPeakSampled).toFixed(0)} / ${mb(large.rssPeakSampled).toFixed(0)} MB; ` +
          `heap after a full GC ${mb(small.heapAfterGc).toFixed(0)} / ${mb(large.heapAfterGc).toFixed(0)} MB; ` +
          `${shape.small.toLocaleString("en-US")} loans in ${small.job.seconds.toFixed(1)} s${health(small)}`,
      },
    ];
  } finally {
    if (previousShards === undefined) delete process.env.JOB_SHARDS;
    else process.env.JOB_SHARDS = previousShards;
    await engine.stop();
  }
}

/**
 * What the throughput ratio would be if client and engine had the CPUs to themselves: the wall-clock
 * ratio moves with whatever else the machine runs, this one does not.
 */
function cpuBoundRatio(job: Phase, raw: Omit<Phase, "engineCpuSeconds"> & { engineCpuSeconds?: number | undefined }) {
  if (job.engineCpuSeconds === undefined || raw.engineCpuSeconds === undefined) return "";
  const jobPerLoan = (job.cpuSeconds + job.engineCpuSeconds) / job.count;
  const rawPerLoan = (raw.cpuSeconds + raw.engineCpuSeconds) / raw.count;
  return `; CPU-bound ratio ${(rawPerLoan / jobPerLoan).toFixed(2)}×`;
}

function perLoanMs(seconds: number | undefined, loans: number): string {
  return seconds !== undefined && loans > 0 ? ((seconds * 1000) / loans).toFixed(2) : "—";
}

function runChild(endpoint: string, table: string, orders: AccrualOrders): Promise<unknown> {
  return new Promise((done, fail) => {
    const child = fork(CHILD, [], {
      cwd: PROJECT_ROOT,
      execArgv: ["--import", "tsx", "--expose-gc"],
      env: {
        ...process.env,
        TABLE_NAME: table,
        DYNAMODB_ENDPOINT: endpoint,
        JOB_SHARDS: String(SHARDS),
        BENCH_ACCRUAL: JSON.stringify(orders),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: unknown;
    child.once("message", (message) => {
      result = message;
    });
    child.once("error", fail);
    child.once("exit", (code, signal) => {
      if (result) done(result);
      else fail(new Error(`the accrual child exited (code ${code}, signal ${signal}) without a result`));
    });
  });
}
