/**
 * Commission to group leaders (on interest they collect) and the entrustment fee to mass
 * organisations: no public figures exist, so both are settings, effective from the first day of a
 * month, overall or per program. A statement month uses the rate in force on its first day.
 */
import type { FeeKind } from "../http/enums.ts";
import { db, tableNameFromEnv } from "./client.ts";
import type { Item } from "./items.ts";
import { QueryCommand } from "./store.ts";

export { FEE_KINDS, type FeeKind } from "../http/enums.ts";

export const FEES_PARTITION = "SETTING#FEES";
export const feeRateKey = (kind: FeeKind, effectiveFrom: string, programCode: string | null) => ({
  PK: FEES_PARTITION,
  SK: `${kind}#${effectiveFrom}#${programCode ?? "ALL"}`,
});

export type FeeRate = {
  kind: FeeKind;
  effectiveFrom: string;
  programCode: string | null;
  rateBps: number;
  setBy: string;
  setAt: string;
};

export async function readFeeRates(): Promise<FeeRate[]> {
  const out: FeeRate[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db().send(
      new QueryCommand({
        TableName: tableNameFromEnv(),
        KeyConditionExpression: "PK = :pk",
        ExpressionAttributeValues: { ":pk": FEES_PARTITION },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) out.push(feeRateView(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

export function feeRateView(item: Item): FeeRate {
  return {
    kind: item.kind as FeeKind,
    effectiveFrom: item.effectiveFrom as string,
    programCode: (item.programCode as string | null) ?? null,
    rateBps: item.rateBps as number,
    setBy: item.setBy as string,
    setAt: item.setAt as string,
  };
}

/** The rate for a program in a month: a program-specific rate wins over the overall one. */
export function rateFor(rates: FeeRate[], kind: FeeKind, programCode: string, month: string): number {
  const first = `${month}-01`;
  const pick = (program: string | null) =>
    rates
      .filter((r) => r.kind === kind && r.programCode === program && r.effectiveFrom <= first)
      .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? 1 : -1))[0];
  return (pick(programCode) ?? pick(null))?.rateBps ?? 0;
}

/** Amount × bps, rounded half up to whole đồng once per statement line. */
export function feeOf(amountVnd: number, rateBps: number): number {
  const product = BigInt(amountVnd) * BigInt(rateBps);
  return Number((product * 2n + 10_000n) / 20_000n);
}
