import { createHash } from "node:crypto";
import { DomainError } from "../domain/errors.ts";
import type { Caller } from "../http/auth.ts";
import { HttpProblem, problems } from "../http/problem.ts";
import { businessDateInVietnam } from "../time.ts";
import type { Item } from "./items.ts";
import { keys } from "./keys.ts";
import { actorOf, planPayment } from "./postings.ts";
import { loadProgram } from "./programs.ts";
import { planSavingsMovement } from "./savings.ts";
import { idempotentTransaction } from "./write.ts";

/** One collection recorded offline on a leader's phone. */
export type SyncEntry = {
  clientTxId: string;
  kind: "INTEREST" | "SAVINGS_DEPOSIT" | "PRINCIPAL";
  memberId: string;
  loanId?: string | undefined;
  amountVnd: number;
  collectedAt: string;
};

export type SyncResult = {
  clientTxId: string;
  status: "POSTED" | "DUPLICATE" | "REJECTED";
  transactionId?: string;
  problem?: Record<string, unknown>;
};

/** Some provinces let leaders collect principal; the setting lists them, or "*" for all. */
export function leaderMayCollectPrincipal(scope: string): boolean {
  const allowed = (process.env.LEADER_PRINCIPAL_PROVINCES ?? "*").split(",").map((s) => s.trim());
  return allowed.includes("*") || allowed.includes(scope.split("/")[0] ?? "");
}

function entryFingerprint(entry: SyncEntry): string {
  const { clientTxId, kind, memberId, loanId, amountVnd, collectedAt } = entry;
  return createHash("sha256")
    .update(JSON.stringify([clientTxId, kind, memberId, loanId ?? null, amountVnd, collectedAt]))
    .digest("base64url");
}

function rejected(entry: SyncEntry, problem: HttpProblem): SyncResult {
  return { clientTxId: entry.clientTxId, status: "REJECTED", problem: problem.toProblem() };
}

/**
 * Posts one entry or says why not. The entry's clientTxId is its idempotency key within the group, so
 * the same entry from a replayed batch or from a second phone is a DUPLICATE, never a second posting.
 */
export async function syncEntry(
  entry: SyncEntry,
  context: { group: Item; caller: Caller; deviceId: string; now: Date },
): Promise<SyncResult> {
  const { group, caller, deviceId, now } = context;
  const today = businessDateInVietnam(now);
  const collectedOn = businessDateInVietnam(new Date(entry.collectedAt));
  const groupId = group.groupId as string;
  const idempotency = {
    sub: `GROUP#${groupId}`,
    key: `sync:${entry.clientTxId}`,
    fingerprint: entryFingerprint(entry),
  };
  const target = entry.kind === "SAVINGS_DEPOSIT" ? keys.savings(entry.memberId) : keys.loan(entry.loanId ?? "-");
  try {
    const outcome = await idempotentTransaction({
      idempotency,
      read: [keys.member(entry.memberId), target],
      plan: async ([member, item]) => {
        if (!member || member.groupId !== groupId) {
          throw problems.unprocessable("NOT_A_MEMBER", `Member ${entry.memberId} is not in group ${groupId}.`);
        }
        if (collectedOn > today)
          throw problems.unprocessable("COLLECTED_IN_FUTURE", `collectedAt ${entry.collectedAt} is in the future.`);
        const iso = now.toISOString();
        if (entry.kind === "SAVINGS_DEPOSIT") {
          return planSavingsMovement({
            member,
            account: item,
            movement: {
              kind: "DEPOSIT",
              amountVnd: entry.amountVnd,
              on: collectedOn,
              channel: "GROUP_COLLECTION",
              deviceId,
              clientTxId: entry.clientTxId,
            },
            caller,
            now: iso,
          });
        }
        if (!item || item.memberId !== entry.memberId) {
          throw problems.unprocessable(
            "NOT_MEMBERS_LOAN",
            `Loan ${entry.loanId ?? "(none)"} is not a loan of member ${entry.memberId}.`,
          );
        }
        if (entry.kind === "PRINCIPAL" && !leaderMayCollectPrincipal(group.scope as string)) {
          throw problems.unprocessable(
            "PRINCIPAL_NOT_COLLECTED_BY_LEADERS",
            "Principal is repaid at the transaction point in this province.",
          );
        }
        const program = await loadProgram(item.programCode as string);
        return planPayment(
          item,
          program,
          {
            paidOn: collectedOn,
            interestVnd: entry.kind === "INTEREST" ? entry.amountVnd : 0,
            principalVnd: entry.kind === "PRINCIPAL" ? entry.amountVnd : 0,
            channel: "GROUP_COLLECTION",
            actor: actorOf(caller, "GROUP_COLLECTION", deviceId),
            today,
            clientTxId: entry.clientTxId,
          },
          iso,
          async () => member,
        );
      },
    });
    const transactionId = (outcome.body as { transactionId: string }).transactionId;
    return { clientTxId: entry.clientTxId, status: outcome.replayed ? "DUPLICATE" : "POSTED", transactionId };
  } catch (error) {
    if (error instanceof HttpProblem && error.code === "CONCURRENT_UPDATE") {
      // Contention is not a refusal: fail the batch so the phone sends it again; what is done stays done.
      throw new HttpProblem(
        503,
        "BUSY",
        "The group's records are busy. Send the same batch again with the same Idempotency-Key.",
        {
          headers: { "retry-after": "2" },
        },
      );
    }
    if (error instanceof HttpProblem && error.status < 500) {
      if (error.code === "IDEMPOTENCY_KEY_REUSED") {
        return rejected(
          entry,
          problems.conflict(
            "CLIENT_TX_ID_REUSED",
            `clientTxId ${entry.clientTxId} was already used for a different collection.`,
          ),
        );
      }
      return rejected(entry, error);
    }
    if (error instanceof DomainError && error.httpStatus < 500) {
      return rejected(
        entry,
        new HttpProblem(error.httpStatus, error.code, error.message, { extensions: { ...error.details } }),
      );
    }
    throw error;
  }
}

/**
 * Entries for one account run in collection order (a payment may not be dated before the last one);
 * different accounts run side by side, so a 500-entry batch answers in one round trip.
 */
export async function syncBatch(
  entries: SyncEntry[],
  context: { group: Item; caller: Caller; deviceId: string; now: Date },
  concurrency = 8,
): Promise<SyncResult[]> {
  const lanes = new Map<string, { index: number; entry: SyncEntry }[]>();
  entries.forEach((entry, index) => {
    const lane = entry.kind === "SAVINGS_DEPOSIT" ? `S#${entry.memberId}` : `L#${entry.loanId ?? entry.clientTxId}`;
    const list = lanes.get(lane) ?? [];
    list.push({ index, entry });
    lanes.set(lane, list);
  });
  const results: SyncResult[] = new Array(entries.length);
  const queue = [...lanes.values()].map((lane) =>
    lane.sort((a, b) => Date.parse(a.entry.collectedAt) - Date.parse(b.entry.collectedAt)),
  );
  // A failure the entry cannot answer for (the store is down) fails the request. Nothing more is
  // started once it happens, and the answer waits for entries in flight, so no entry is posted after
  // the phone has been told the batch failed; its retry then posts exactly what is left.
  let failure: { error: unknown } | undefined;
  const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let lane = queue.shift(); lane && !failure; lane = queue.shift()) {
      for (const { index, entry } of lane) {
        if (failure) return;
        try {
          results[index] = await syncEntry(entry, context);
        } catch (error) {
          failure ??= { error };
          return;
        }
      }
    }
  });
  await Promise.all(workers);
  if (failure) throw failure.error;
  return results;
}
