/**
 * The store the functions ship, against the SDK's document client on the same engine: whatever one
 * writes the other reads back unchanged, pages and errors come back in the same shape, so code written
 * against the port behaves the same behind either.
 */
import * as sdk from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { HttpStore } from "../../shared/db/http-store.ts";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "../../shared/db/store.ts";
import { type FreshTable, freshTable, testEndpoint } from "../support/engine.ts";
import { rejection } from "../support/faults.ts";

/** Attribute names as items carry them; `__proto__` cannot be an own key of a plain object on either side. */
const attributeName = (maxLength: number) => fc.string({ minLength: 1, maxLength }).filter((k) => k !== "__proto__");

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.maxSafeInteger(),
    fc.integer({ min: -1_000_000, max: 1_000_000_000_000 }),
    fc.boolean(),
    fc.constant(null),
    fc
      .uniqueArray(fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 })
      .map((a) => new Set(a)),
    fc.array(tie("any"), { maxLength: 4 }),
    fc.dictionary(attributeName(8), tie("any"), { maxKeys: 4 }),
  ),
})).any;

const attributes = fc.dictionary(
  attributeName(10).filter((k) => !["PK", "SK"].includes(k)),
  value,
  { maxKeys: 8 },
);

describe("the shipped HTTP store against the SDK's document client", () => {
  let table: FreshTable;
  let store: HttpStore;
  let name: string;

  beforeAll(async () => {
    table = await freshTable("http-store");
    name = table.tableName;
    store = new HttpStore({
      endpoint: testEndpoint(),
      region: "ap-southeast-1",
      credentials: () => ({ accessKeyId: "local", secretAccessKey: "local" }),
    });
  });

  it("reads back unchanged what the SDK wrote, and the SDK reads back what it wrote", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(attributes, async (attrs) => {
        n++;
        const ours = { PK: `PARITY#${n}`, SK: "OURS", ...attrs };
        const theirs = { PK: `PARITY#${n}`, SK: "THEIRS", ...attrs };
        await store.send(new PutCommand({ TableName: name, Item: ours }));
        await table.doc.send(new sdk.PutCommand({ TableName: name, Item: theirs }));
        const read = await table.doc.send(new sdk.GetCommand({ TableName: name, Key: { PK: ours.PK, SK: "OURS" } }));
        const got = await store.send(new GetCommand({ TableName: name, Key: { PK: theirs.PK, SK: "THEIRS" } }));
        expect(read.Item).toEqual(ours);
        expect(got.Item).toEqual(theirs);
      }),
      { numRuns: 80 },
    );
  });

  it("pages a query the same way, with the same last key", async () => {
    for (let i = 0; i < 25; i++) {
      await store.send(
        new PutCommand({ TableName: name, Item: { PK: "PAGE#1", SK: `ITEM#${String(i).padStart(3, "0")}`, i } }),
      );
    }
    const input = {
      TableName: name,
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :p)",
      ExpressionAttributeValues: { ":pk": "PAGE#1", ":p": "ITEM#" },
      Limit: 7,
    };
    let ours: Record<string, unknown> | undefined;
    let theirs: Record<string, unknown> | undefined;
    const seen: number[] = [];
    do {
      const a = await store.send(new QueryCommand({ ...input, ...(ours ? { ExclusiveStartKey: ours } : {}) }));
      const b = await table.doc.send(
        new sdk.QueryCommand({ ...input, ...(theirs ? { ExclusiveStartKey: theirs } : {}) }),
      );
      expect(a.Items).toEqual(b.Items);
      expect(a.LastEvaluatedKey).toEqual(b.LastEvaluatedKey);
      expect(a.Count).toBe(b.Count);
      seen.push(...(a.Items ?? []).map((item) => item.i as number));
      ours = a.LastEvaluatedKey;
      theirs = b.LastEvaluatedKey;
    } while (ours);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it("fails a condition with the same error name and the old item, still in wire format", async () => {
    await store.send(
      new PutCommand({ TableName: name, Item: { PK: "COND#1", SK: "LOAN", version: 3, owed: 5_000_000 } }),
    );
    const update = {
      TableName: name,
      Key: { PK: "COND#1", SK: "LOAN" },
      UpdateExpression: "SET owed = :o, version = version + :one",
      ConditionExpression: "version = :v",
      ExpressionAttributeValues: { ":o": 1, ":v": 2, ":one": 1 },
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    };
    const ours = await rejection<Error & { Item?: unknown }>(store.send(new UpdateCommand(update)));
    const theirs = await rejection<Error & { Item?: unknown }>(table.doc.send(new sdk.UpdateCommand(update)));
    expect(ours.name).toBe("ConditionalCheckFailedException");
    expect(ours.name).toBe(theirs.name);
    expect(ours.Item).toEqual(theirs.Item);
    expect(ours.Item).toEqual({ PK: { S: "COND#1" }, SK: { S: "LOAN" }, version: { N: "3" }, owed: { N: "5000000" } });

    const updated = await store.send(
      new UpdateCommand({
        ...update,
        ExpressionAttributeValues: { ":o": 1, ":v": 3, ":one": 1 },
        ReturnValues: "ALL_NEW",
      }),
    );
    expect(updated.Attributes).toEqual({ PK: "COND#1", SK: "LOAN", version: 4, owed: 1 });
  });

  it("cancels a transaction with the same reasons, in order, and writes nothing", async () => {
    const write = {
      TransactItems: [
        { Put: { TableName: name, Item: { PK: "TX#1", SK: "A", n: 1 } } },
        {
          Update: {
            TableName: name,
            Key: { PK: "COND#1", SK: "LOAN" },
            UpdateExpression: "SET owed = :o",
            ConditionExpression: "version = :v",
            ExpressionAttributeValues: { ":o": 9, ":v": 99 },
            ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
          },
        },
      ],
    };
    type Cancelled = Error & { CancellationReasons?: { Code?: string; Item?: unknown }[] };
    const ours = await rejection<Cancelled>(store.send(new TransactWriteCommand(write)));
    const theirs = await rejection<Cancelled>(table.doc.send(new sdk.TransactWriteCommand(write)));
    expect(ours.name).toBe("TransactionCanceledException");
    expect(ours.CancellationReasons).toEqual(theirs.CancellationReasons);
    expect(ours.CancellationReasons?.map((r) => r.Code)).toEqual(["None", "ConditionalCheckFailed"]);
    const { Item } = await store.send(new GetCommand({ TableName: name, Key: { PK: "TX#1", SK: "A" } }));
    expect(Item).toBeUndefined();

    await store.send(
      new TransactWriteCommand({
        TransactItems: [
          write.TransactItems[0]!,
          {
            ConditionCheck: {
              TableName: name,
              Key: { PK: "COND#1", SK: "LOAN" },
              ConditionExpression: "version = :v",
              ExpressionAttributeValues: { ":v": 4 },
            },
          },
        ],
      }),
    );
    const got = await store.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: name, Key: { PK: "TX#1", SK: "A" } } },
          { Get: { TableName: name, Key: { PK: "TX#1", SK: "MISSING" } } },
        ],
      }),
    );
    expect(got.Responses?.map((r) => r.Item ?? null)).toEqual([{ PK: "TX#1", SK: "A", n: 1 }, null]);
  });

  it("writes, reads, scans and deletes in batches", async () => {
    const items = Array.from({ length: 20 }, (_, i) => ({ PK: `BATCH#${i}`, SK: "B", i, tags: new Set([`t${i}`]) }));
    await store.send(
      new BatchWriteCommand({ RequestItems: { [name]: items.map((Item) => ({ PutRequest: { Item } })) } }),
    );
    const got = await store.send(
      new BatchGetCommand({
        RequestItems: { [name]: { Keys: items.map(({ PK, SK }) => ({ PK, SK })), ConsistentRead: true } },
      }),
    );
    const byI = (a: Record<string, unknown>, b: Record<string, unknown>) => (a.i as number) - (b.i as number);
    expect([...(got.Responses?.[name] ?? [])].sort(byI)).toEqual(items);
    expect(got.UnprocessedKeys ?? {}).toEqual({});

    const scanned = await store.send(
      new ScanCommand({
        TableName: name,
        FilterExpression: "begins_with(PK, :b)",
        ExpressionAttributeValues: { ":b": "BATCH#" },
      }),
    );
    expect([...(scanned.Items ?? [])].sort(byI)).toEqual(items);

    await store.send(new DeleteCommand({ TableName: name, Key: { PK: "BATCH#0", SK: "B" } }));
    const deleted = await store.send(
      new GetCommand({ TableName: name, Key: { PK: "BATCH#0", SK: "B" }, ConsistentRead: true }),
    );
    expect(deleted.Item).toBeUndefined();
  });

  it("refuses a malformed request with the service's validation error, without retrying it", async () => {
    let attempts = 0;
    store.observers.push({ attempt: () => attempts++ });
    const error = await rejection<Error & { $metadata?: { httpStatusCode?: number } }>(
      store.send(new GetCommand({ TableName: name, Key: { PK: "ONLY-PK" } })),
    );
    store.observers.length = 0;
    expect(error.name).toBe("ValidationException");
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(attempts).toBe(1);
  });
});
