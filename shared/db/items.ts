import { db, tableNameFromEnv } from "./client.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { ItemKey } from "./keys.ts";
import { BatchGetCommand, GetCommand, type NativeAttributeValue, QueryCommand } from "./store.ts";

export type Item = Record<string, NativeAttributeValue>;

export async function getItem(key: ItemKey, consistent = false): Promise<Item | undefined> {
  const result = await db().send(
    new GetCommand({ TableName: tableNameFromEnv(), Key: key, ConsistentRead: consistent }),
  );
  return result.Item;
}

/**
 * One page of a query, with a signed cursor bound to the partition it pages through, so a cursor
 * cannot be replayed against another group's or loan's list.
 */
export async function queryPage(options: {
  index?: "GSI1" | "GSI2" | "GSI3";
  partition: string;
  skPrefix?: string;
  limit: number;
  cursor?: string;
  newestFirst?: boolean;
}): Promise<{ items: Item[]; nextCursor: string | null }> {
  const pk = options.index ? `${options.index}PK` : "PK";
  const sk = options.index ? `${options.index}SK` : "SK";
  const bound = `${options.index ?? "T"}|${options.partition}|${options.skPrefix ?? ""}`;
  const startKey = decodeCursor(options.cursor, bound);
  const result = await db().send(
    new QueryCommand({
      TableName: tableNameFromEnv(),
      ...(options.index ? { IndexName: options.index } : {}),
      KeyConditionExpression: options.skPrefix ? "#pk = :pk AND begins_with(#sk, :prefix)" : "#pk = :pk",
      ExpressionAttributeNames: { "#pk": pk, ...(options.skPrefix ? { "#sk": sk } : {}) },
      ExpressionAttributeValues: {
        ":pk": options.partition,
        ...(options.skPrefix ? { ":prefix": options.skPrefix } : {}),
      },
      Limit: options.limit,
      ScanIndexForward: !options.newestFirst,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  return { items: result.Items ?? [], nextCursor: encodeCursor(result.LastEvaluatedKey, bound) };
}

/**
 * Whole items for keys found in a keys-only index, in the order given. Indexes project keys only so
 * that the nightly rewrite of a loan costs one table write, not one per index; a page of keys is then
 * read back with BatchGetItem (100 keys a call, unprocessed keys retried).
 */
export async function hydrate(indexItems: Item[], options: { consistent?: boolean } = {}): Promise<Item[]> {
  const table = tableNameFromEnv();
  const found = new Map<string, Item>();
  const keyOf = (i: Item) => `${i.PK as string}\u0000${i.SK as string}`;
  for (let start = 0; start < indexItems.length; start += 100) {
    let pending: Record<string, unknown>[] = indexItems.slice(start, start + 100).map((i) => ({ PK: i.PK, SK: i.SK }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000)));
      if (attempt > 8) throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
      const result = await db().send(
        new BatchGetCommand({
          RequestItems: { [table]: { Keys: pending, ConsistentRead: options.consistent ?? false } },
        }),
      );
      for (const item of result.Responses?.[table] ?? []) found.set(keyOf(item), item);
      pending = (result.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
  }
  // An item deleted between the index read and this one is simply absent.
  return indexItems.map((i) => found.get(keyOf(i))).filter((i): i is Item => i !== undefined);
}

/** Every item of a partition (or index partition), page by page; for partitions bounded by design. */
export async function* queryAll(options: { index?: "GSI1" | "GSI2"; partition: string; skPrefix?: string }) {
  const pk = options.index ? `${options.index}PK` : "PK";
  const sk = options.index ? `${options.index}SK` : "SK";
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableNameFromEnv(),
        ...(options.index ? { IndexName: options.index } : {}),
        KeyConditionExpression: options.skPrefix ? "#pk = :pk AND begins_with(#sk, :p)" : "#pk = :pk",
        ExpressionAttributeNames: { "#pk": pk, ...(options.skPrefix ? { "#sk": sk } : {}) },
        ExpressionAttributeValues: {
          ":pk": options.partition,
          ...(options.skPrefix ? { ":p": options.skPrefix } : {}),
        },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    yield { items: page.Items ?? [] };
    start = page.LastEvaluatedKey;
  } while (start);
}
