import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** One printed line: a measurement, what it is compared with, and whether it meets its target. */
export type Line = {
  section: string;
  name: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  baselineUnit?: string;
  /** value / baseline, or null when there is no baseline to divide by. */
  ratio: number | null;
  target: string;
  /** null only for a section that crashed before it could measure. */
  pass: boolean | null;
  note?: string;
  /** Further figures for the JSON only. */
  detail?: Record<string, unknown>;
};

export function ratioOf(value: number, baseline: number): number | null {
  return baseline > 0 ? value / baseline : null;
}

export function median(values: number[]): number {
  return quantile(values, 0.5);
}

/** Nearest-rank quantile: the smallest sample with at least q of the samples at or below it. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

function formatNumber(value: number | null, unit = ""): string {
  if (value === null || Number.isNaN(value)) return "—";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const text = value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit ? `${text} ${unit}` : text;
}

export function formatTable(lines: Line[]): string {
  const rows = lines.map((l) => [
    l.name,
    formatNumber(l.value, l.unit),
    formatNumber(l.baseline, l.baselineUnit ?? l.unit),
    l.ratio === null ? "—" : `${formatNumber(l.ratio)}×`,
    l.target,
    l.pass === null ? "ERROR" : l.pass ? "PASS" : "FAIL",
  ]);
  const header = ["name", "measured", "baseline", "ratio", "target", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [render(header), widths.map((w) => "-".repeat(w)).join("  ")];
  let section = "";
  for (const [i, row] of rows.entries()) {
    const line = lines[i]!;
    if (line.section !== section && section !== "") out.push("");
    section = line.section;
    out.push(render(row).trimEnd());
  }
  const notes = lines.filter((l) => l.note).map((l) => `  ${l.name}: ${l.note}`);
  if (notes.length > 0) out.push("", "notes:", ...notes);
  return out.join("\n");
}

export function writeJson(file: string, payload: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
}

/** A line for a section that threw: the run goes on, the table shows what broke, the exit code says so. */
export function crashedLine(section: string, error: unknown): Line {
  const message = error instanceof Error ? error.message : String(error);
  return {
    section,
    name: `${section}: crashed`,
    value: null,
    unit: "",
    baseline: null,
    ratio: null,
    target: "runs",
    pass: null,
    note: message.split("\n").slice(0, 6).join(" | "),
  };
}
