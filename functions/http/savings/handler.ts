import { visibleMember } from "../../../shared/db/access.ts";
import { getItem, queryPage } from "../../../shared/db/items.ts";
import { keys } from "../../../shared/db/keys.ts";
import { planSavingsMovement, savingsTransactionView, savingsView } from "../../../shared/db/savings.ts";
import { idempotentTransaction, writeResult } from "../../../shared/db/write.ts";
import { requireOwnGroup } from "../../../shared/http/auth.ts";
import { httpFunction } from "../../../shared/http/handler.ts";
import { problems } from "../../../shared/http/problem.ts";
import type { HttpRequest } from "../../../shared/http/route.ts";
import { implement } from "../../../shared/http/route.ts";
import { pageOf } from "../../../shared/http/schemas.ts";
import { businessDateInVietnam } from "../../../shared/time.ts";
import * as c from "./contract.ts";

/** Deposits and withdrawals share one shape; only the direction differs. */
function movement(kind: "DEPOSIT" | "WITHDRAWAL") {
  return async ({ params, body, caller, idempotency }: HttpRequest<typeof c.deposit>) => {
    const member = await visibleMember(caller, params.memberId);
    requireOwnGroup(caller, member.scope, "Group leaders record savings for their own group only.");
    // Like payments and synced collections: money cannot be recorded on a day that has not come.
    const today = businessDateInVietnam();
    if (body.on > today) {
      throw problems.unprocessable("MOVEMENT_IN_FUTURE", `on ${body.on} is after today (${today}).`);
    }
    const outcome = await idempotentTransaction({
      idempotency: { sub: caller.sub, ...idempotency! },
      read: [keys.savings(params.memberId)],
      plan: ([account]) =>
        planSavingsMovement({
          member,
          account,
          movement: { kind, amountVnd: body.amountVnd, on: body.on, channel: "API", deviceId: body.deviceId },
          caller,
          now: new Date().toISOString(),
        }),
    });
    return writeResult(outcome);
  };
}

const getSavings = implement(c.getSavings, async ({ params, query, caller }) => {
  await visibleMember(caller, params.memberId);
  const [account, page] = await Promise.all([
    getItem(keys.savings(params.memberId)),
    queryPage({
      partition: keys.member(params.memberId).PK,
      skPrefix: keys.savingsTransactionPrefix,
      newestFirst: true,
      ...pageOf(query),
    }),
  ]);
  return {
    status: 200,
    body: {
      ...savingsView(params.memberId, account),
      items: page.items.map(savingsTransactionView),
      nextCursor: page.nextCursor,
    },
  };
});

export const handler = httpFunction([
  implement(c.deposit, movement("DEPOSIT")),
  implement(c.withdraw, movement("WITHDRAWAL")),
  getSavings,
]);
