import { monthOf } from "../domain/dates.ts";
import { communeMonthPartition, groupMonthKey } from "./aggregates.ts";
import { hydrate, type Item, queryAll } from "./items.ts";
import { keys } from "./keys.ts";
import { loanFromItem } from "./loans.ts";

export type ProgramLine = {
  programCode: string;
  borrowers: number;
  outstandingVnd: number;
  overdueVnd: number;
  /** Overdue / outstanding in basis points (1234 = 12.34%), rounded down. */
  overdueRatioBps: number;
  interestCollectedVnd: number;
  principalRepaidVnd: number;
  disbursedVnd: number;
};

function line(programCode: string): ProgramLine {
  return {
    programCode,
    borrowers: 0,
    outstandingVnd: 0,
    overdueVnd: 0,
    overdueRatioBps: 0,
    interestCollectedVnd: 0,
    principalRepaidVnd: 0,
    disbursedVnd: 0,
  };
}

function ratio(overdue: number, outstanding: number): number {
  return outstanding > 0 ? Number((BigInt(overdue) * 10_000n) / BigInt(outstanding)) : 0;
}

export type ScopeLevel = "PROVINCE" | "DISTRICT" | "COMMUNE" | "GROUP";
export function levelOf(scope: string): ScopeLevel {
  return (["PROVINCE", "DISTRICT", "COMMUNE", "GROUP"] as const)[scope.split("/").length - 1]!;
}

/** Districts of a province, from the org tree. */
async function districtsOf(province: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of queryAll({ index: "GSI1", partition: keys.orgChildren(province) })) {
    for (const node of page.items) if (node.level === "DISTRICT") out.push(node.path as string);
  }
  return out;
}

/** The district partitions a province, district or commune scope reads, and the commune filter. */
export async function scopeDistricts(scope: string): Promise<{ districts: string[]; communePrefix?: string }> {
  const parts = scope.split("/");
  const level = levelOf(scope);
  const districts = level === "PROVINCE" ? await districtsOf(parts[0]!) : [`${parts[0]}/${parts[1]}`];
  return level === "COMMUNE" ? { districts, communePrefix: `${parts[2]}#` } : { districts };
}

/**
 * Portfolio by program for a province, district, commune or group, read from the aggregates the
 * postings and jobs keep: a district costs O(communes × programs) items, never one per loan. A group
 * is read from its book, O(members).
 */
export async function portfolio(scope: string, asOf: string) {
  const month = monthOf(asOf);
  const lines = new Map<string, ProgramLine>();
  const get = (code: string) => lines.get(code) ?? lines.set(code, line(code)).get(code)!;
  let itemsRead = 0;
  let households = 0;
  const addBalances = (item: Item) => {
    if (item.type === "AGG_HOUSEHOLDS") {
      households += (item.households as number) ?? 0;
      return;
    }
    const l = get(item.programCode as string);
    l.borrowers += (item.borrowers as number) ?? 0;
    l.outstandingVnd += (item.outstandingVnd as number) ?? 0;
    l.overdueVnd += (item.overdueVnd as number) ?? 0;
  };
  const addFlows = (item: Item) => {
    const l = get(item.programCode as string);
    l.interestCollectedVnd += (item.interestCollectedVnd as number) ?? 0;
    l.principalRepaidVnd += (item.principalRepaidVnd as number) ?? 0;
    l.disbursedVnd += (item.disbursedVnd as number) ?? 0;
  };
  const level = levelOf(scope);
  if (level === "GROUP") {
    const groupId = scope.split("/")[3]!;
    const members = new Set<string>();
    for await (const page of queryAll({ index: "GSI2", partition: keys.groupBook(groupId) })) {
      const items = await hydrate(page.items);
      itemsRead += items.length;
      for (const item of items) {
        if (item.type !== "LOAN") continue;
        const loan = loanFromItem(item);
        if (!["ACTIVE", "OVERDUE", "FROZEN"].includes(loan.status)) continue;
        members.add(loan.memberId);
        addBalances({
          programCode: loan.programCode,
          borrowers: 1,
          outstandingVnd: loan.outstandingPrincipalVnd,
          overdueVnd: loan.overduePrincipalVnd,
        });
      }
    }
    households = members.size;
    const prefix = groupMonthKey(groupId, month, "").SK;
    for await (const page of queryAll({ partition: `GROUPMONTH#${groupId}`, skPrefix: prefix })) {
      itemsRead += page.items.length;
      page.items.forEach(addFlows);
    }
  } else {
    const { districts, communePrefix } = await scopeDistricts(scope);
    for (const district of districts) {
      for await (const page of queryAll({
        partition: `AGG#${district}`,
        ...(communePrefix ? { skPrefix: communePrefix } : {}),
      })) {
        itemsRead += page.items.length;
        page.items.forEach(addBalances);
      }
      for await (const page of queryAll({
        partition: communeMonthPartition(district, month),
        ...(communePrefix ? { skPrefix: communePrefix } : {}),
      })) {
        itemsRead += page.items.length;
        page.items.forEach(addFlows);
      }
    }
  }
  const programs = [...lines.values()]
    .map((l) => ({ ...l, overdueRatioBps: ratio(l.overdueVnd, l.outstandingVnd) }))
    .sort((a, b) => a.programCode.localeCompare(b.programCode));
  const totals = programs.reduce(
    (t, l) => ({
      borrowers: t.borrowers + l.borrowers,
      outstandingVnd: t.outstandingVnd + l.outstandingVnd,
      overdueVnd: t.overdueVnd + l.overdueVnd,
      interestCollectedVnd: t.interestCollectedVnd + l.interestCollectedVnd,
    }),
    { borrowers: 0, outstandingVnd: 0, overdueVnd: 0, interestCollectedVnd: 0 },
  );
  // Per program, borrowers counts active loans; the total counts households, each once.
  return {
    scope,
    level,
    asOf,
    month,
    programs,
    totals: { ...totals, borrowers: households, overdueRatioBps: ratio(totals.overdueVnd, totals.outstandingVnd) },
    itemsRead,
  };
}
