import { db, tableNameFromEnv } from "../db/client.ts";
import type { Item } from "../db/items.ts";
import type { ItemKey } from "../db/keys.ts";
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "../db/store.ts";
import type { TransactItem } from "../db/write.ts";
import type { JobName, ShardTotals } from "./types.ts";

/**
 * A job run per (job, business date), with one checkpoint item per shard. The checkpoint holds the
 * last committed page's cursor: a worker that dies resumes after it, and a page is committed together
 * with its journal entries, so nothing is counted twice.
 */
export const runKey = (job: JobName, businessDate: string): ItemKey => ({
  PK: `JOBRUN#${job}#${businessDate}`,
  SK: "RUN",
});
export const shardKey = (job: JobName, businessDate: string, shard: number): ItemKey => ({
  PK: `JOBRUN#${job}#${businessDate}`,
  SK: `SHARD#${String(shard).padStart(4, "0")}`,
});

export async function startRun(job: JobName, businessDate: string, shards: number, now: string): Promise<Item> {
  try {
    await db().send(
      new PutCommand({
        TableName: tableNameFromEnv(),
        Item: {
          ...runKey(job, businessDate),
          type: "JOBRUN",
          job,
          businessDate,
          shards,
          shardsDone: 0,
          status: "RUNNING",
          startedAt: now,
        },
        ConditionExpression: "attribute_not_exists(PK)",
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
  }
  const run = await db().send(
    new GetCommand({ TableName: tableNameFromEnv(), Key: runKey(job, businessDate), ConsistentRead: true }),
  );
  return run.Item!;
}

export async function readRun(job: JobName, businessDate: string): Promise<Item | undefined> {
  const run = await db().send(
    new GetCommand({ TableName: tableNameFromEnv(), Key: runKey(job, businessDate), ConsistentRead: true }),
  );
  return run.Item;
}

export async function readCheckpoint(job: JobName, businessDate: string, shard: number): Promise<Item | undefined> {
  const got = await db().send(
    new GetCommand({ TableName: tableNameFromEnv(), Key: shardKey(job, businessDate, shard), ConsistentRead: true }),
  );
  return got.Item;
}

export async function shardCheckpoints(job: JobName, businessDate: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableNameFromEnv(),
        KeyConditionExpression: "PK = :pk AND begins_with(SK, :prefix)",
        ExpressionAttributeValues: { ":pk": runKey(job, businessDate).PK, ":prefix": "SHARD#" },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * Commits one page: advances the shard's checkpoint from `pagesBefore` (so two workers on one shard
 * cannot both commit the same page) and applies the page's journal writes in the same transaction.
 * The last page also counts the shard as done on the run.
 */
export async function commitPage(options: {
  job: JobName;
  businessDate: string;
  shard: number;
  pagesBefore: number;
  cursor: Record<string, unknown> | undefined;
  totals: ShardTotals;
  extra: TransactItem[];
  now: string;
}) {
  const { job, businessDate, shard, pagesBefore, cursor, totals, now } = options;
  const table = tableNameFromEnv();
  const done = cursor === undefined;
  const items = [
    {
      Update: {
        TableName: table,
        Key: shardKey(job, businessDate, shard),
        UpdateExpression:
          "SET #type = :type, pages = :pagesAfter, #cursor = :cursor, done = :done, updatedAt = :now ADD seen :seen, updated :updated, skipped :skipped, failed :failed",
        ConditionExpression: "attribute_not_exists(pages) OR pages = :pagesBefore",
        ExpressionAttributeNames: { "#type": "type", "#cursor": "cursor" },
        ExpressionAttributeValues: {
          ":type": "JOBSHARD",
          ":pagesAfter": pagesBefore + 1,
          ":pagesBefore": pagesBefore,
          ":cursor": cursor ?? null,
          ":done": done,
          ":now": now,
          ":seen": totals.seen,
          ":updated": totals.updated,
          ":skipped": totals.skipped,
          ":failed": totals.failed,
        },
      },
    },
    ...options.extra.map((item) => {
      const [kind, body] = Object.entries(item)[0] as [string, Record<string, unknown>];
      return { [kind]: { ...body, TableName: table } };
    }),
  ];
  if (done) {
    items.push({
      Update: {
        TableName: table,
        Key: runKey(job, businessDate),
        UpdateExpression: "ADD shardsDone :one SET lastShardDoneAt = :now",
        ExpressionAttributeValues: { ":one": 1, ":now": now },
      } as never,
    });
  }
  await db().send(new TransactWriteCommand({ TransactItems: items as never }));
}

/** Marks the run finished once every shard is done; safe to call from every worker. */
export async function finishRunIfComplete(job: JobName, businessDate: string, now: string): Promise<boolean> {
  const run = await readRun(job, businessDate);
  if (!run || run.status === "DONE" || (run.shardsDone as number) < (run.shards as number))
    return run?.status === "DONE";
  try {
    await db().send(
      new PutCommand({
        TableName: tableNameFromEnv(),
        Item: { ...run, status: "DONE", finishedAt: now },
        ConditionExpression: "#s = :running",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":running": "RUNNING" },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== "ConditionalCheckFailedException") throw error;
  }
  return true;
}
