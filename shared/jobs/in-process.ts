import type { SQSEvent, SQSRecord } from "aws-lambda";
import { makeWorker } from "../../functions/jobs/worker.ts";
import { dispatch, runTotals, type WorkerDeps } from "./run-job.ts";
import type { JobName, ShardMessage } from "./types.ts";

/** The SQS record a shard message arrives in, as Lambda's event source mapping delivers it. */
export function sqsRecord(message: ShardMessage, attempt: number): SQSRecord {
  const now = String(Date.now());
  return {
    messageId: `${message.job}-${message.businessDate}-${message.shard}-${attempt}`,
    receiptHandle: `local-${message.shard}-${attempt}`,
    body: JSON.stringify(message),
    attributes: {
      ApproximateReceiveCount: String(attempt),
      SentTimestamp: now,
      SenderId: "local",
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:local:000000000000:job-shards",
    awsRegion: "local",
  };
}

export type InProcessOptions = WorkerDeps & {
  businessDate?: string | undefined;
  /** Shards worked at once, like the worker's reserved concurrency in AWS. */
  parallelShards?: number;
  /** Redeliveries before a shard message would go to the dead-letter queue. */
  maxReceives?: number;
  onProgress?: (line: string) => void;
};

/**
 * Runs a job the way AWS does, in this process: the dispatcher's messages go through an in-memory
 * queue to the same worker handler, in the same SQS record shape, with redelivery on failure.
 */
export async function runJobInProcess(job: JobName, options: InProcessOptions = {}) {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const queued: ShardMessage[] = [];
  const dispatched = await dispatch(
    { job, businessDate: options.businessDate },
    { send: async (messages) => void queued.push(...messages) },
    now(),
  );
  const worker = makeWorker(options);
  const maxReceives = options.maxReceives ?? 3;
  const deadLetters: ShardMessage[] = [];
  let finished = 0;
  const next = async () => {
    for (let message = queued.shift(); message; message = queued.shift()) {
      let delivered = false;
      for (let attempt = 1; attempt <= maxReceives && !delivered; attempt++) {
        const event: SQSEvent = { Records: [sqsRecord(message, attempt)] };
        const result = await worker(event);
        delivered = result.batchItemFailures.length === 0;
      }
      if (!delivered) deadLetters.push(message);
      finished++;
      options.onProgress?.(
        `${job} ${dispatched.businessDate}: shard ${message.shard} ${delivered ? "done" : "FAILED"} (${finished}/${dispatched.dispatched})`,
      );
    }
  };
  await Promise.all(Array.from({ length: options.parallelShards ?? 4 }, next));
  const totals = await runTotals(job, dispatched.businessDate);
  return { ...dispatched, ...totals, deadLetters: deadLetters.length, durationMs: Date.now() - started };
}
