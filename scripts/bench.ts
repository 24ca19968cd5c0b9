/**
 * npm run bench: one table of measurements, each next to a baseline measured in the same run on the
 * same machine, so the ratios hold on a laptop and on a CI runner alike. Misses print FAIL and the
 * exit code stays 0; only a section that crashes makes it 1. The same table goes to
 * bench/results/latest.json.
 *
 * Sizes can be lowered for a quick look: BENCH_PAYMENTS, BENCH_LOANS, BENCH_SMALL_LOANS,
 * BENCH_BASELINE_UPDATES, BENCH_INIT_RUNS, BENCH_SECTIONS=payment,reports,cold-start,accrual.
 */
import "./bench/env.ts";
import { join } from "node:path";
import { benchAccrual } from "./bench/accrual.ts";
import { benchColdStart } from "./bench/cold-start.ts";
import { benchPayment } from "./bench/payment.ts";
import { crashedLine, formatTable, type Line, writeJson } from "./bench/report.ts";
import { benchReports } from "./bench/reports.ts";
import { PROJECT_ROOT, startEngine } from "./lib/engine.ts";

const RESULTS = join(PROJECT_ROOT, "bench", "results", "latest.json");

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const sizes = {
  payments: setting("BENCH_PAYMENTS", 300),
  loans: setting("BENCH_LOANS", 100_000),
  smallLoans: setting("BENCH_SMALL_LOANS", 10_000),
  baselineUpdates: setting("BENCH_BASELINE_UPDATES", 20_000),
  initRuns: setting("BENCH_INIT_RUNS", 7),
};
const wanted = new Set(
  (process.env.BENCH_SECTIONS ?? "payment,reports,cold-start,accrual").split(",").map((s) => s.trim()),
);

const began = Date.now();
const progress = (line: string) => console.error(`[bench ${((Date.now() - began) / 1000).toFixed(0)}s] ${line}`);
console.log(`node ${process.version} (${process.platform}-${process.arch})`);

const lines: Line[] = [];
const crashes: string[] = [];
async function section(name: string, measure: () => Promise<Line[]>) {
  if (!wanted.has(name)) return;
  progress(`${name}: start`);
  try {
    lines.push(...(await measure()));
  } catch (error) {
    crashes.push(name);
    lines.push(crashedLine(name, error));
    console.error(error);
  }
}

await section("payment", async () => {
  const engine = await startEngine();
  try {
    return await benchPayment(engine, { payments: sizes.payments });
  } finally {
    await engine.stop();
  }
});
await section("reports", async () => {
  const engine = await startEngine();
  try {
    return await benchReports(engine, { communes: 3, groupsPerCommune: 5, loansPerGroup: 20 });
  } finally {
    await engine.stop();
  }
});
await section("cold-start", () => benchColdStart({ runs: sizes.initRuns }, progress));
await section("accrual", () =>
  benchAccrual({ small: sizes.smallLoans, large: sizes.loans, baselineUpdates: sizes.baselineUpdates }, progress),
);

console.log(formatTable(lines));
const durationSeconds = (Date.now() - began) / 1000;
console.log(
  `\n${lines.filter((l) => l.pass === false).length} FAIL, ${crashes.length} crashed, ${durationSeconds.toFixed(0)} s`,
);
writeJson(RESULTS, {
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  startedAt: new Date(began).toISOString(),
  durationSeconds,
  sizes,
  crashed: crashes,
  lines,
});
progress(`wrote ${RESULTS}`);
process.exit(crashes.length > 0 ? 1 : 0);
