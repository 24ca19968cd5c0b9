/**
 * The nightly accrual, or the raw updates it is compared with, in a fresh process of its own: the job's
 * peak memory is then the job's alone, and job and baseline start from the same state.
 * Reads its orders from BENCH_ACCRUAL and answers over the IPC channel the parent opened.
 */
import "./env.ts";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { httpStore, tableNameFromEnv } from "../../shared/db/client.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";
import { makeClients } from "../lib/engine.ts";
import { attachMeter } from "./ddb-meter.ts";
import { processCpuSeconds } from "./engine-cpu.ts";
import { benchLoanKey } from "./seed-loans.ts";

export type AccrualOrders = {
  businessDate: string;
  parallelShards: number;
  shardConcurrency: number;
  /** Version and accrued-through date the seeded loans carry before the job. */
  seededVersion: number;
  seededAccruedThrough: string;
  /** The engine's process, to split each phase's CPU between engine and client. */
  enginePid?: number;
} & (
  | { mode: "job" }
  /** Raw conditional updates of loans first..first+count-1 at the job's concurrency, before or after the job. */
  | { mode: "baseline"; first: number; count: number; when: "before" | "after"; sampleCapacity: boolean }
);

export type Phase = { count: number; seconds: number; cpuSeconds: number; engineCpuSeconds?: number };

export type JobResult = {
  loans: number;
  updated: number;
  failed: number;
  deadLetters: number;
  job: Phase;
  loanUpdates: number;
  /** Page commits (checkpoint + journal entries) and the items they carried together. */
  pageCommits: number;
  pageCommitItems: number;
  rssBeforeJob: number;
  rssPeakSampled: number;
  maxRss: number;
  /** Heap still in use after a full collection once the job is done: what the job keeps, not what it churned. */
  heapAfterGc: number;
};

export type BaselineResult = Phase & {
  conditionFailures: number;
  capacity?: { total: number; table: number; indexes: Record<string, number> };
};

const orders = JSON.parse(process.env.BENCH_ACCRUAL ?? "{}") as AccrualOrders;

if (orders.mode === "job") {
  const result = await job();
  process.send?.(result, () => process.exit(0));
} else {
  const phase = await rawUpdates(orders.first, orders.count, orders.when);
  const result: BaselineResult = orders.sampleCapacity
    ? { ...phase, capacity: await sampleCapacity(orders.first + orders.count) }
    : phase;
  process.send?.(result, () => process.exit(0));
}

async function job(): Promise<JobResult> {
  const meter = attachMeter(httpStore());
  const rssBeforeJob = process.memoryUsage.rss();
  let rssPeakSampled = rssBeforeJob;
  const sampler = setInterval(() => {
    rssPeakSampled = Math.max(rssPeakSampled, process.memoryUsage.rss());
  }, 10);
  const summary = await measured(() =>
    runJobInProcess("accrue-interest", {
      businessDate: orders.businessDate,
      parallelShards: orders.parallelShards,
      shard: { concurrency: orders.shardConcurrency },
    }),
  );
  clearInterval(sampler);
  rssPeakSampled = Math.max(rssPeakSampled, process.memoryUsage.rss());
  // maxRSS is the kernel's high-water mark in KiB: it also catches a spike between two samples.
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const loanUpdates = meter.loanUpdates;
  const pageCommits = meter.commands.get("TransactWriteItemsCommand") ?? 0;
  const pageCommitItems = meter.transactWriteItems;
  (globalThis as { gc?: () => void }).gc?.();
  return {
    loans: summary.value.seen,
    updated: summary.value.updated,
    failed: summary.value.failed,
    deadLetters: summary.value.deadLetters,
    job: { ...summary.phase, count: summary.value.updated },
    loanUpdates,
    pageCommits,
    pageCommitItems,
    rssBeforeJob,
    rssPeakSampled,
    maxRss,
    heapAfterGc: process.memoryUsage().heapUsed,
  };
}

/**
 * The job's own UpdateItem: same expression, same guard, values of the same size. Before the job it
 * leaves the loan's figures as they are, so the job then accrues them as if nothing had happened.
 */
function accrualUpdate(n: number, when: "before" | "after", extra: Record<string, unknown> = {}) {
  const through = when === "before" ? orders.seededAccruedThrough : orders.businessDate;
  const units = when === "before" ? "0" : "2712328767123287671232";
  return new UpdateCommand({
    TableName: tableNameFromEnv(),
    Key: benchLoanKey(n),
    UpdateExpression:
      "SET accruedUnits = :units, interestAccruedThrough = :through, recentAccruals = :last, #v = #v + :one",
    ConditionExpression: "#v = :v AND interestAccruedThrough = :from",
    ExpressionAttributeNames: { "#v": "version" },
    ExpressionAttributeValues: {
      ":units": units,
      ":through": through,
      ":last": [{ date: through, from: through, inTermUnits: "2712328767123287671232", overdueUnits: "0" }],
      ":one": 1,
      // Each loan the baseline touches is touched once, before the job (version as seeded) or after it (one more).
      ":v": orders.seededVersion + (when === "before" ? 0 : 1),
      ":from": through,
    },
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    ...extra,
  });
}

/** The baseline's updates go straight through the SDK's document client, as the payment baseline's do. */
async function rawUpdates(first: number, count: number, when: "before" | "after") {
  const { doc } = makeClients(process.env.DYNAMODB_ENDPOINT!);
  const concurrency = orders.parallelShards * orders.shardConcurrency;
  let next = first;
  let conditionFailures = 0;
  const { phase } = await measured(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < first + count) {
          const n = next++;
          try {
            await doc.send(accrualUpdate(n, when));
          } catch (error) {
            if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
            conditionFailures++;
          }
        }
      }),
    ),
  );
  return { ...phase, count, conditionFailures };
}

/** The job does not ask for consumed capacity; one identical update on a loan nothing else touched does. */
async function sampleCapacity(untouched: number) {
  const answer = await makeClients(process.env.DYNAMODB_ENDPOINT!).doc.send(
    accrualUpdate(untouched, "after", { ReturnConsumedCapacity: "INDEXES" }),
  );
  const consumed = answer.ConsumedCapacity;
  const indexes: Record<string, number> = {};
  for (const [name, used] of Object.entries(consumed?.GlobalSecondaryIndexes ?? {})) {
    indexes[name] = used.CapacityUnits ?? 0;
  }
  return { total: consumed?.CapacityUnits ?? 0, table: consumed?.Table?.CapacityUnits ?? 0, indexes };
}

/** Wall time, this process's CPU (all threads) and the engine's CPU over one phase. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; phase: Omit<Phase, "count"> }> {
  const began = performance.now();
  const cpu = process.cpuUsage();
  const engine = processCpuSeconds(orders.enginePid);
  const value = await work();
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  const engineAfter = processCpuSeconds(orders.enginePid);
  const engineCpuSeconds = engine === undefined || engineAfter === undefined ? undefined : engineAfter - engine;
  return {
    value,
    phase: {
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      ...(engineCpuSeconds === undefined ? {} : { engineCpuSeconds }),
    },
  };
}
