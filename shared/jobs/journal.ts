import type { ItemKey } from "../db/keys.ts";
import type { TransactItem } from "../db/write.ts";
import type { InterestSplit } from "../domain/interest.ts";

/**
 * The daily accrual journal: interest recognised per business date, program and commune, split into
 * in-term and overdue parts, in exact units (1/ACCRUAL_DENOMINATOR đồng). DynamoDB adds the bigint
 * deltas server-side with 38 digits of precision, so the totals stay exact.
 */
export const journalKey = (businessDate: string, communePath: string, programCode: string): ItemKey => ({
  PK: `JOURNAL#${businessDate}`,
  SK: `${communePath}#${programCode}`,
});

export type JournalDelta = Map<
  string,
  { communePath: string; programCode: string; split: InterestSplit; loans: number }
>;

export function addToJournal(
  delta: JournalDelta,
  communePath: string,
  programCode: string,
  split: InterestSplit,
  loans = 1,
) {
  const key = `${communePath}#${programCode}`;
  const entry = delta.get(key);
  if (entry) {
    entry.split = {
      inTermUnits: entry.split.inTermUnits + split.inTermUnits,
      overdueUnits: entry.split.overdueUnits + split.overdueUnits,
    };
    entry.loans += loans;
  } else delta.set(key, { communePath, programCode, split, loans });
}

export function journalWrites(businessDate: string, delta: JournalDelta): TransactItem[] {
  const writes: TransactItem[] = [];
  for (const entry of delta.values()) {
    if (entry.split.inTermUnits === 0n && entry.split.overdueUnits === 0n && entry.loans === 0) continue;
    writes.push({
      Update: {
        Key: journalKey(businessDate, entry.communePath, entry.programCode),
        UpdateExpression:
          "SET #type = :type, businessDate = :date, communePath = :commune, programCode = :program ADD inTermUnits :inTerm, overdueUnits :overdue, loans :loans",
        ExpressionAttributeNames: { "#type": "type" },
        ExpressionAttributeValues: {
          ":type": "JOURNAL",
          ":date": businessDate,
          ":commune": entry.communePath,
          ":program": entry.programCode,
          ":inTerm": entry.split.inTermUnits,
          ":overdue": entry.split.overdueUnits,
          ":loans": entry.loans,
        },
      },
    });
  }
  return writes;
}

/** One posting's own accrual (catch-up or taken back) as journal writes, for the posting's transaction. */
export function postingJournalWrites(
  businessDate: string,
  communePath: string,
  programCode: string,
  split: InterestSplit,
) {
  const delta: JournalDelta = new Map();
  addToJournal(delta, communePath, programCode, split, 0);
  return journalWrites(businessDate, delta);
}
