import { db, tableNameFromEnv } from "../db/client.ts";
import { hydrate, queryAll } from "../db/items.ts";
import { keys } from "../db/keys.ts";
import { shardCount } from "../db/loans.ts";
import { communeParts } from "../db/org.ts";
import { QueryCommand } from "../db/store.ts";
import { logger } from "../log/logger.ts";
import { count } from "../log/metrics.ts";

type Figures = { borrowers: number; outstandingVnd: number; overdueVnd: number };
const zero = (): Figures => ({ borrowers: 0, outstandingVnd: 0, overdueVnd: 0 });

/**
 * The nightly cross-check: recompute every commune × program balance from the loans themselves and
 * compare with the aggregates the postings keep. Memory is O(communes × programs); loans stream by
 * shard page. Any difference is logged as an error and counted as AggregateDrift.
 */
export async function checkAggregates() {
  const fromLoans = new Map<string, Figures>();
  let loans = 0;
  for (let shard = 0; shard < shardCount(); shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db().send(
        new QueryCommand({
          TableName: tableNameFromEnv(),
          IndexName: "GSI3",
          KeyConditionExpression: "GSI3PK = :s",
          ExpressionAttributeValues: { ":s": keys.jobShard(shard) },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const loan of await hydrate(page.Items ?? [])) {
        loans++;
        const key = `${loan.communePath}#${loan.programCode}`;
        const f = fromLoans.get(key) ?? fromLoans.set(key, zero()).get(key)!;
        f.borrowers += 1;
        f.outstandingVnd += loan.outstandingPrincipalVnd as number;
        f.overdueVnd += loan.overduePrincipalVnd as number;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  const districts = new Set<string>();
  for (const key of fromLoans.keys()) districts.add(communeParts(key.split("#")[0]!).districtPath);
  for await (const page of queryAll({ index: "GSI1", partition: keys.orgChildren("ROOT") })) {
    for (const province of page.items) {
      for await (const d of queryAll({ index: "GSI1", partition: keys.orgChildren(province.path as string) })) {
        for (const district of d.items) districts.add(district.path as string);
      }
    }
  }
  const fromAggregates = new Map<string, Figures>();
  for (const district of districts) {
    for await (const page of queryAll({ partition: `AGG#${district}` })) {
      for (const item of page.items) {
        if (item.type !== "AGG") continue;
        fromAggregates.set(`${item.communePath}#${item.programCode}`, {
          borrowers: (item.borrowers as number) ?? 0,
          outstandingVnd: (item.outstandingVnd as number) ?? 0,
          overdueVnd: (item.overdueVnd as number) ?? 0,
        });
      }
    }
  }
  const differences: { key: string; loans: Figures; aggregate: Figures }[] = [];
  for (const key of new Set([...fromLoans.keys(), ...fromAggregates.keys()])) {
    const a = fromLoans.get(key) ?? zero();
    const b = fromAggregates.get(key) ?? zero();
    if (a.borrowers !== b.borrowers || a.outstandingVnd !== b.outstandingVnd || a.overdueVnd !== b.overdueVnd) {
      differences.push({ key, loans: a, aggregate: b });
    }
  }
  for (const d of differences) logger.error("aggregate differs from its loans", d);
  count("AggregateDrift", differences.length);
  return { loans, cells: fromLoans.size, differences };
}
