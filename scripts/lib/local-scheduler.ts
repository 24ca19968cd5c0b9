import { JOB_SCHEDULES } from "../../shared/jobs/functions.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";

/** The same times the EventBridge schedules use, on the Vietnamese wall clock (UTC+7, no DST). */
export const LOCAL_SCHEDULE = JOB_SCHEDULES;

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
  const arm = (entry: (typeof LOCAL_SCHEDULE)[number]) => {
    const timer = setTimeout(
      async () => {
        try {
          const s = await runJobInProcess(entry.job);
          log(
            `[job] ${entry.job} ${s.businessDate}: seen ${s.seen}, updated ${s.updated}, skipped ${s.skipped}, failed ${s.failed}, ${s.durationMs} ms`,
          );
        } catch (error) {
          log(`[job] ${entry.job} failed: ${(error as Error).message}`);
        }
        arm(entry);
      },
      msUntil(entry.hour, entry.minute, new Date()),
    );
    timer.unref();
    timers.push(timer);
  };
  for (const entry of LOCAL_SCHEDULE) arm(entry);
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
