/** The nightly and daily jobs, and the SQS message one shard of work travels in. */
export const JOB_NAMES = ["accrue-interest", "classify-overdue", "send-reminders"] as const;
export type JobName = (typeof JOB_NAMES)[number];

export type ShardMessage = {
  job: JobName;
  businessDate: string;
  shard: number;
  shards: number;
};

export type ShardTotals = { seen: number; updated: number; skipped: number; failed: number; pages: number };

export const EMPTY_TOTALS: ShardTotals = { seen: 0, updated: 0, skipped: 0, failed: 0, pages: 0 };

export function addTotals(a: ShardTotals, b: ShardTotals): ShardTotals {
  return {
    seen: a.seen + b.seen,
    updated: a.updated + b.updated,
    skipped: a.skipped + b.skipped,
    failed: a.failed + b.failed,
    pages: a.pages + b.pages,
  };
}

export function isJobName(value: unknown): value is JobName {
  return typeof value === "string" && (JOB_NAMES as readonly string[]).includes(value);
}
