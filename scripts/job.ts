import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { tableName } from "../shared/db/table.ts";
import { checkAggregates } from "../shared/jobs/aggregate-check.ts";
import { runJobInProcess } from "../shared/jobs/in-process.ts";
import { isJobName, JOB_NAMES } from "../shared/jobs/types.ts";
import {
  DEFAULT_DB_PATH,
  ensureTable,
  LOCAL_REGION,
  makeClients,
  RUNNING_ENGINE_FILE,
  startEngine,
} from "./lib/engine.ts";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * npm run job -- accrue-interest --business-date 2026-12-03
 * Runs the dispatcher and the workers in this process against the local engine (or DYNAMODB_ENDPOINT),
 * through the same code and the same SQS message shape as in AWS.
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    "business-date": { type: "string" },
    now: { type: "string" },
    shards: { type: "string" },
  },
});
const job = positionals[0];
if (job !== "check-aggregates" && !isJobName(job)) {
  console.error(
    `usage: npm run job -- <${JOB_NAMES.join("|")}> [--business-date YYYY-MM-DD] [--now ISO-instant] [--shards N]`,
  );
  process.exit(2);
}
if (values.shards) process.env.JOB_SHARDS = values.shards;
// With `npm start` running, work on its engine rather than opening the same database file twice.
const running = await readFile(RUNNING_ENGINE_FILE, "utf8").then(
  (text) => JSON.parse(text) as { endpoint: string; pid: number },
  () => undefined,
);
if (!process.env.DYNAMODB_ENDPOINT && running && isAlive(running.pid)) process.env.DYNAMODB_ENDPOINT = running.endpoint;
const engine = await startEngine({ dbPath: DEFAULT_DB_PATH });
const table = process.env.TABLE_NAME ?? tableName("local");
const { client } = makeClients(engine.endpoint);
await ensureTable(client, table);
process.env.TABLE_NAME = table;
process.env.DYNAMODB_ENDPOINT = engine.endpoint;
process.env.AWS_REGION ??= LOCAL_REGION;

if (job === "check-aggregates") {
  const result = await checkAggregates();
  console.log(
    `check-aggregates: ${result.loans} active loans in ${result.cells} commune × program cells; ${result.differences.length} differences`,
  );
  for (const d of result.differences)
    console.log(`  ${d.key}: loans ${JSON.stringify(d.loans)} vs aggregate ${JSON.stringify(d.aggregate)}`);
  await engine.stop();
  process.exit(result.differences.length > 0 ? 1 : 0);
}
const fixedNow = values.now ? new Date(values.now) : undefined;
try {
  const summary = await runJobInProcess(job, {
    businessDate: values["business-date"],
    ...(fixedNow ? { now: () => fixedNow } : {}),
    onProgress: (line) => console.log(line),
  });
  const state = summary.deferred
    ? "deferred (outside 07:00-20:00 Vietnam time); "
    : summary.dispatched === 0
      ? "already complete, nothing dispatched; run totals: "
      : "";
  console.log(
    `${job} ${summary.businessDate}: ${state}loans seen ${summary.seen}, updated ${summary.updated}, skipped (already done or nothing due) ${summary.skipped}, failed ${summary.failed}; shards ${summary.shardsDone}/${summary.shards}, dead letters ${summary.deadLetters}; ${summary.durationMs} ms`,
  );
  await engine.stop();
  process.exit(summary.failed > 0 || summary.deadLetters > 0 ? 1 : 0);
} catch (error) {
  console.error(`${job} refused: ${(error as Error).message}`);
  await engine.stop();
  process.exit(1);
}
