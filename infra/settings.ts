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
};

export const DEFAULT_THROTTLE = { rateLimit: 200, burstLimit: 400 } as const;

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
  };
}

function positiveInteger(key: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new SettingsError(`${key} "${raw}" must be a positive integer`);
  return value;
}
