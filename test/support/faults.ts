import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { testEndpoint } from "./engine.ts";

/**
 * A document client on the test engine with the SDK's own retries off, for aws-sdk-client-mock to wrap:
 * a fault the test injects reaches the handler exactly as thrown.
 */
export function faultableDocumentClient(): DynamoDBDocumentClient {
  const raw = new DynamoDBClient({
    endpoint: testEndpoint(),
    region: "ap-southeast-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  return DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** The SDK gives up waiting: the write may or may not have been applied. */
export function timedOut(): Error {
  const error = new Error("Connection timed out after 3000 ms");
  error.name = "TimeoutError";
  return error;
}

/** The error a call fails with; a call that succeeds fails the test instead. */
export async function rejection<E = Error & Record<string, unknown>>(call: Promise<unknown>): Promise<E> {
  try {
    await call;
  } catch (error) {
    return error as E;
  }
  throw new Error("expected the call to fail, and it succeeded");
}
