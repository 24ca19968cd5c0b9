import { daysBetween, isAfter, isBefore } from "../domain/dates.ts";
import type { Caller } from "../http/auth.ts";
import { problems } from "../http/problem.ts";
import { db, tableNameFromEnv } from "./client.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { newId } from "./ids.ts";
import { hydrate, type Item } from "./items.ts";
import { keys } from "./keys.ts";
import { groupsIn } from "./scope.ts";
import { QueryCommand } from "./store.ts";
import type { WritePlan } from "./write.ts";

/** Days after disbursement by which a loan should have had its first use check; a setting. */
export function checkThresholdDays(): number {
  const n = Number(process.env.CHECK_THRESHOLD_DAYS ?? "30");
  return Number.isInteger(n) && n > 0 ? n : 30;
}

export function checkView(item: Item) {
  return {
    checkId: item.checkId as string,
    loanId: item.loanId as string,
    checkedOn: item.checkedOn as string,
    usedAsPurpose: item.usedAsPurpose as boolean,
    note: (item.note as string | null) ?? null,
    photoKeys: (item.photoKeys as string[]) ?? [],
    checker: item.checker as { sub: string; role: string },
    recordedAt: item.recordedAt as string,
  };
}

/**
 * A check is its own immutable item; the loan remembers its first check date (bumping its version, so
 * a concurrent posting re-reads rather than overwriting it).
 */
export function planCheck(
  loan: Item,
  body: { checkedOn: string; usedAsPurpose: boolean; note?: string | undefined; photoKeys?: string[] | undefined },
  caller: Caller,
  today: string,
  now: string,
): WritePlan {
  const disbursedOn = loan.disbursedOn as string | undefined;
  if (!disbursedOn) throw problems.unprocessable("NOT_DISBURSED", "Only a disbursed loan can be checked.");
  if (isBefore(body.checkedOn, disbursedOn)) {
    throw problems.unprocessable(
      "CHECK_BEFORE_DISBURSEMENT",
      `checkedOn is before the disbursement on ${disbursedOn}.`,
    );
  }
  if (isAfter(body.checkedOn, today))
    throw problems.unprocessable("CHECK_IN_FUTURE", `checkedOn is after today (${today}).`);
  const checkId = newId("C-");
  const item = {
    PK: keys.loan(loan.loanId as string).PK,
    SK: `CHECK#${body.checkedOn}#${checkId}`,
    type: "CHECK",
    checkId,
    loanId: loan.loanId,
    checkedOn: body.checkedOn,
    usedAsPurpose: body.usedAsPurpose,
    note: body.note ?? null,
    photoKeys: body.photoKeys ?? [],
    checker: { sub: caller.sub, role: caller.role },
    recordedAt: now,
  };
  const first = !loan.checkedOn || isBefore(body.checkedOn, loan.checkedOn as string);
  return {
    writes: [
      { Put: { Item: item, ConditionExpression: "attribute_not_exists(PK)" } },
      {
        Update: {
          Key: keys.loan(loan.loanId as string),
          UpdateExpression: first ? "SET checkedOn = :d, #v = #v + :one" : "SET #v = #v + :one",
          ConditionExpression: "#v = :v",
          ExpressionAttributeNames: { "#v": "version" },
          ExpressionAttributeValues: { ...(first ? { ":d": body.checkedOn } : {}), ":one": 1, ":v": loan.version },
        },
      },
    ],
    response: { status: 201, body: checkView(item) },
  };
}

/**
 * Loans past the threshold with no check, streamed group by group through each group's book; the
 * signed cursor holds the group and the position inside it, so a district report pages without ever
 * holding the district in memory.
 */
export async function uncheckedLoans(scope: string, asOf: string, limit: number, cursor: string | undefined) {
  const threshold = checkThresholdDays();
  const bound = `unchecked|${scope}|${asOf}`;
  const position = decodeCursor(cursor, bound) as { g: number; k: Record<string, unknown> | null } | undefined;
  const groups = await groupsIn(scope);
  const items: {
    loanId: string;
    memberId: string;
    memberName: string;
    groupId: string;
    programCode: string;
    principalVnd: number;
    disbursedOn: string;
    daysSinceDisbursement: number;
  }[] = [];
  let g = position?.g ?? 0;
  let startKey: Record<string, unknown> | undefined = position?.k ?? undefined;
  while (g < groups.length && items.length < limit) {
    const page: { Items?: Item[]; LastEvaluatedKey?: Record<string, unknown> } = await db().send(
      new QueryCommand({
        TableName: tableNameFromEnv(),
        IndexName: "GSI2",
        KeyConditionExpression: "GSI2PK = :pk",
        ExpressionAttributeValues: { ":pk": keys.groupBook(groups[g]!) },
        Limit: Math.min(100, limit - items.length),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const loan of await hydrate(page.Items ?? [])) {
      if (loan.type !== "LOAN" || !loan.disbursedOn || !["ACTIVE", "OVERDUE", "FROZEN"].includes(loan.status as string))
        continue;
      const checked = loan.checkedOn && !isAfter(loan.checkedOn as string, asOf);
      const days = daysBetween(loan.disbursedOn as string, asOf);
      if (checked || days <= threshold || isAfter(loan.disbursedOn as string, asOf)) continue;
      items.push({
        loanId: loan.loanId as string,
        memberId: loan.memberId as string,
        memberName: loan.memberName as string,
        groupId: loan.groupId as string,
        programCode: loan.programCode as string,
        principalVnd: loan.principalVnd as number,
        disbursedOn: loan.disbursedOn as string,
        daysSinceDisbursement: days,
      });
    }
    startKey = page.LastEvaluatedKey;
    if (!startKey) g++;
  }
  const more = g < groups.length;
  return {
    scope,
    asOf,
    thresholdDays: threshold,
    items,
    nextCursor: more ? encodeCursor({ g, k: startKey ?? null }, bound) : null,
  };
}
