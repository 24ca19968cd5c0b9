import { checkAggregates } from "../../shared/jobs/aggregate-check.ts";
import { logger } from "../../shared/log/logger.ts";

/** Scheduled nightly after the overdue transfer. */
export async function handler() {
  const result = await checkAggregates();
  logger.info("aggregate check finished", {
    loans: result.loans,
    cells: result.cells,
    differences: result.differences.length,
  });
  return { loans: result.loans, cells: result.cells, differences: result.differences.length };
}
