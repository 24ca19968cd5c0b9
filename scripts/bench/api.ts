import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { httpStore } from "../../shared/db/client.ts";
import { type DevRole, ephemeralKeys, mintToken } from "../lib/dev-keys.ts";
import { type Engine, ensureTable, makeClients } from "../lib/engine.ts";
import { startLocalServer } from "../lib/local-server.ts";
import { attachMeter, type Meter } from "./ddb-meter.ts";

export type Answer = { status: number; json: Record<string, unknown>; ms: number };

export type BenchApi = {
  url: string;
  table: string;
  /** The client the handlers use, metered. */
  meter: Meter;
  /** A separate client on the same engine, for baselines the meter must not see. */
  raw: DynamoDBClient;
  token(role: DevRole, scope: string): Promise<string>;
  call(token: string, method: string, path: string, body?: unknown, key?: string): Promise<Answer>;
  /** Throws with the answer when the status is not the one expected. */
  expect(answer: Answer, status: number, what: string): Record<string, unknown>;
  close(): Promise<void>;
};

/** The local API on its own table, with throw-away signing keys, as the end-to-end tests run it. */
export async function startBenchApi(engine: Engine, table: string): Promise<BenchApi> {
  const { client: raw } = makeClients(engine.endpoint);
  await ensureTable(raw, table);
  const keys = await ephemeralKeys();
  // The server points the handlers at this engine through process.env; the next section starts its own.
  const previous = { TABLE_NAME: process.env.TABLE_NAME, DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT };
  const server = await startLocalServer({
    port: 0,
    keys,
    env: { TABLE_NAME: table, DYNAMODB_ENDPOINT: engine.endpoint },
  });
  // The handlers' client is created from these variables, so the meter must be attached after they are set.
  const meter = attachMeter(httpStore());
  let users = 0;
  return {
    url: server.url,
    table,
    meter,
    raw,
    token: (role, scope) => mintToken({ sub: `bench-${role.toLowerCase()}-${++users}`, role, scope }, keys),
    async call(token, method, path, body, key) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      if (method !== "GET") headers["idempotency-key"] = key ?? `bench-${randomUUID()}`;
      const started = performance.now();
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      const ms = performance.now() - started;
      return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, ms };
    },
    expect(answer, status, what) {
      if (answer.status !== status) {
        throw new Error(
          `${what}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.json).slice(0, 400)}`,
        );
      }
      return answer.json;
    },
    async close() {
      await server.close();
      raw.destroy();
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

let serial = 100_000_000 + Math.floor(Math.random() * 700_000_000);

/** Member fields that pass validation and never collide across runs on one table. */
export function memberBody(groupId: string, n: number) {
  serial += 1;
  return {
    groupId,
    fullName: `Giàng Thị Bench ${n}`,
    nationalId: `001${serial}`,
    phone: `09${String(serial % 100_000_000).padStart(8, "0")}`,
    householdCategory: "POOR",
  };
}
