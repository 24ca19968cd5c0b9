import { randomUUID } from "node:crypto";
import { DeleteTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { ensureTable, makeClients } from "../../scripts/lib/engine.ts";

/** The run's engine, started once by global-setup.ts (or DYNAMODB_ENDPOINT when set). */
export function testEndpoint(): string {
  const endpoint = inject("dynamodbEndpoint") ?? process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error("No DynamoDB endpoint: run the tests through vitest.config.ts (its globalSetup).");
  return endpoint;
}

export type FreshTable = {
  tableName: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Removes the table; only worth calling against a shared, persistent DYNAMODB_ENDPOINT. */
  drop(): Promise<void>;
};

/** A new, empty table built from the one table definition, so tests never see each other's items. */
export async function freshTable(label = "test"): Promise<FreshTable> {
  const tableName = `${label}-${randomUUID().slice(0, 8)}-policy-credit`;
  const { client, doc } = makeClients(testEndpoint());
  await ensureTable(client, tableName);
  return {
    tableName,
    client,
    doc,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
    },
  };
}
