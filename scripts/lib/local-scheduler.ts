import { checkAggregates } from "../../shared/jobs/aggregate-check.ts";
import { AGGREGATE_CHECK_AT, JOB_SCHEDULES } from "../../shared/jobs/functions.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";

type LocalTask = { name: string; hour: number; minute: number; run: () => Promise<string> };

/** The same times the EventBridge schedules use, on the Vietnamese wall clock (UTC+7, no DST). */
export const LOCAL_SCHEDULE: LocalTask[] = [
  ...JOB_SCHEDULES.map((entry) => ({
    name: entry.job,
    hour: entry.hour,
    minute: entry.minute,
    run: async () => {
      const s = await runJobInProcess(entry.job);
      return `${s.businessDate}: seen ${s.seen}, updated ${s.updated}, skipped ${s.skipped}, failed ${s.failed}, ${s.durationMs} ms`;
    },
  })),
  {
    name: "check-aggregates",
    ...AGGREGATE_CHECK_AT,
    run: async () => {
      const r = await checkAggregates();
      return `${r.loans} active loans, ${r.differences.length} differences`;
    },
  },
];

function msUntil(hour: number, minute: number, now: Date): number {
  const vietnamMs = now.getTime() + 7 * 3600_000;
  const day = Math.floor(vietnamMs / 86_400_000) * 86_400_000;
  let target = day + (hour * 60 + minute) * 60_000;
  if (target <= vietnamMs) target += 86_400_000;
  return target - vietnamMs;
}

/** Runs the jobs in-process on the local clock while `npm start` is up. */
export function startLocalScheduler(log: (line: string) => void): () => void {
  const timers: NodeJS.Timeout[] = [];
  const arm = (task: LocalTask) => {
    const timer = setTimeout(
      async () => {
        try {
          log(`[job] ${task.name} ${await task.run()}`);
        } catch (error) {
          log(`[job] ${task.name} failed: ${(error as Error).message}`);
        }
        arm(task);
      },
      msUntil(task.hour, task.minute, new Date()),
    );
    timer.unref();
    timers.push(timer);
  };
  for (const task of LOCAL_SCHEDULE) arm(task);
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
