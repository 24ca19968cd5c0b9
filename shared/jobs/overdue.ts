import { aggregateWrites } from "../db/aggregates.ts";
import { db, tableNameFromEnv } from "../db/client.ts";
import type { Item } from "../db/items.ts";
import { keys } from "../db/keys.ts";
import { loanFromItem, putLoan } from "../db/loans.ts";
import { GetCommand, TransactWriteCommand } from "../db/store.ts";
import { classifyOverdue } from "../domain/overdue.ts";
import type { PageWork } from "./shard-runner.ts";

const MAX_ATTEMPTS = 4;

/**
 * Overdue transfer: the unpaid part of installments due on or before the business date becomes
 * overdue principal, and the commune's portfolio aggregate moves in the same transaction. Loans with
 * nothing falling due are left untouched, so a re-run (or a quiet night) writes nothing.
 */
export function overdueWork(businessDate: string): () => PageWork {
  return () => ({
    perLoan: async (listed: Item) => {
      let current: Item | undefined = listed;
      for (let attempt = 0; attempt < MAX_ATTEMPTS && current; attempt++) {
        const loan = loanFromItem(current);
        const { loan: next, overdueDeltaVnd } = classifyOverdue(loan, businessDate);
        if (overdueDeltaVnd === 0 && next.status === loan.status) {
          // Moved for this date already: by this run's own page before it was interrupted, whose first
          // count was lost with the page.
          return current.overdueMovedFor === businessDate ? "updated" : "skipped";
        }
        const writes = [
          putLoan(next, current, { overdueMovedFor: businessDate }),
          ...aggregateWrites(current, loan.programCode, { overdueVnd: overdueDeltaVnd }),
        ];
        try {
          await db().send(
            new TransactWriteCommand({
              TransactItems: writes.map((w) => {
                const [kind, body] = Object.entries(w)[0] as [string, Record<string, unknown>];
                return { [kind]: { ...body, TableName: tableNameFromEnv() } };
              }) as never,
            }),
          );
          return "updated";
        } catch (error) {
          const name = (error as Error).name;
          if (name !== "TransactionCanceledException" && name !== "TransactionConflictException") throw error;
          const fresh = await db().send(
            new GetCommand({ TableName: tableNameFromEnv(), Key: keys.loan(loan.loanId), ConsistentRead: true }),
          );
          current = fresh.Item;
        }
      }
      throw new Error(`loan ${listed.loanId as string} kept changing during overdue classification`);
    },
    pageWrites: () => [],
  });
}
