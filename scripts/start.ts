import { rm, writeFile } from "node:fs/promises";
import { tableName } from "../shared/db/table.ts";
import { runJobInProcess } from "../shared/jobs/in-process.ts";
import { type DevRole, loadDevKeys, mintToken } from "./lib/dev-keys.ts";
import {
  DEFAULT_DB_PATH,
  ensureTable,
  LOCAL_REGION,
  makeClients,
  RUNNING_ENGINE_FILE,
  startEngine,
} from "./lib/engine.ts";
import { LOCAL_SCHEDULE, startLocalScheduler } from "./lib/local-scheduler.ts";
import { startLocalServer } from "./lib/local-server.ts";
import { DEMO, seedDemo } from "./lib/seed.ts";

/**
 * The local stack in one process: the DynamoDB engine on a file under .data/, the table from the same
 * definition CDK uses, the demo district, and the API on http://localhost:3000 calling the same handler
 * functions the Lambdas export.
 */
const port = Number(process.env.PORT ?? "3000");
const engine = await startEngine({ dbPath: DEFAULT_DB_PATH });
const table = process.env.TABLE_NAME ?? tableName("local");
const { client, doc } = makeClients(engine.endpoint);
await ensureTable(client, table);

// `npm run job` finds this engine instead of opening the same database file a second time.
await writeFile(RUNNING_ENGINE_FILE, JSON.stringify({ endpoint: engine.endpoint, table, pid: process.pid }));
const keys = await loadDevKeys();
const server = await startLocalServer({
  port,
  keys,
  env: { TABLE_NAME: table, DYNAMODB_ENDPOINT: engine.endpoint, AWS_REGION: LOCAL_REGION, STAGE: "local" },
  log: (line) => console.log(line),
});

const publicUrl = server.url.replace("127.0.0.1", "localhost");
const communePath = DEMO.communePath;
const groupScope = `${communePath}/${DEMO.groups[0].groupId}`;
const scopes: Record<DevRole, string> = {
  ADMIN: DEMO.province,
  BANK_OFFICER: `${DEMO.province}/${DEMO.district}`,
  COMMUNE_OFFICER: communePath,
  ORG_OFFICER: communePath,
  GROUP_LEADER: groupScope,
  BORROWER: groupScope,
};

const admin = await mintToken({ sub: "dev-admin", role: "ADMIN", scope: scopes.ADMIN, expiresIn: "12h" }, keys);
const call = async (method: string, path: string, body?: unknown, key?: string) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${admin}`,
      "content-type": "application/json",
      ...(key ? { "idempotency-key": key } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
};
const seeded = await seedDemo(doc, table, call);

const tokens: string[] = [];
for (const role of Object.keys(scopes) as DevRole[]) {
  const token = await mintToken(
    {
      sub: `dev-${role.toLowerCase()}`,
      role,
      scope: scopes[role],
      ...(role === "BORROWER" && seeded.borrowerMemberId ? { memberId: seeded.borrowerMemberId } : {}),
      expiresIn: "12h",
    },
    keys,
  );
  tokens.push(`  ${role.padEnd(16)} scope ${scopes[role]}\n    ${token}`);
}

console.log(`
Policy credit API on ${publicUrl}  (engine ${engine.endpoint}, table ${table})
Demo district ${seeded.seeded ? "seeded" : "already present"}: ${communePath}, groups ${DEMO.groups.map((g) => g.groupId).join(", ")}

Dev tokens (12 h):
${tokens.join("\n")}

Try:
  curl -s ${publicUrl}/v1/health
  curl -s -H "Authorization: Bearer $(npm run -s token -- --role BANK_OFFICER --scope ${scopes.BANK_OFFICER})" ${publicUrl}/v1/groups/${DEMO.groups[0].groupId}/members
  open ${publicUrl}/docs

Jobs run on the local clock (Vietnam time): ${LOCAL_SCHEDULE.map((e) => `${e.name} ${String(e.hour).padStart(2, "0")}:${String(e.minute).padStart(2, "0")}`).join(", ")}
Run one now: npm run job -- accrue-interest --business-date <YYYY-MM-DD>   (SMS go to .data/sms-outbox.jsonl)

Mint more: npm run token -- --role GROUP_LEADER --scope ${groupScope}
Stop with Ctrl-C.`);

// Bring the demo up to yesterday once, so balances and overdue figures are current on first look.
for (const job of ["accrue-interest", "classify-overdue"] as const) {
  const run = await runJobInProcess(job);
  console.log(
    `[job] ${job} ${run.businessDate}: seen ${run.seen}, updated ${run.updated}, skipped ${run.skipped}, failed ${run.failed}`,
  );
}
const stopScheduler = startLocalScheduler((line) => console.log(line));

const shutdown = async () => {
  stopScheduler();
  await rm(RUNNING_ENGINE_FILE, { force: true });
  await server.close();
  await engine.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
