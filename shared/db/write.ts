import { unmarshall } from "@aws-sdk/util-dynamodb";
import { HttpProblem, problems } from "../http/problem.ts";
import { logger } from "../log/logger.ts";
import { db, tableNameFromEnv } from "./client.ts";
import { type ItemKey, keys } from "./keys.ts";
import {
  isStoreError,
  type NativeAttributeValue,
  PutCommand,
  TransactGetCommand,
  TransactWriteCommand,
} from "./store.ts";

type Item = Record<string, NativeAttributeValue>;
type RawTransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]>[number];
type WithoutTable<T> = Omit<NonNullable<T>, "TableName"> & { TableName?: string };
/** A transaction part; the table name is filled in by the writer. */
export type TransactItem = {
  Put?: WithoutTable<RawTransactItem["Put"]>;
  Update?: WithoutTable<RawTransactItem["Update"]>;
  ConditionCheck?: WithoutTable<RawTransactItem["ConditionCheck"]>;
};

/** Idempotency records outlive the longest client retry window: 48 hours, removed by TTL. */
export const IDEMPOTENCY_TTL_SECONDS = 48 * 3600;
// Enough for a commune's transaction-point rush: postings share its aggregate items, and each retry re-reads.
const MAX_ATTEMPTS = 8;

export type StoredResponse = { status: number; body: unknown };
export type WriteOutcome = StoredResponse & { replayed: boolean };

export type Idempotency = { sub: string; key: string; fingerprint: string };

export type WritePlan = {
  /** Puts, updates and condition checks; each guarded by a condition where state matters. */
  writes: TransactItem[];
  response: StoredResponse;
};

function replayOrConflict(record: Item, fingerprint: string): WriteOutcome {
  if (record.fingerprint !== fingerprint) {
    throw problems.conflict(
      "IDEMPOTENCY_KEY_REUSED",
      "This Idempotency-Key was already used with a different request. Use a new key for a new request.",
    );
  }
  return { status: record.status as number, body: record.body, replayed: true };
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function backoffMs(attempt: number): number {
  return Math.floor(Math.random() * Math.min(15 * 2 ** attempt, 400));
}

/**
 * One financial or administrative change = one DynamoDB transaction holding its effect, its record
 * and the idempotency record. Round trip 1 reads the idempotency record with the items the change
 * depends on (consistent); round trip 2 writes everything under conditions. A lost race re-reads
 * and tries again a bounded number of times, then answers 409.
 */
export async function idempotentTransaction(options: {
  idempotency: Idempotency;
  read: ItemKey[];
  plan: (items: (Item | undefined)[]) => WritePlan | Promise<WritePlan>;
  /** Called once per round trip, for metrics and the bench. */
  onRoundTrip?: () => void;
}): Promise<WriteOutcome> {
  const table = tableNameFromEnv();
  const idemKey = keys.idempotency(options.idempotency.sub, options.idempotency.key);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(backoffMs(attempt));
    const got = await db().send(
      new TransactGetCommand({
        TransactItems: [idemKey, ...options.read].map((Key) => ({ Get: { TableName: table, Key } })),
      }),
    );
    options.onRoundTrip?.();
    const [idem, ...items] = (got.Responses ?? []).map((r) => r?.Item);
    if (idem) return replayOrConflict(idem, options.idempotency.fingerprint);

    const plan = await options.plan(items);
    const idemPut: RawTransactItem = {
      Put: {
        TableName: table,
        Item: {
          ...idemKey,
          fingerprint: options.idempotency.fingerprint,
          status: plan.response.status,
          body: plan.response.body as NativeAttributeValue,
          createdAt: new Date().toISOString(),
          expiresAt: Math.floor(Date.now() / 1000) + IDEMPOTENCY_TTL_SECONDS,
        },
        ConditionExpression: "attribute_not_exists(PK)",
      },
    };
    try {
      await db().send(
        new TransactWriteCommand({
          TransactItems: [...plan.writes.map((w) => withTable(w, table)), idemPut],
        }),
      );
      options.onRoundTrip?.();
      return { ...plan.response, replayed: false };
    } catch (error) {
      options.onRoundTrip?.();
      if (!isRetryable(error)) throw error;
      logger.debug("write lost a race; retrying", { attempt, reason: reasonsOf(error) });
    }
  }
  throw problems.conflict(
    "CONCURRENT_UPDATE",
    "The record changed while this request was being applied, and retries ran out. Send the same request again with the same Idempotency-Key.",
  );
}

function withTable(item: TransactItem, table: string): RawTransactItem {
  const [kind, body] = Object.entries(item)[0] as [keyof TransactItem, { TableName?: string }];
  return { [kind]: { ...body, TableName: body.TableName ?? table } } as RawTransactItem;
}

function reasonsOf(error: unknown): string[] {
  if (isStoreError(error, "TransactionCanceledException"))
    return (error.CancellationReasons ?? []).map((r) => r.Code ?? "");
  return [(error as Error).name];
}

/**
 * A cancelled transaction whose conditions failed because another writer got there first (version,
 * idempotency record) or that collided with a concurrent transaction is retried from the read.
 */
function isRetryable(error: unknown): boolean {
  if (error instanceof HttpProblem) return false;
  const name = (error as Error).name;
  if (name === "TransactionConflictException") return true;
  if (isStoreError(error, "TransactionCanceledException")) {
    const reasons = error.CancellationReasons ?? [];
    return reasons.every((r) => ["None", "ConditionalCheckFailed", "TransactionConflict", undefined].includes(r.Code));
  }
  return false;
}

/** The HTTP answer for a write, marking replays as the contract asks. */
export function writeResult(outcome: WriteOutcome) {
  return {
    status: outcome.status,
    body: outcome.body,
    ...(outcome.replayed ? { headers: { "idempotent-replayed": "true" } } : {}),
  };
}

/**
 * Idempotency for requests that span many transactions (a sync batch). The record is claimed with a
 * short lease while the work runs: a replay during the lease gets 409, a replay after it completes
 * gets the stored answer, and a replay after a crash (lease expired) runs the batch again, which is
 * safe because each entry is idempotent on its own.
 */
export async function leasedIdempotency<T extends StoredResponse>(
  idempotency: Idempotency,
  leaseSeconds: number,
  work: () => Promise<T>,
): Promise<WriteOutcome> {
  const table = tableNameFromEnv();
  const key = keys.idempotency(idempotency.sub, idempotency.key);
  const nowSeconds = Math.floor(Date.now() / 1000);
  try {
    await db().send(
      new PutCommand({
        TableName: table,
        Item: {
          ...key,
          fingerprint: idempotency.fingerprint,
          status: "IN_FLIGHT",
          leaseUntil: nowSeconds + leaseSeconds,
          expiresAt: nowSeconds + IDEMPOTENCY_TTL_SECONDS,
        },
        ConditionExpression: "attribute_not_exists(PK) OR (#s = :inFlight AND leaseUntil < :now AND fingerprint = :fp)",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":inFlight": "IN_FLIGHT", ":now": nowSeconds, ":fp": idempotency.fingerprint },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
  } catch (error) {
    if (!isStoreError(error, "ConditionalCheckFailedException")) throw error;
    const existing = error.Item ? unmarshall(error.Item as never) : undefined;
    if (existing && existing.status !== "IN_FLIGHT") return replayOrConflict(existing, idempotency.fingerprint);
    if (existing && existing.fingerprint !== idempotency.fingerprint)
      return replayOrConflict(existing, idempotency.fingerprint);
    throw problems.conflict(
      "IDEMPOTENCY_KEY_IN_FLIGHT",
      "A request with this Idempotency-Key is still being processed. Retry in a few seconds for its answer.",
    );
  }
  try {
    const response = await work();
    await db().send(
      new PutCommand({
        TableName: table,
        Item: {
          ...key,
          fingerprint: idempotency.fingerprint,
          status: response.status,
          body: response.body as NativeAttributeValue,
          createdAt: new Date().toISOString(),
          expiresAt: Math.floor(Date.now() / 1000) + IDEMPOTENCY_TTL_SECONDS,
        },
      }),
    );
    return { ...response, replayed: false };
  } catch (error) {
    // Release the lease at once so the client's retry does not wait it out.
    await db()
      .send(
        new PutCommand({
          TableName: table,
          Item: {
            ...key,
            fingerprint: idempotency.fingerprint,
            status: "IN_FLIGHT",
            leaseUntil: 0,
            expiresAt: nowSeconds + IDEMPOTENCY_TTL_SECONDS,
          },
        }),
      )
      .catch(() => undefined);
    throw error;
  }
}
