/**
 * Accrual and the overdue transfer close a business date; a date that has not ended in Vietnam must
 * never be closed, or a payment made later that day would find its interest already booked.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { handler } from "../../functions/jobs/dispatcher.ts";
import { addDays, type BusinessDate } from "../../shared/domain/index.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";
import { dispatch, JobRefused } from "../../shared/jobs/run-job.ts";
import { readRun } from "../../shared/jobs/runs.ts";
import type { ShardMessage } from "../../shared/jobs/types.ts";
import { businessDateInVietnam } from "../../shared/time.ts";
import { portfolio, portfolioItems, putAll, readLoanItems, useFreshTable, vietnamTime } from "./support.ts";

process.env.JOB_SHARDS = "4";

/** A queue that keeps what it is given, as SQS would. */
function memoryQueue() {
  const messages: ShardMessage[] = [];
  return { messages, send: async (batch: ShardMessage[]) => void messages.push(...batch) };
}

const DAY: BusinessDate = "2025-03-10";

describe("the dispatcher", () => {
  beforeAll(async () => {
    await useFreshTable("dispatcher");
    await putAll(portfolioItems(portfolio(8, "2025-03-20", "L-D")));
  });

  it("refuses to accrue or classify today, as the Vietnamese clock has it", async () => {
    const today = businessDateInVietnam();
    for (const job of ["accrue-interest", "classify-overdue"] as const) {
      await expect(handler({ job, businessDate: today })).rejects.toThrow(/not over yet/);
      await expect(handler({ job, businessDate: addDays(today, 30) })).rejects.toThrow(/not over yet/);
      expect(await readRun(job, today)).toBeUndefined();
    }
  });

  it("still refuses a day at 23:59 in Vietnam, and accepts it from midnight, whatever the UTC date", async () => {
    const queue = memoryQueue();
    // 16:59 UTC is 23:59 in Vietnam: the day is not over, though the UTC clock has hours of it left too.
    await expect(
      dispatch({ job: "accrue-interest", businessDate: DAY }, queue, vietnamTime(DAY, "23:59")),
    ).rejects.toBeInstanceOf(JobRefused);
    // 17:00 UTC on the same UTC date is 00:00 the next day in Vietnam.
    const accepted = await dispatch(
      { job: "accrue-interest", businessDate: DAY },
      queue,
      vietnamTime(addDays(DAY, 1), "00:00"),
    );
    expect(accepted).toMatchObject({ businessDate: DAY, shards: 4, dispatched: 4 });
    expect(queue.messages.map((m) => m.shard)).toEqual([0, 1, 2, 3]);
  });

  it("closes yesterday when no date is given", async () => {
    const queue = memoryQueue();
    const result = await dispatch({ job: "classify-overdue" }, queue, vietnamTime("2025-03-12", "00:45"));
    expect(result.businessDate).toBe("2025-03-11");
  });

  it("accrues nothing for a refused date when run in-process", async () => {
    const before = await readLoanItems();
    await expect(
      runJobInProcess("accrue-interest", { businessDate: "2025-03-15", now: () => vietnamTime("2025-03-15", "12:00") }),
    ).rejects.toBeInstanceOf(JobRefused);
    expect(await readLoanItems()).toEqual(before);
  });

  it("refuses a business date that is not a calendar date, rather than run a night that never was", async () => {
    for (const businessDate of ["2025-02-30", "2025-3-1", "1"]) {
      await expect(
        dispatch({ job: "accrue-interest", businessDate }, memoryQueue(), vietnamTime(DAY, "12:00")),
      ).rejects.toBeInstanceOf(JobRefused);
      expect(await readRun("accrue-interest", businessDate)).toBeUndefined();
    }
    // A number where a date belongs must not quietly become "yesterday".
    await expect(handler({ job: "accrue-interest", businessDate: 20250310 })).rejects.toBeInstanceOf(JobRefused);
  });
});
