/**
 * Every function bundle the stack deploys, against a bundle that only creates a DynamoDB document
 * client, built by the stack's own function construct so the esbuild options cannot drift apart.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../lib/engine.ts";
import { type Line, median, ratioOf } from "./report.ts";

const SECTION = "cold start";
const CDK_OUT = join(PROJECT_ROOT, "cdk.out");
const BASELINE_OUT = join(PROJECT_ROOT, "bench", "results", "baseline.out");
const BASELINE_ENTRY = "bench/baseline/ddb-client.ts";
/** Whatever these change, the deployed bundles change. */
const SOURCES = ["infra", "functions", "shared", "package-lock.json", "package.json", "cdk.json", "tsconfig.json"];
const SIZE_TARGET = 1.15;
const INIT_TARGET = 1.1;
/** Lambda's own variables, so code that looks for them at load time finds them. */
const REGION = "ap-southeast-1";

type Bundle = { name: string; dir: string; env: Record<string, string> };

/**
 * Wall time swings with whatever else the machine runs; the CPU the import burns (all threads: parse,
 * compile, top-level code) does not, and it is what a Lambda's fraction of a vCPU has to pay for.
 */
const TIMER = [
  "const cpu = process.cpuUsage();",
  "const started = performance.now();",
  "await import(process.argv[1]);",
  "const wallMs = performance.now() - started;",
  "const used = process.cpuUsage(cpu);",
  "process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));",
  "process.exit(0);",
].join("\n");

type Timing = { wallMs: number; cpuMs: number };

export async function benchColdStart(options: { runs: number }, progress: (line: string) => void): Promise<Line[]> {
  if (isStale()) {
    progress("cold start: cdk.out is missing or older than the sources; running npx cdk synth -q");
    await run("npx", ["cdk", "synth", "-q"], PROJECT_ROOT);
  }
  const bundles = functionBundles(CDK_OUT);
  if (bundles.length === 0) throw new Error(`no Lambda function with a bundled asset in ${CDK_OUT}`);
  progress(`cold start: bundling ${BASELINE_ENTRY} with the stack's function construct`);
  const baseline = await baselineBundle();

  progress(`cold start: ${options.runs} fresh imports of each of ${bundles.length + 1} bundles`);
  const all = [baseline, ...bundles];
  const times = new Map<string, Timing[]>(all.map((b) => [b.dir, []]));
  // One uncounted round first: it reads the files from disk, which a warm machine never does again.
  for (const bundle of all) await importTiming(bundle);
  for (let round = 0; round < options.runs; round++) {
    // A different order each round, so no bundle always follows the same neighbour.
    for (const bundle of rotate(all, round)) times.get(bundle.dir)!.push(await importTiming(bundle));
  }
  const cpu = (bundle: Bundle) => median(times.get(bundle.dir)!.map((t) => t.cpuMs));
  const wall = (bundle: Bundle) => median(times.get(bundle.dir)!.map((t) => t.wallMs));

  const baseSize = sizeOf(baseline);
  const baseInit = cpu(baseline);
  const lines: Line[] = [];
  for (const bundle of bundles) {
    const size = sizeOf(bundle);
    const init = cpu(bundle);
    const sizeRatio = ratioOf(size, baseSize);
    const initRatio = ratioOf(init, baseInit);
    lines.push(
      {
        section: SECTION,
        name: `bundle size: ${bundle.name}`,
        value: size / 1024,
        unit: "KiB",
        baseline: baseSize / 1024,
        ratio: sizeRatio,
        target: `≤ ${SIZE_TARGET}×`,
        pass: sizeRatio !== null && sizeRatio <= SIZE_TARGET,
      },
      {
        section: SECTION,
        name: `module init CPU: ${bundle.name}`,
        value: init,
        unit: "ms",
        baseline: baseInit,
        ratio: initRatio,
        target: `≤ ${INIT_TARGET}×`,
        pass: initRatio !== null && initRatio <= INIT_TARGET,
        detail: { wallMedianMs: wall(bundle), baselineWallMedianMs: wall(baseline), runs: times.get(bundle.dir) },
      },
    );
  }
  lines[0]!.note =
    `index.mjs bytes; init = median CPU time of import() of index.mjs in ${options.runs} fresh \`node\` processes ` +
    "with each function's environment from the template (NODE_OPTIONS=--enable-source-maps included); " +
    "wall times are in the JSON";
  return lines;
}

function isStale(): boolean {
  const manifest = join(CDK_OUT, "manifest.json");
  if (!existsSync(manifest)) return true;
  const built = statSync(manifest).mtimeMs;
  return SOURCES.some((source) => newest(join(PROJECT_ROOT, source)) > built);
}

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

type Template = {
  Resources?: Record<
    string,
    {
      Type: string;
      Metadata?: Record<string, unknown>;
      Properties?: { FunctionName?: unknown; Environment?: { Variables?: Record<string, unknown> } };
    }
  >;
};

/** The functions of every stack in a cloud assembly, each with its bundle folder and its environment. */
function functionBundles(assembly: string): Bundle[] {
  const manifest = JSON.parse(readFileSync(join(assembly, "manifest.json"), "utf8")) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const bundles: Bundle[] = [];
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    if (artifact.type !== "aws:cloudformation:stack" || !artifact.properties?.templateFile) continue;
    const template = JSON.parse(readFileSync(join(assembly, artifact.properties.templateFile), "utf8")) as Template;
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      if (resource.Type !== "AWS::Lambda::Function") continue;
      const assetPath = resource.Metadata?.["aws:asset:path"];
      if (typeof assetPath !== "string") continue;
      const dir = join(assembly, assetPath);
      if (!existsSync(join(dir, "index.mjs"))) continue;
      const fullName =
        typeof resource.Properties?.FunctionName === "string" ? resource.Properties.FunctionName : logicalId;
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(resource.Properties?.Environment?.Variables ?? {})) {
        // References (table name, queue URL) resolve only at deploy time; any string will do at load time.
        env[name] = typeof value === "string" ? value : `bench-${name.toLowerCase()}`;
      }
      env.AWS_LAMBDA_FUNCTION_NAME = fullName;
      const prefix = `policy-credit-${env.STAGE ?? ""}-`;
      bundles.push({ name: fullName.startsWith(prefix) ? fullName.slice(prefix.length) : fullName, dir, env });
    }
  }
  // With several stages synthesized, each function appears once per stack; one copy is enough.
  const byName = new Map(bundles.map((b) => [b.name, b] as const));
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function baselineBundle(): Promise<Bundle> {
  rmSync(BASELINE_OUT, { recursive: true, force: true });
  const { App, Stack } = await import("aws-cdk-lib");
  const { PolicyCreditFunction } = await import("../../infra/constructs/functions.ts");
  const { readSettings } = await import("../../infra/settings.ts");
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, "cdk.json"), "utf8")) as {
    context?: Record<string, unknown>;
  };
  // The CLI turns asset metadata on; a bare App must ask for it to say which folder holds the bundle.
  const app = new App({
    outdir: BASELINE_OUT,
    context: { ...cdkJson.context, "aws:cdk:enable-asset-metadata": true },
  });
  const stack = new Stack(app, "BenchBaseline");
  new PolicyCreditFunction(stack, "Baseline", {
    settings: readSettings(app),
    projectRoot: PROJECT_ROOT,
    name: "ddb-client",
    entry: BASELINE_ENTRY,
    tableActions: [],
    memoryMb: 512,
    timeoutSeconds: 10,
    tableName: "bench",
    tableArn: `arn:aws:dynamodb:${REGION}:000000000000:table/bench`,
    indexArns: [],
  });
  app.synth();
  const [bundle] = functionBundles(BASELINE_OUT);
  if (!bundle) throw new Error(`the baseline synthesized no bundle in ${BASELINE_OUT}`);
  return { ...bundle, name: "baseline (ddb-client)" };
}

function sizeOf(bundle: Bundle): number {
  return statSync(join(bundle.dir, "index.mjs")).size;
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

async function importTiming(bundle: Bundle): Promise<Timing> {
  const env = {
    PATH: process.env.PATH ?? "",
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    LAMBDA_TASK_ROOT: bundle.dir,
    ...bundle.env,
  };
  const url = pathToFileURL(join(bundle.dir, "index.mjs")).href;
  const out = await run(process.execPath, ["--input-type=module", "-e", TIMER, url], bundle.dir, env);
  try {
    return JSON.parse(out) as Timing;
  } catch {
    throw new Error(`${bundle.name}: the import timer printed ${JSON.stringify(out.slice(0, 200))}`);
  }
}

function run(command: string, args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      // The project's node first, so `npx cdk` and the app it runs use the same Node as this process.
      env: env ?? { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    child.once("error", fail);
    child.once("exit", (code) => {
      if (code === 0) done(stdout);
      else fail(new Error(`${command} ${args.slice(0, 3).join(" ")} exited with ${code}: ${stderr.trim()}`));
    });
  });
}
