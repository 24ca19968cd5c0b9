/**
 * A shard page whose loans all sit in different communes: the page's journal has one entry per loan,
 * and the page still commits in one transaction (DynamoDB allows 100 items in one), however large a
 * page the caller asks for.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PROGRAMS } from "../../shared/domain/index.ts";
import {
  disbursedLoan,
  journalTotal,
  loanItem,
  putAll,
  readJournal,
  readLoanItems,
  runNight,
  useFreshTable,
} from "./support.ts";

process.env.JOB_SHARDS = "1";

const LOANS = 150;
const NIGHT = "2025-11-03";

describe("a page of loans from as many communes as loans", () => {
  beforeAll(async () => {
    await useFreshTable("wide-page");
    await putAll(
      Array.from({ length: LOANS }, (_, i) => {
        const spec = {
          loanId: `L-W${String(i).padStart(4, "0")}`,
          memberId: `M-W${i}`,
          program: PROGRAMS.POOR,
          principalVnd: 20_000_000 + i * 1_000,
          termMonths: 36,
          installmentMonths: 6,
          disbursedOn: "2025-10-01",
          communePath: `DB/WIDE/C-${String(i).padStart(3, "0")}`,
        };
        return loanItem(disbursedLoan(spec), spec.communePath);
      }),
    );
  });

  it("accrues every loan and journals each commune once, with no page refused", async () => {
    const night = await runNight(NIGHT, { pageSize: 500 });
    expect(night.accrual).toMatchObject({ updated: LOANS, failed: 0, deadLetters: 0 });
    expect(night.overdue).toMatchObject({ failed: 0, deadLetters: 0 });

    const loans = [...(await readLoanItems()).values()];
    expect(loans).toHaveLength(LOANS);
    for (const loan of loans) expect(loan.interestAccruedThrough).toBe(NIGHT);
    const journal = await readJournal();
    expect(journal.size).toBe(LOANS);
    const accrued = loans.reduce((sum, loan) => sum + BigInt(loan.accruedUnits as string), 0n);
    expect(journalTotal(journal)).toBe(accrued);
  });
});
