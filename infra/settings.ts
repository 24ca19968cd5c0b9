/**
 * Deployment settings, read once from CDK context (cdk.json, overridden with `-c key=value`). Everything a
 * stage changes lives here so constructs never read context themselves.
 */
import type { Construct } from "constructs";

export type StageSettings = {
  /** Part of every resource name, so two stages never collide in one account. */
  stage: string;
  isProduction: boolean;
  /** Alphanumeric SMS sender ID for reminders; used by the reminder job. */
  smsSenderId: string;
  /** Exact browser origins allowed by CORS. A wildcard is refused. */
  allowedOrigins: string[];
  /** Default-stage throttling of the HTTP API, requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  jobs: {
    /**
     * Partitions that active loans are spread over, one SQS message each per run. Every function that writes
     * a loan places it by this count, so it may be raised but never lowered: loans already placed in a shard
     * at or above a smaller count would never be visited again.
     */
    shards: number;
    /** Most shard workers running at once, so a nightly run cannot starve the API of table capacity. */
    workerConcurrency: number;
  };
  /** Subscribed to the alarm topic when set; the address must confirm the subscription once. */
  alarmEmail?: string;
};

export const DEFAULT_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;
export const DEFAULT_JOB_SHARDS = 64;
/** shared/db/loans.ts falls back to its own default above this, which would split loans and jobs. */
export const MAX_JOB_SHARDS = 4096;
export const DEFAULT_JOB_WORKER_CONCURRENCY = 20;
/** The bounds Lambda accepts for an SQS event source's maximum concurrency. */
const WORKER_CONCURRENCY_RANGE = { min: 2, max: 1000 } as const;

const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;

export class SettingsError extends Error {
  override name = "SettingsError";
}

export function readSettings(scope: Construct): StageSettings {
  const context = (key: string): string | undefined => {
    const value = scope.node.tryGetContext(key);
    return value === undefined || value === null || value === "" ? undefined : String(value);
  };

  const stage = context("stage") ?? "dev";
  // Lambda names are capped at 64 characters and the stage sits inside them.
  if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) {
    throw new SettingsError(
      `stage "${stage}" must be 1–16 lowercase letters, digits or dashes, starting with a letter`,
    );
  }

  const smsSenderId = context("smsSenderId");
  // Carrier rule for alphanumeric sender IDs: 1–11 characters, at least one letter.
  if (smsSenderId === undefined || !/^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/.test(smsSenderId)) {
    throw new SettingsError(
      `smsSenderId "${smsSenderId ?? ""}" must be 1–11 letters or digits with at least one letter`,
    );
  }

  const allowedOrigins = (context("allowedOrigins") ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  if (allowedOrigins.length === 0) throw new SettingsError("allowedOrigins must list at least one origin");
  for (const origin of allowedOrigins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
      throw new SettingsError(`allowed origin "${origin}" must be a scheme and host without path or wildcard`);
    }
  }

  const logLevel = (context("logLevel") ?? "INFO").toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new SettingsError(`logLevel "${logLevel}" must be one of ${LOG_LEVELS.join(", ")}`);
  }

  const jobShards = positiveInteger("jobShards", context("jobShards"), DEFAULT_JOB_SHARDS);
  if (jobShards > MAX_JOB_SHARDS) throw new SettingsError(`jobShards ${jobShards} must be at most ${MAX_JOB_SHARDS}`);
  const workerConcurrency = positiveInteger(
    "jobWorkerConcurrency",
    context("jobWorkerConcurrency"),
    DEFAULT_JOB_WORKER_CONCURRENCY,
  );
  if (workerConcurrency < WORKER_CONCURRENCY_RANGE.min || workerConcurrency > WORKER_CONCURRENCY_RANGE.max) {
    throw new SettingsError(
      `jobWorkerConcurrency ${workerConcurrency} must be between ${WORKER_CONCURRENCY_RANGE.min} and ${WORKER_CONCURRENCY_RANGE.max}`,
    );
  }

  const alarmEmail = context("alarmEmail");
  if (alarmEmail !== undefined && !/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(alarmEmail)) {
    throw new SettingsError(`alarmEmail "${alarmEmail}" must be one email address`);
  }

  return {
    stage,
    isProduction: stage === "prod",
    smsSenderId,
    allowedOrigins,
    throttle: {
      rateLimit: positiveInteger("throttleRateLimit", context("throttleRateLimit"), DEFAULT_THROTTLE.rateLimit),
      burstLimit: positiveInteger("throttleBurstLimit", context("throttleBurstLimit"), DEFAULT_THROTTLE.burstLimit),
    },
    logLevel: logLevel as StageSettings["logLevel"],
    jobs: { shards: jobShards, workerConcurrency },
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
  };
}

function positiveInteger(key: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new SettingsError(`${key} "${raw}" must be a positive integer`);
  return value;
}
