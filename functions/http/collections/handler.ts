import { visibleGroup } from "../../../shared/db/access.ts";
import { groupMonthKey } from "../../../shared/db/aggregates.ts";
import { feeOf, rateFor, readFeeRates } from "../../../shared/db/fees.ts";
import { queryAll } from "../../../shared/db/items.ts";
import { reconcileGroup } from "../../../shared/db/reconciliation.ts";
import { syncBatch } from "../../../shared/db/sync.ts";
import { leasedIdempotency, writeResult } from "../../../shared/db/write.ts";
import { requireOwnGroup } from "../../../shared/http/auth.ts";
import { httpFunction } from "../../../shared/http/handler.ts";
import { wantsHtml } from "../../../shared/http/html.ts";
import { problems } from "../../../shared/http/problem.ts";
import { implement } from "../../../shared/http/route.ts";
import { count } from "../../../shared/log/metrics.ts";
import { businessDateInVietnam } from "../../../shared/time.ts";
import * as c from "./contract.ts";
import { reconciliationHtml } from "./reconciliation-html.ts";

const sync = implement(c.syncBatch, async ({ params, body, caller, idempotency }) => {
  const group = await visibleGroup(caller, params.groupId);
  requireOwnGroup(caller, group.scope, "A group leader syncs only their own group.");
  const ids = new Set(body.entries.map((e) => e.clientTxId));
  if (ids.size !== body.entries.length) {
    throw problems.validation([{ path: "body.entries", message: "each clientTxId may appear once per batch" }]);
  }
  const outcome = await leasedIdempotency({ sub: caller.sub, ...idempotency! }, 120, async () => {
    const results = await syncBatch(body.entries, { group, caller, deviceId: body.deviceId, now: new Date() });
    const tally = (s: string) => results.filter((r) => r.status === s).length;
    count("SyncEntryPosted", tally("POSTED"));
    count("SyncEntryRejected", tally("REJECTED"));
    return {
      status: 200,
      body: {
        batchId: body.batchId,
        posted: tally("POSTED"),
        duplicates: tally("DUPLICATE"),
        rejected: tally("REJECTED"),
        results,
      },
    };
  });
  return writeResult(outcome);
});

const reconciliation = implement(c.reconciliation, async ({ params, query, caller, headers }) => {
  const group = await visibleGroup(caller, params.groupId);
  const today = businessDateInVietnam();
  const asOf = query.asOf ?? today;
  if (asOf > today) throw problems.unprocessable("AS_OF_IN_FUTURE", `asOf ${asOf} is after today (${today}).`);
  const report = { ...(await reconcileGroup(params.groupId, asOf)), groupName: group.name as string };
  if (wantsHtml(headers.accept)) {
    return { status: 200, text: reconciliationHtml(report), contentType: "text/html; charset=utf-8" };
  }
  return { status: 200, body: report };
});

const commission = implement(c.commission, async ({ params, query, caller }) => {
  await visibleGroup(caller, params.groupId);
  const rates = await readFeeRates();
  const lines = [];
  for await (const page of queryAll({
    partition: `GROUPMONTH#${params.groupId}`,
    skPrefix: groupMonthKey(params.groupId, query.month, "").SK,
  })) {
    for (const item of page.items) {
      const programCode = item.programCode as string;
      const interest = (item.interestCollectedVnd as number) ?? 0;
      const rateBps = rateFor(rates, "COMMISSION", programCode, query.month);
      lines.push({
        programCode,
        interestCollectedVnd: interest,
        payments: (item.payments as number) ?? 0,
        rateBps,
        commissionVnd: feeOf(interest, rateBps),
      });
    }
  }
  return {
    status: 200,
    body: {
      groupId: params.groupId,
      month: query.month,
      lines,
      totalInterestCollectedVnd: lines.reduce((t, l) => t + l.interestCollectedVnd, 0),
      totalCommissionVnd: lines.reduce((t, l) => t + l.commissionVnd, 0),
    },
  };
});

export const handler = httpFunction([sync, reconciliation, commission]);
