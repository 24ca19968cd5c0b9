import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * One document client per process. DYNAMODB_ENDPOINT points it at any DynamoDB-compatible engine
 * (the local one, or another); without it the SDK talks to DynamoDB in the Lambda's region.
 */
let cached: { doc: DynamoDBDocumentClient; raw: DynamoDBClient; key: string } | undefined;

export function dynamoClients(): { doc: DynamoDBDocumentClient; raw: DynamoDBClient } {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const key = endpoint ?? "aws";
  if (cached && cached.key === key) return cached;
  const raw = new DynamoDBClient({
    ...(endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? "ap-southeast-1",
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }
      : {}),
    maxAttempts: 3,
  });
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    unmarshallOptions: { wrapNumbers: false },
  });
  cached = { doc, raw, key };
  return cached;
}

let override: DynamoDBDocumentClient | undefined;

export function db(): DynamoDBDocumentClient {
  return override ?? dynamoClients().doc;
}

/** Tests replace the client to inject faults the engine cannot produce on demand. */
export function setDocumentClient(doc: DynamoDBDocumentClient | undefined): void {
  override = doc;
}

export function tableNameFromEnv(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error("TABLE_NAME is not set");
  return name;
}
