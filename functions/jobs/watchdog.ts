import { addDays } from "../../shared/domain/dates.ts";
import { readRun } from "../../shared/jobs/runs.ts";
import { logger } from "../../shared/log/logger.ts";
import { count } from "../../shared/log/metrics.ts";
import { businessDateInVietnam } from "../../shared/time.ts";

/**
 * Runs at 05:00 Vietnam time: last night's accrual must be finished by then, or operators are paged
 * (the AccrualLate metric has an alarm) before the transaction points open.
 */
export async function handler() {
  const businessDate = addDays(businessDateInVietnam(), -1);
  const run = await readRun("accrue-interest", businessDate);
  const late = run?.status !== "DONE";
  count("AccrualLate", late ? 1 : 0);
  count("AccrualOnTime", late ? 0 : 1);
  if (late)
    logger.error("accrual not finished by the deadline", { businessDate, status: run?.status ?? "NOT_STARTED" });
  return { businessDate, late, status: run?.status ?? "NOT_STARTED" };
}
