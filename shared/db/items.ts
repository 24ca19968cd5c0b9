import { GetCommand, type NativeAttributeValue, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { db, tableNameFromEnv } from "./client.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { ItemKey } from "./keys.ts";

export type Item = Record<string, NativeAttributeValue>;

const KEY_ATTRIBUTES = ["PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "version", "expiresAt"];

/** Strips table mechanics (keys, index keys, version) from an item before it leaves the API. */
export function publicFields<T extends Item>(item: T, drop: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(k) && !drop.includes(k)) out[k] = v;
  return out;
}

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
