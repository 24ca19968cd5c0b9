/**
 * The smallest useful function: it creates a DynamoDB document client and nothing else. Bundled with the
 * stack's own construct, it is what every function's size and start-up are measured against.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export async function handler(): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 200, body: String(Boolean(doc)) };
}
