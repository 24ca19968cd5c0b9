/**
 * Starts one in-memory dynoxide for the whole test run, or uses DYNAMODB_ENDPOINT when it is set.
 * Test files reach it through `inject("dynamodbEndpoint")` (see engine.ts next to this file).
 */
import type { TestProject } from "vitest/node";
import { startEngine } from "../../scripts/lib/engine.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engine = await startEngine();
  project.provide("dynamodbEndpoint", engine.endpoint);
  console.log(
    `[test] Node ${process.version}; DynamoDB ${engine.external ? "(DYNAMODB_ENDPOINT)" : "(dynoxide, in memory)"} at ${engine.endpoint}`,
  );
  return () => engine.stop();
}
