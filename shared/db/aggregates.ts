import { InvariantViolation } from "../domain/errors.ts";
import type { Item } from "./items.ts";
import { keys } from "./keys.ts";
import { communeParts } from "./org.ts";
import type { TransactItem } from "./write.ts";

/**
 * Portfolio aggregates move in the same transaction as the posting or job step that moves them.
 * Every change is an ADD, which commutes, so concurrent postings in one commune never read them first.
 *
 * - per commune and program: borrowers, outstanding and overdue principal (current balances);
 * - per commune, program, month and entrusted organisation: disbursed, principal repaid and interest
 *   collected (flows), for the portfolio, credit plans and entrustment-fee statements;
 * - per group, month and program: the same flows, for the group leader's commission statement.
 */
export type BalanceDelta = { borrowers?: number; outstandingVnd?: number; overdueVnd?: number };
export type FlowDelta = {
  disbursedVnd?: number;
  principalRepaidVnd?: number;
  interestCollectedVnd?: number;
  payments?: number;
};

export const groupMonthKey = (groupId: string, month: string, programCode: string) => ({
  PK: `GROUPMONTH#${groupId}`,
  SK: `${month}#${programCode}`,
});

/** Month flows live in their own partition per district and month, so a month's report reads only it. */
export const communeMonthPartition = (districtPath: string, month: string) => `AGGM#${districtPath}#${month}`;
export const communeMonthKey = (communePath: string, programCode: string, month: string) => {
  const { districtPath, communeCode } = communeParts(communePath);
  return { PK: communeMonthPartition(districtPath, month), SK: `${communeCode}#${programCode}` };
};

/** Interest collected through one mass organisation's groups: an attribute of the month item, for fee statements. */
export const orgInterestAttribute = (org: string) => `interestCollectedVnd_${org}`;

function addUpdate(
  key: { PK: string; SK: string },
  delta: Record<string, number | undefined>,
  fields: Record<string, unknown>,
): TransactItem | undefined {
  const entries = Object.entries(delta).filter(([, v]) => v !== undefined && v !== 0) as [string, number][];
  if (entries.length === 0) return undefined;
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(fields).map(([k, v]) => {
    names[`#s_${k}`] = k;
    values[`:s_${k}`] = v;
    return `#s_${k} = :s_${k}`;
  });
  const adds = entries.map(([k, v]) => {
    names[`#a_${k}`] = k;
    values[`:a_${k}`] = v;
    return `#a_${k} :a_${k}`;
  });
  return {
    Update: {
      Key: key,
      UpdateExpression: `SET ${sets.join(", ")} ADD ${adds.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

export function aggregateWrites(
  loanItem: Item,
  programCode: string,
  balances: BalanceDelta,
  flows?: { month: string; delta: FlowDelta },
): TransactItem[] {
  const communePath = loanItem.communePath as string;
  const org = (loanItem.entrustedOrg as string | undefined) ?? "UNKNOWN";
  const { districtPath, communeCode } = communeParts(communePath);
  const base = { communePath, communeCode, programCode };
  const writes = [
    addUpdate(keys.aggregate(districtPath, communeCode, programCode), balances, { ...base, type: "AGG" }),
  ];
  if (flows) {
    writes.push(
      addUpdate(
        communeMonthKey(communePath, programCode, flows.month),
        { ...flows.delta, [orgInterestAttribute(org)]: flows.delta.interestCollectedVnd },
        { ...base, type: "AGG_MONTH", month: flows.month },
      ),
      addUpdate(groupMonthKey(loanItem.groupId as string, flows.month, programCode), flows.delta, {
        type: "GROUP_MONTH",
        groupId: loanItem.groupId,
        communePath,
        month: flows.month,
        programCode,
      }),
    );
  }
  return writes.filter((w): w is TransactItem => w !== undefined);
}

/** Households with at least one active loan, per commune: a household borrowing from two programs counts once. */
export const householdsKey = (communePath: string) => {
  const { districtPath, communeCode } = communeParts(communePath);
  return { PK: `AGG#${districtPath}`, SK: `${communeCode}#ALL` };
};

/**
 * A loan starting (+1) or ending (−1) for its household. The member item counts the household's active
 * loans under a condition on the count read, and the commune's household total moves only when that
 * count leaves or reaches zero.
 */
export function householdWrites(member: Item, change: 1 | -1, communePath: string): TransactItem[] {
  const before = (member.activeLoans as number | undefined) ?? 0;
  const after = before + change;
  if (after < 0)
    throw new InvariantViolation("a household's active loans would go below zero", {
      memberId: member.memberId as string,
    });
  const writes: TransactItem[] = [
    {
      Update: {
        Key: keys.member(member.memberId as string),
        UpdateExpression: "SET activeLoans = :after",
        ConditionExpression:
          before === 0 ? "attribute_not_exists(activeLoans) OR activeLoans = :before" : "activeLoans = :before",
        ExpressionAttributeValues: { ":after": after, ":before": before },
      },
    },
  ];
  if ((before === 0) !== (after === 0)) {
    const { communeCode } = communeParts(communePath);
    const update = addUpdate(
      householdsKey(communePath),
      { households: change },
      { type: "AGG_HOUSEHOLDS", communePath, communeCode },
    );
    if (update) writes.push(update);
  }
  return writes;
}
