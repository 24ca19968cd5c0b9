import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { type WorkerDeps, work } from "../../shared/jobs/run-job.ts";
import { isJobName, type ShardMessage } from "../../shared/jobs/types.ts";
import { logger } from "../../shared/log/logger.ts";
import { count } from "../../shared/log/metrics.ts";

function parse(body: string): ShardMessage {
  const m = JSON.parse(body) as Partial<ShardMessage>;
  if (
    !isJobName(m.job) ||
    typeof m.businessDate !== "string" ||
    !Number.isInteger(m.shard) ||
    !Number.isInteger(m.shards)
  ) {
    throw new Error("not a shard message");
  }
  return m as ShardMessage;
}

/**
 * One SQS record per shard. A shard that fails is reported as a partial batch failure, so only it is
 * retried, and it resumes after its last committed page.
 */
export function makeWorker(deps: WorkerDeps = {}) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    for (const record of event.Records) {
      try {
        const message = parse(record.body);
        const totals = await work(message, deps);
        logger.info("shard finished", { ...message, ...totals });
        const metric = {
          "accrue-interest": "LoansAccrued",
          "classify-overdue": "LoansClassified",
          "send-reminders": "RemindersSent",
        }[message.job];
        count(metric, totals.updated, { job: message.job });
        count("JobLoanFailed", totals.failed, { job: message.job });
      } catch (error) {
        logger.error("shard failed; it will be retried", { messageId: record.messageId, error: error as Error });
        failures.push({ itemIdentifier: record.messageId });
        count("JobFailed", 1);
      }
    }
    return { batchItemFailures: failures };
  };
}

export const handler = makeWorker();
