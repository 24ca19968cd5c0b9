import { shardCount } from "../db/loans.ts";
import { addDays, isBusinessDate } from "../domain/dates.ts";
import { logger } from "../log/logger.ts";
import { type SmsSender, smsSenderFromEnv } from "../sms/sender.ts";
import { businessDateInVietnam } from "../time.ts";
import { accrualWork } from "./accrual.ts";
import { overdueWork } from "./overdue.ts";
import { reminderWork, withinSendingHours } from "./reminders.ts";
import { finishRunIfComplete, shardCheckpoints, startRun } from "./runs.ts";
import { runShard, type ShardOptions } from "./shard-runner.ts";
import { EMPTY_TOTALS, type JobName, type ShardMessage, type ShardTotals } from "./types.ts";

/** Where shard messages go: SQS in AWS, straight to the worker when run in-process. */
export interface ShardQueue {
  send(messages: ShardMessage[]): Promise<void>;
}

/** The business date a scheduled run works on when none is given. */
export function defaultBusinessDate(job: JobName, now: Date): string {
  const today = businessDateInVietnam(now);
  // Accrual and overdue transfer close the day that just ended; reminders look ahead from today.
  return job === "send-reminders" ? today : addDays(today, -1);
}

export class JobRefused extends Error {}

export async function dispatch(
  request: { job: JobName; businessDate?: string | undefined },
  queue: ShardQueue,
  now: Date = new Date(),
): Promise<{ job: JobName; businessDate: string; shards: number; dispatched: number; deferred?: boolean }> {
  const businessDate = request.businessDate ?? defaultBusinessDate(request.job, now);
  // A mistyped date would otherwise start a run in which every loan fails, under a date that never was.
  if (!isBusinessDate(businessDate)) throw new JobRefused(`${businessDate} is not a business date (YYYY-MM-DD).`);
  const today = businessDateInVietnam(now);
  if (request.job !== "send-reminders" && businessDate >= today) {
    throw new JobRefused(
      `${request.job} works on days that have ended; ${businessDate} is not over yet (today is ${today}).`,
    );
  }
  if (request.job === "send-reminders" && !withinSendingHours(now)) {
    logger.warn("reminders deferred: outside 07:00-20:00 Vietnam time", { businessDate });
    return { job: request.job, businessDate, shards: 0, dispatched: 0, deferred: true };
  }
  const run = await startRun(request.job, businessDate, shardCount(), now.toISOString());
  const shards = run.shards as number;
  const done = new Set(
    (await shardCheckpoints(request.job, businessDate)).filter((c) => c.done).map((c) => Number(String(c.SK).slice(6))),
  );
  const messages: ShardMessage[] = [];
  for (let shard = 0; shard < shards; shard++) {
    if (!done.has(shard)) messages.push({ job: request.job, businessDate, shard, shards });
  }
  await queue.send(messages);
  logger.info("job dispatched", { job: request.job, businessDate, shards, dispatched: messages.length });
  return { job: request.job, businessDate, shards, dispatched: messages.length };
}

export type WorkerDeps = { sender?: SmsSender; now?: () => Date; shard?: ShardOptions };

/** Works one shard message to the end of its shard. */
export async function work(message: ShardMessage, deps: WorkerDeps = {}) {
  const now = deps.now ?? (() => new Date());
  const shardOptions = { ...deps.shard, now };
  let result: ShardTotals & { alreadyDone: boolean };
  switch (message.job) {
    case "accrue-interest":
      result = await runShard(message, accrualWork(message.businessDate), shardOptions);
      break;
    case "classify-overdue":
      result = await runShard(message, overdueWork(message.businessDate), shardOptions);
      break;
    case "send-reminders":
      if (!withinSendingHours(now())) return { ...EMPTY_TOTALS, alreadyDone: false, deferred: true };
      result = await runShard(
        message,
        reminderWork(message.businessDate, deps.sender ?? smsSenderFromEnv(), now),
        shardOptions,
      );
      break;
  }
  await finishRunIfComplete(message.job, message.businessDate, now().toISOString());
  return result;
}

/** Totals of a run, read back from its shard checkpoints: right even after retries and resumes. */
export async function runTotals(job: JobName, businessDate: string): Promise<ShardTotals & { shardsDone: number }> {
  const checkpoints = await shardCheckpoints(job, businessDate);
  const totals = { ...EMPTY_TOTALS, shardsDone: 0 };
  for (const c of checkpoints) {
    totals.seen += (c.seen as number) ?? 0;
    totals.updated += (c.updated as number) ?? 0;
    totals.skipped += (c.skipped as number) ?? 0;
    totals.failed += (c.failed as number) ?? 0;
    totals.pages += (c.pages as number) ?? 0;
    if (c.done) totals.shardsDone++;
  }
  return totals;
}
