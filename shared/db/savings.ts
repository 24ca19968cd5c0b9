import type { Caller } from "../http/auth.ts";
import { problems } from "../http/problem.ts";
import { ID_PREFIX, newId } from "./ids.ts";
import type { Item } from "./items.ts";
import { keys } from "./keys.ts";
import type { TransactItem, WritePlan } from "./write.ts";

/** Savings in the group: deposits from VND 5,000, withdrawals never below zero. */
export const MIN_DEPOSIT_VND = 5_000;

export type SavingsMovement = {
  kind: "DEPOSIT" | "WITHDRAWAL";
  amountVnd: number;
  on: string;
  channel: string;
  deviceId?: string | undefined;
  clientTxId?: string | undefined;
};

export function savingsView(memberId: string, account: Item | undefined) {
  return {
    memberId,
    balanceVnd: (account?.balanceVnd as number | undefined) ?? 0,
    lastMovementOn: (account?.lastMovementOn as string | undefined) ?? null,
  };
}

/** Plans one savings movement against the account read at `account.version` (absent: first deposit). */
export function planSavingsMovement(options: {
  member: Item;
  account: Item | undefined;
  movement: SavingsMovement;
  caller: Caller;
  now: string;
}): WritePlan & { transactionId: string } {
  const { member, account, movement, caller, now } = options;
  const memberId = member.memberId as string;
  const balance = (account?.balanceVnd as number | undefined) ?? 0;
  if (movement.kind === "DEPOSIT" && movement.amountVnd < MIN_DEPOSIT_VND) {
    throw problems.unprocessable("DEPOSIT_TOO_SMALL", `A deposit is at least ${MIN_DEPOSIT_VND} VND.`, {
      minimumVnd: MIN_DEPOSIT_VND,
    });
  }
  if (movement.kind === "WITHDRAWAL" && movement.amountVnd > balance) {
    throw problems.unprocessable("INSUFFICIENT_SAVINGS", "A withdrawal may not take the balance below zero.", {
      balanceVnd: balance,
    });
  }
  const after = movement.kind === "DEPOSIT" ? balance + movement.amountVnd : balance - movement.amountVnd;
  const transactionId = newId(ID_PREFIX.savingsTransaction);
  const accountWrite: TransactItem = account
    ? {
        Update: {
          Key: keys.savings(memberId),
          UpdateExpression: "SET balanceVnd = :after, lastMovementOn = :on, #v = #v + :one",
          ConditionExpression: "#v = :v",
          ExpressionAttributeNames: { "#v": "version" },
          ExpressionAttributeValues: { ":after": after, ":on": movement.on, ":one": 1, ":v": account.version },
        },
      }
    : {
        Put: {
          Item: {
            ...keys.savings(memberId),
            type: "SAVINGS",
            memberId,
            groupId: member.groupId,
            scope: member.scope,
            balanceVnd: after,
            lastMovementOn: movement.on,
            version: 1,
            GSI2PK: keys.groupBook(member.groupId as string),
            GSI2SK: keys.bookSavings(memberId),
          },
          ConditionExpression: "attribute_not_exists(PK)",
        },
      };
  const record = {
    ...keys.savingsTransaction(memberId, transactionId),
    type: "SAVINGS_TX",
    transactionId,
    memberId,
    groupId: member.groupId,
    kind: movement.kind,
    amountVnd: movement.amountVnd,
    on: movement.on,
    balanceAfterVnd: after,
    channel: movement.channel,
    actor: { sub: caller.sub, role: caller.role, deviceId: movement.deviceId ?? null },
    clientTxId: movement.clientTxId ?? null,
    postedAt: now,
  };
  return {
    transactionId,
    writes: [accountWrite, { Put: { Item: record, ConditionExpression: "attribute_not_exists(PK)" } } as TransactItem],
    response: {
      status: 201,
      body: {
        transactionId,
        memberId,
        kind: movement.kind,
        amountVnd: movement.amountVnd,
        on: movement.on,
        balanceVnd: after,
      },
    },
  };
}

export function savingsTransactionView(item: Item) {
  return {
    transactionId: item.transactionId as string,
    kind: item.kind as "DEPOSIT" | "WITHDRAWAL",
    amountVnd: item.amountVnd as number,
    on: item.on as string,
    balanceAfterVnd: item.balanceAfterVnd as number,
    postedAt: item.postedAt as string,
  };
}
