import { problems } from "../http/problem.ts";
import { db, tableNameFromEnv } from "./client.ts";
import type { Item } from "./items.ts";
import type { ItemKey } from "./keys.ts";
import { BatchGetCommand } from "./store.ts";
import type { TransactItem } from "./write.ts";

/**
 * Local credit plans: per commune, program and year, how much capital the commune may have out. The
 * usage counter moves with every disbursement and principal repayment in the same transaction, so the
 * quota check on disbursement is exact and the report reads one item per commune and program.
 * Capital revolves: repaid principal is available to lend again.
 */
const partition = (communePath: string, year: number) => `PLAN#${communePath}#${year}`;
export const planCurrentKey = (communePath: string, year: number, programCode: string): ItemKey => ({
  PK: partition(communePath, year),
  SK: `${programCode}#CURRENT`,
});
export const planUsageKey = (communePath: string, year: number, programCode: string): ItemKey => ({
  PK: partition(communePath, year),
  SK: `${programCode}#USAGE`,
});
export const planVersionKey = (communePath: string, year: number, programCode: string, version: number): ItemKey => ({
  PK: `PLANV#${communePath}#${year}`,
  SK: `${programCode}#V${String(version).padStart(4, "0")}`,
});
export const planPartition = partition;

export type Usage = { disbursedVnd: number; repaidVnd: number };

export function usageOf(item: Item | undefined): Usage {
  return { disbursedVnd: (item?.disbursedVnd as number) ?? 0, repaidVnd: (item?.repaidVnd as number) ?? 0 };
}

export function figures(planVnd: number | null, usage: Usage) {
  const usedVnd = usage.disbursedVnd - usage.repaidVnd;
  return {
    planVnd,
    disbursedVnd: usage.disbursedVnd,
    repaidVnd: usage.repaidVnd,
    availableVnd: planVnd === null ? null : planVnd - usedVnd,
    utilisationBps: planVnd ? Number((BigInt(Math.max(usedVnd, 0)) * 10_000n) / BigInt(planVnd)) : null,
  };
}

/** A repayment (or its reversal, negative) returns capital to the commune's pool for that year. */
export function repaymentUsageWrite(
  communePath: string,
  programCode: string,
  paidOn: string,
  principalVnd: number,
): TransactItem[] {
  if (principalVnd === 0) return [];
  return [
    {
      Update: {
        Key: planUsageKey(communePath, Number(paidOn.slice(0, 4)), programCode),
        UpdateExpression:
          "SET #t = :t, communePath = :c, programCode = :p, disbursedVnd = if_not_exists(disbursedVnd, :zero) ADD repaidVnd :r",
        ExpressionAttributeNames: { "#t": "type" },
        ExpressionAttributeValues: {
          ":t": "PLAN_USAGE",
          ":c": communePath,
          ":p": programCode,
          ":r": principalVnd,
          ":zero": 0,
        },
      },
    },
  ];
}

export async function readQuota(communePath: string, programCode: string, year: number) {
  const got = await db().send(
    new BatchGetCommand({
      RequestItems: {
        [tableNameFromEnv()]: {
          Keys: [planCurrentKey(communePath, year, programCode), planUsageKey(communePath, year, programCode)],
          ConsistentRead: true,
        },
      },
    }),
  );
  const items = got.Responses?.[tableNameFromEnv()] ?? [];
  const plan = items.find((i) => String(i.SK).endsWith("#CURRENT"));
  const usage = items.find((i) => String(i.SK).endsWith("#USAGE"));
  return { plan, usage };
}

export type PlanOverride = { sub: string; role: string; reason: string };

/**
 * The disbursement's quota writes: the usage counter moves under a condition on what was read, so two
 * disbursements racing for the last of a quota cannot both pass. Without a plan, nothing is refused.
 */
export function quotaWrites(options: {
  communePath: string;
  programCode: string;
  year: number;
  principalVnd: number;
  plan: Item | undefined;
  usage: Item | undefined;
  override?: PlanOverride | undefined;
}): { writes: TransactItem[]; overridden: boolean } {
  const { communePath, programCode, year, principalVnd, plan, usage, override } = options;
  const current = usageOf(usage);
  let overridden = false;
  if (plan) {
    const available = (plan.planVnd as number) - (current.disbursedVnd - current.repaidVnd);
    if (principalVnd > available) {
      if (!override) {
        throw problems.unprocessable(
          "CREDIT_PLAN_EXCEEDED",
          `Disbursing ${principalVnd} would exceed the ${year} ${programCode} plan of ${communePath} by ${principalVnd - available}.`,
          {
            plan: { communePath, programCode, year, version: plan.version, planVnd: plan.planVnd },
            availableVnd: available,
            requestedVnd: principalVnd,
            shortfallVnd: principalVnd - available,
          },
        );
      }
      overridden = true;
    }
  }
  const guard = usage
    ? {
        ConditionExpression: "disbursedVnd = :d0 AND repaidVnd = :r0",
        values: { ":d0": current.disbursedVnd, ":r0": current.repaidVnd },
      }
    : { ConditionExpression: "attribute_not_exists(PK)", values: {} };
  const writes: TransactItem[] = [
    {
      Update: {
        Key: planUsageKey(communePath, year, programCode),
        UpdateExpression: usage
          ? "SET #t = :t, communePath = :c, programCode = :p ADD disbursedVnd :d"
          : "SET #t = :t, communePath = :c, programCode = :p, repaidVnd = :zero ADD disbursedVnd :d",
        ConditionExpression: guard.ConditionExpression,
        ExpressionAttributeNames: { "#t": "type" },
        ExpressionAttributeValues: {
          ":t": "PLAN_USAGE",
          ":c": communePath,
          ":p": programCode,
          ":d": principalVnd,
          ...(usage ? {} : { ":zero": 0 }),
          ...guard.values,
        },
      },
    },
  ];
  if (plan) {
    writes.push({
      ConditionCheck: {
        Key: planCurrentKey(communePath, year, programCode),
        ConditionExpression: "#v = :v",
        ExpressionAttributeNames: { "#v": "version" },
        ExpressionAttributeValues: { ":v": plan.version },
      },
    });
  }
  return { writes, overridden };
}
