import { unmarshall } from "@aws-sdk/util-dynamodb";
import { db, tableNameFromEnv } from "../db/client.ts";
import type { Item } from "../db/items.ts";
import { keys } from "../db/keys.ts";
import { loanFromItem } from "../db/loans.ts";
import { isStoreError, UpdateCommand } from "../db/store.ts";
import { accrue } from "../domain/accrual.ts";
import { isAfter } from "../domain/dates.ts";
import { encodeUnits } from "../domain/money.ts";
import { addToJournal, type JournalDelta, journalWrites } from "./journal.ts";
import { programCache } from "./programs.ts";
import type { PageWork } from "./shard-runner.ts";

const MAX_ATTEMPTS = 4;

/** Nights of accrual a loan remembers: a stuck shard redriven within this many nights journals exactly. */
export const RECENT_ACCRUALS_KEPT = 8;

type RecentAccrual = { date: string; from: string; inTermUnits: string; overdueUnits: string };

function recentAccruals(item: Item): RecentAccrual[] {
  return (item.recentAccruals as RecentAccrual[] | undefined) ?? [];
}

/**
 * Nightly accrual: each loan's exact interest moves from interestAccruedThrough to the business date
 * in ONE conditional UpdateItem. The condition (version and accrued-through unchanged) makes a second
 * run for the date a no-op and loses no concurrent payment. Missed nights are caught up in the same
 * update, rate changes and overdue days included, because the engine accrues ranges exactly.
 */
export function accrualWork(businessDate: string, programs = programCache()): () => PageWork {
  return () => {
    const journal: JournalDelta = new Map();
    return {
      perLoan: async (listed: Item) => {
        let current = listed;
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const loan = loanFromItem(current);
          const through = loan.interestAccruedThrough;
          if (!through || !isAfter(businessDate, through)) {
            // Already accrued: if this run's interrupted page did it, its journal entry is still owed. The
            // loan keeps its last few nightly accruals, so a shard redriven after later nights ran still
            // journals its own night.
            const last = recentAccruals(current).find((a) => a.date === businessDate);
            if (last) {
              addToJournal(journal, current.communePath as string, loan.programCode, {
                inTermUnits: BigInt(last.inTermUnits),
                overdueUnits: BigInt(last.overdueUnits),
              });
              // Its first count was lost with the page, so the run's totals count it here.
              return "updated";
            }
            return "skipped";
          }
          const program = await programs(loan.programCode);
          const { loan: next, added } = accrue(loan, program, businessDate);
          try {
            await db().send(
              new UpdateCommand({
                TableName: tableNameFromEnv(),
                Key: keys.loan(loan.loanId),
                UpdateExpression:
                  "SET accruedUnits = :units, interestAccruedThrough = :through, recentAccruals = :recent, #v = #v + :one",
                ConditionExpression: "#v = :v AND interestAccruedThrough = :from",
                ExpressionAttributeNames: { "#v": "version" },
                ExpressionAttributeValues: {
                  ":units": encodeUnits(next.accruedUnits),
                  ":through": businessDate,
                  ":recent": [
                    ...recentAccruals(current).slice(-(RECENT_ACCRUALS_KEPT - 1)),
                    {
                      date: businessDate,
                      from: through,
                      inTermUnits: encodeUnits(added.inTermUnits),
                      overdueUnits: encodeUnits(added.overdueUnits),
                    },
                  ],
                  ":one": 1,
                  ":v": current.version,
                  ":from": through,
                },
                ReturnValuesOnConditionCheckFailure: "ALL_OLD",
              }),
            );
            addToJournal(journal, current.communePath as string, loan.programCode, added);
            return "updated";
          } catch (error) {
            // The index copy was stale or a payment got in first: carry on from the item as it is now.
            if (!isStoreError(error, "ConditionalCheckFailedException") || !error.Item) throw error;
            current = unmarshall(error.Item as never);
          }
        }
        throw new Error(`loan ${listed.loanId as string} kept changing during accrual`);
      },
      pageWrites: () => journalWrites(businessDate, journal),
    };
  };
}
