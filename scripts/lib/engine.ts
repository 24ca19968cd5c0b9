/**
 * The local DynamoDB engine: dynoxide, a single binary that speaks the DynamoDB wire protocol.
 * `npm start` keeps its data in a file under `.data/`; the test run keeps it in memory.
 * Any other DynamoDB-compatible endpoint can stand in through DYNAMODB_ENDPOINT.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createTableInput } from "../../shared/db/table.ts";

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const DATA_DIR = join(PROJECT_ROOT, ".data");
/** Where `npm start` keeps the local table between runs. */
export const DEFAULT_DB_PATH = join(DATA_DIR, "dynoxide.db");

/** Same region as the deployed stack, so ARNs and logs look alike. */
/** Written by `npm start` while it runs, so `npm run job` uses the same engine. */
export const RUNNING_ENGINE_FILE = join(DATA_DIR, "engine.json");

export const LOCAL_REGION = "ap-southeast-1";

const ENGINE_PACKAGE = "@dynoxide/linux-x64";
const READY_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 3;

export type Engine = {
  /** e.g. `http://127.0.0.1:54321` */
  endpoint: string;
  /** True when DYNAMODB_ENDPOINT pointed elsewhere and nothing was started. */
  external: boolean;
  stop(): Promise<void>;
};

export type EngineOptions = {
  /** SQLite file to keep data in; omit for an in-memory engine (tests). */
  dbPath?: string;
};

export function makeClients(endpoint: string): { client: DynamoDBClient; doc: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    // Local engines accept any signature; fixed credentials keep the SDK from ever looking for real ones.
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, doc };
}

/** Creates the table from the one definition unless it is already there. Safe to call concurrently. */
export async function ensureTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(name)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

export function engineBinary(): string {
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve(`${ENGINE_PACKAGE}/package.json`);
  } catch {
    throw new Error(
      `The local DynamoDB engine (${ENGINE_PACKAGE}) is not installed for ${process.platform}-${process.arch}. ` +
        "Set DYNAMODB_ENDPOINT=http://host:port to use any DynamoDB-compatible endpoint instead.",
    );
  }
  const binary = join(dirname(packageJson), "dynoxide");
  if (!existsSync(binary)) {
    throw new Error(
      `${ENGINE_PACKAGE} is installed but ${binary} is missing. ` +
        "Set DYNAMODB_ENDPOINT=http://host:port to use any DynamoDB-compatible endpoint instead.",
    );
  }
  return binary;
}

export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) {
    await waitUntilReady(external, () => undefined).catch((error: Error) => {
      throw new Error(`DYNAMODB_ENDPOINT is set, but: ${error.message}`);
    });
    return { endpoint: external, external: true, stop: async () => {} };
  }
  const binary = engineBinary();
  if (options.dbPath) mkdirSync(dirname(resolve(options.dbPath)), { recursive: true });

  // The port is free when chosen but another process may take it before the engine binds, so retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return await spawnEngine(binary, port, options.dbPath);
    } catch (error) {
      lastError = error;
      if (!(error instanceof EngineExited)) throw error;
    }
  }
  throw lastError;
}

class EngineExited extends Error {}

async function spawnEngine(binary: string, port: number, dbPath: string | undefined): Promise<Engine> {
  const args = ["serve", "--host", "127.0.0.1", "--port", String(port)];
  if (dbPath) args.push("--db-path", resolve(dbPath));
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    // Keep only the tail: enough to explain a failure, bounded for a long-running engine.
    stderr = (stderr + chunk).slice(-8_000);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const exitedPromise = new Promise<void>((done) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      done();
    });
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const release = stopOnProcessExit(child);
  try {
    await waitUntilReady(endpoint, () => {
      if (spawnError) throw new Error(`Could not start ${binary}: ${spawnError.message}`);
      if (exited) {
        throw new EngineExited(
          `dynoxide exited (code ${exited.code}, signal ${exited.signal}) before answering on ${endpoint}.\n${stderr}`,
        );
      }
    });
  } catch (error) {
    release();
    child.kill("SIGKILL");
    if (error instanceof EngineExited) throw error;
    throw new Error(`${(error as Error).message}\ndynoxide stderr:\n${stderr || "(empty)"}`);
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    external: false,
    stop() {
      stopping ??= (async () => {
        release();
        if (exited) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exitedPromise;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Polls ListTables until the engine answers; `check` aborts early when the engine has died. */
async function waitUntilReady(endpoint: string, check: () => void): Promise<void> {
  const { client } = makeClients(endpoint);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  try {
    while (Date.now() < deadline) {
      check();
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(500) });
        return;
      } catch (error) {
        lastError = error;
      }
      check();
      await new Promise((done) => setTimeout(done, 100));
    }
  } finally {
    client.destroy();
  }
  throw new Error(
    `No DynamoDB engine answered at ${endpoint} within ${READY_TIMEOUT_MS / 1000} s: ${(lastError as Error | undefined)?.message ?? "no answer"}`,
  );
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/**
 * Kills the engine when this process ends, so no orphan keeps a port or the database file.
 * Returns a function that removes the hooks once the engine is stopped on purpose.
 */
function stopOnProcessExit(child: ChildProcess): () => void {
  const onExit = () => {
    child.kill("SIGKILL");
  };
  const onSignal = (signal: NodeJS.Signals) => {
    child.kill("SIGTERM");
    // A listener replaces Node's default exit on the signal; restore it unless someone else handles it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return () => {
    process.off("exit", onExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
}
