import { readVisibleLoan } from "../../../shared/db/access.ts";
import { checkView, planCheck, uncheckedLoans } from "../../../shared/db/checks.ts";
import { figures, planCurrentKey, planPartition, planVersionKey, usageOf } from "../../../shared/db/credit-plans.ts";
import { getItem, type Item, queryAll, queryPage } from "../../../shared/db/items.ts";
import { keys } from "../../../shared/db/keys.ts";
import { communeCodeKey } from "../../../shared/db/org.ts";
import { communesIn } from "../../../shared/db/scope.ts";
import { idempotentTransaction, writeResult } from "../../../shared/db/write.ts";
import { type Caller, requireVisible, scopeFor } from "../../../shared/http/auth.ts";
import { httpFunction } from "../../../shared/http/handler.ts";
import { problems } from "../../../shared/http/problem.ts";
import { implement } from "../../../shared/http/route.ts";
import { pageOf } from "../../../shared/http/schemas.ts";
import { businessDateInVietnam } from "../../../shared/time.ts";
import * as c from "./contract.ts";

async function communePathOf(caller: Caller, communeCode: string): Promise<string> {
  const found = await getItem(communeCodeKey(communeCode));
  requireVisible(caller, found?.path as string | undefined, `Commune ${communeCode}`);
  return found!.path as string;
}

function versionView(item: Item) {
  return {
    communePath: item.communePath as string,
    programCode: item.programCode as string,
    year: item.year as number,
    version: item.version as number,
    planVnd: item.planVnd as number,
    reason: (item.reason as string | null) ?? null,
    setBy: item.setBy as string,
    setAt: item.setAt as string,
  };
}

const setPlan = implement(c.setPlan, async ({ body, caller, idempotency }) => {
  // Plans are set by the district office or above, never by the commune they bind.
  if (caller.role !== "ADMIN" && caller.scope.split("/").length > 2) {
    throw problems.forbidden("Credit plans are set by bank officers at district scope or above.");
  }
  const communePath = await communePathOf(caller, body.communeCode);
  const current = planCurrentKey(communePath, body.year, body.programCode);
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [current],
    plan: ([existing]) => {
      const version = ((existing?.version as number | undefined) ?? 0) + 1;
      const record = {
        type: "PLAN",
        communePath,
        programCode: body.programCode,
        year: body.year,
        version,
        planVnd: body.planVnd,
        reason: body.reason ?? null,
        setBy: caller.sub,
        setAt: new Date().toISOString(),
      };
      const guard = existing
        ? {
            ConditionExpression: "#v = :v",
            ExpressionAttributeNames: { "#v": "version" },
            ExpressionAttributeValues: { ":v": existing.version },
          }
        : { ConditionExpression: "attribute_not_exists(PK)" };
      return {
        writes: [
          {
            Put: {
              Item: { ...planVersionKey(communePath, body.year, body.programCode, version), ...record },
              ConditionExpression: "attribute_not_exists(PK)",
            },
          },
          { Put: { Item: { ...current, ...record }, ...guard } },
        ],
        response: { status: 201, body: versionView(record) },
      };
    },
  });
  return writeResult(outcome);
});

const getPlans = implement(c.getPlans, async ({ query, caller }) => {
  const scope = scopeFor(caller, query.scope);
  const totals = new Map<string, { plan: number | null; disbursedVnd: number; repaidVnd: number }>();
  const communes = [];
  let itemsRead = 0;
  for (const communePath of await communesIn(scope)) {
    const byProgram = new Map<string, { plan: Item | undefined; usage: Item | undefined }>();
    for await (const page of queryAll({ partition: planPartition(communePath, query.year) })) {
      itemsRead += page.items.length;
      for (const item of page.items) {
        const [program, kind] = String(item.SK).split("#") as [string, string];
        const entry =
          byProgram.get(program) ?? byProgram.set(program, { plan: undefined, usage: undefined }).get(program)!;
        if (kind === "CURRENT") entry.plan = item;
        else if (kind === "USAGE") entry.usage = item;
      }
    }
    const lines = [...byProgram.entries()].sort().map(([programCode, { plan, usage }]) => {
      const planVnd = (plan?.planVnd as number | undefined) ?? null;
      const u = usageOf(usage);
      const t =
        totals.get(programCode) ??
        totals.set(programCode, { plan: null, disbursedVnd: 0, repaidVnd: 0 }).get(programCode)!;
      if (planVnd !== null) t.plan = (t.plan ?? 0) + planVnd;
      t.disbursedVnd += u.disbursedVnd;
      t.repaidVnd += u.repaidVnd;
      return { programCode, ...figures(planVnd, u) };
    });
    communes.push({ communePath, programs: lines });
  }
  const programs = [...totals.entries()].sort().map(([programCode, t]) => ({ programCode, ...figures(t.plan, t) }));
  return { status: 200, body: { scope, year: query.year, programs, communes, itemsRead } };
});

const planHistory = implement(c.planHistory, async ({ query, caller }) => {
  const communePath = await communePathOf(caller, query.communeCode);
  const items = [];
  const partition = planVersionKey(communePath, query.year, query.programCode, 0).PK;
  for await (const page of queryAll({ partition, skPrefix: `${query.programCode}#V` }))
    items.push(...page.items.map(versionView));
  return { status: 200, body: { items } };
});

const recordCheck = implement(c.recordCheck, async ({ params, body, caller, idempotency }) => {
  await readVisibleLoan(caller, params.loanId);
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [keys.loan(params.loanId)],
    plan: ([loan]) => planCheck(loan!, body, caller, businessDateInVietnam(), new Date().toISOString()),
  });
  return writeResult(outcome);
});

const listChecks = implement(c.listChecks, async ({ params, query, caller }) => {
  await readVisibleLoan(caller, params.loanId);
  const page = await queryPage({ partition: keys.loan(params.loanId).PK, skPrefix: "CHECK#", ...pageOf(query) });
  return { status: 200, body: { items: page.items.map(checkView), nextCursor: page.nextCursor } };
});

const unchecked = implement(c.uncheckedLoans, async ({ query, caller }) => {
  const scope = scopeFor(caller, query.scope);
  const asOf = query.asOf ?? businessDateInVietnam();
  const limit = query.limit ?? 50;
  return { status: 200, body: await uncheckedLoans(scope, asOf, limit, query.cursor) };
});

export const handler = httpFunction([setPlan, getPlans, planHistory, recordCheck, listChecks, unchecked]);
