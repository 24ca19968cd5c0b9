import { SqsClient } from "../../shared/aws/sqs.ts";
import { dispatch, JobRefused, type ShardQueue } from "../../shared/jobs/run-job.ts";
import { isJobName } from "../../shared/jobs/types.ts";
import { logger } from "../../shared/log/logger.ts";

const sqs = new SqsClient();

/** SQS takes ten messages a call; a national run of a few hundred shards is a few dozen calls. */
export const sqsQueue = (queueUrl: string): ShardQueue => ({
  async send(messages) {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const result = await sqs.sendMessageBatch(
        queueUrl,
        chunk.map((m) => ({ Id: `s${m.shard}`, MessageBody: JSON.stringify(m) })),
      );
      if (result.Failed?.length) throw new Error(`SQS refused ${result.Failed.length} shard messages`);
    }
  },
});

/** Invoked by EventBridge Scheduler with `{ "job": "accrue-interest" }` (and optionally a businessDate). */
export async function handler(event: { job?: unknown; businessDate?: unknown }) {
  if (!isJobName(event.job)) throw new Error(`unknown job ${String(event.job)}`);
  // Only an absent date means "the date that just ended"; anything else must be a date, not silently ignored.
  if (event.businessDate !== undefined && typeof event.businessDate !== "string") {
    throw new JobRefused(`businessDate must be a YYYY-MM-DD string, not ${JSON.stringify(event.businessDate)}`);
  }
  const businessDate = event.businessDate;
  const result = await dispatch({ job: event.job, businessDate }, sqsQueue(process.env.SHARD_QUEUE_URL ?? ""));
  logger.info("dispatch finished", result);
  return result;
}
