import {
  DescribeTableCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { TABLE } from "../../shared/db/table.ts";
import { type FreshTable, freshTable } from "../support/engine.ts";

describe("the local engine", () => {
  let table: FreshTable;
  beforeAll(async () => {
    table = await freshTable("engine");
  });

  it("runs on Node 22 or later, like the Lambda runtime", () => {
    const major = Number(process.versions.node.split(".")[0]);
    expect(major).toBeGreaterThanOrEqual(22);
  });

  it("builds the table from the one definition, with every index", async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: "PK", KeyType: "HASH" },
      { AttributeName: "SK", KeyType: "RANGE" },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      TABLE.globalIndexes.map((index) => index.indexName).sort(),
    );
  });

  it("reads back what it wrote, large integers intact", async () => {
    const item = { PK: "LOAN#L1", SK: "LOAN", principalVnd: 50_000_000, accruedMicroVnd: 9_007_199_254_740_991 };
    await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item }));
    const { Item } = await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: { PK: "LOAN#L1", SK: "LOAN" }, ConsistentRead: true }),
    );
    expect(Item).toEqual(item);
  });

  it("finds a group's members through GSI1", async () => {
    for (const memberId of ["M2", "M1", "M3"]) {
      await table.doc.send(
        new PutCommand({
          TableName: table.tableName,
          Item: { PK: `MEMBER#${memberId}`, SK: "MEMBER", GSI1PK: "GROUP#G1", GSI1SK: `MEMBER#${memberId}` },
        }),
      );
    }
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { PK: "MEMBER#M9", SK: "MEMBER", GSI1PK: "GROUP#G2", GSI1SK: "MEMBER#M9" },
      }),
    );
    const { Items } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: "GSI1",
        KeyConditionExpression: "GSI1PK = :group AND begins_with(GSI1SK, :member)",
        ExpressionAttributeValues: { ":group": "GROUP#G1", ":member": "MEMBER#" },
      }),
    );
    expect(Items?.map((item) => item.PK)).toEqual(["MEMBER#M1", "MEMBER#M2", "MEMBER#M3"]);
  });

  it("cancels a whole transaction when one condition fails, and says which one and why", async () => {
    await table.doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { PK: "LOAN#L2", SK: "LOAN", status: "ACTIVE", outstandingPrincipalVnd: 1_000_000 },
      }),
    );
    const attempt = table.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: table.tableName,
              Item: { PK: { S: "LOAN#L2" }, SK: { S: "TX#0001" }, amountVnd: { N: "2000000" } },
              ConditionExpression: "attribute_not_exists(PK)",
            },
          },
          {
            Update: {
              TableName: table.tableName,
              Key: { PK: { S: "LOAN#L2" }, SK: { S: "LOAN" } },
              UpdateExpression: "SET outstandingPrincipalVnd = outstandingPrincipalVnd - :paid",
              ConditionExpression: "outstandingPrincipalVnd >= :paid",
              ExpressionAttributeValues: { ":paid": { N: "2000000" } },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
        ],
      }),
    );
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons;
    expect(reasons?.[0]?.Code).toBe("None");
    expect(reasons?.[1]).toMatchObject({
      Code: "ConditionalCheckFailed",
      Item: {
        PK: { S: "LOAN#L2" },
        SK: { S: "LOAN" },
        status: { S: "ACTIVE" },
        outstandingPrincipalVnd: { N: "1000000" },
      },
    });

    // Nothing of the cancelled transaction was written.
    const { Item: posting } = await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: { PK: "LOAN#L2", SK: "TX#0001" }, ConsistentRead: true }),
    );
    expect(posting).toBeUndefined();
  });

  it("applies a transaction once when its ClientRequestToken is replayed", async () => {
    await table.doc.send(
      new PutCommand({ TableName: table.tableName, Item: { PK: "SAVINGS#M1", SK: "SAVINGS", balanceVnd: 0 } }),
    );
    const deposit = () =>
      table.doc.send(
        new TransactWriteCommand({
          ClientRequestToken: "deposit-M1-2025-01-15-0001",
          TransactItems: [
            {
              Update: {
                TableName: table.tableName,
                Key: { PK: "SAVINGS#M1", SK: "SAVINGS" },
                UpdateExpression: "ADD balanceVnd :amount",
                ExpressionAttributeValues: { ":amount": 50_000 },
              },
            },
          ],
        }),
      );
    await deposit();
    await deposit();
    const { Item } = await table.doc.send(
      new GetCommand({ TableName: table.tableName, Key: { PK: "SAVINGS#M1", SK: "SAVINGS" }, ConsistentRead: true }),
    );
    expect(Item?.balanceVnd).toBe(50_000);
  });

  it("refuses a replayed ClientRequestToken carrying a different transaction", async () => {
    const write = (amountVnd: number) =>
      table.doc.send(
        new TransactWriteCommand({
          ClientRequestToken: "deposit-M2-2025-01-15-0001",
          TransactItems: [
            { Put: { TableName: table.tableName, Item: { PK: "SAVINGS#M2", SK: "SAVINGS", balanceVnd: amountVnd } } },
          ],
        }),
      );
    await write(10_000);
    await expect(write(20_000)).rejects.toMatchObject({ name: "IdempotentParameterMismatchException" });
  });
});
