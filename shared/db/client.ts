import { environmentCredentials, regionFromEnv } from "../aws/client.ts";
import { HttpStore } from "./http-store.ts";
import type { DocumentStore } from "./store.ts";

/**
 * One store per process. DYNAMODB_ENDPOINT points it at any DynamoDB-compatible engine (the local one,
 * or another); without it the store talks to DynamoDB in the Lambda's region with the Lambda's
 * credentials.
 */
let cached: { store: HttpStore; key: string } | undefined;

export function httpStore(): HttpStore {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  const region = regionFromEnv();
  const key = `${endpoint ?? "aws"}|${region}`;
  if (cached && cached.key === key) return cached.store;
  const store = new HttpStore({
    ...(endpoint ? { endpoint } : {}),
    region,
    // A local engine accepts any signature; a remote endpoint gets the environment's credentials.
    credentials:
      endpoint && !process.env.AWS_ACCESS_KEY_ID
        ? () => ({ accessKeyId: "local", secretAccessKey: "local" })
        : environmentCredentials,
  });
  cached = { store, key };
  return store;
}

let override: DocumentStore | undefined;

export function db(): DocumentStore {
  return override ?? httpStore();
}

/** Tests replace the store to inject faults the engine cannot produce on demand. */
export function setDocumentClient(store: DocumentStore | undefined): void {
  override = store;
}

export function tableNameFromEnv(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error("TABLE_NAME is not set");
  return name;
}
