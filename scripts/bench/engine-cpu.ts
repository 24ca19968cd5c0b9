import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * The engine's process, found by the port it serves on, so the bench can tell the engine's share of a
 * job's time from the client's. Linux only; elsewhere the figures are simply left out.
 */
export function enginePid(endpoint: string): number | undefined {
  const port = new URL(endpoint).port;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let args: string[];
      try {
        args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      } catch {
        continue;
      }
      const at = args.indexOf("--port");
      if (args[0]?.endsWith("dynoxide") && at !== -1 && args[at + 1] === port) return Number(entry);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** User plus system CPU seconds the process has used so far. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
