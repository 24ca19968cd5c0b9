import { addDays, maxDate, monthOf } from "../domain/dates.ts";
import { addInterest, subtractInterest } from "../domain/interest.ts";
import type { Loan } from "../domain/loan-state.ts";
import { decodeUnits, encodeUnits } from "../domain/money.ts";
import { applyPayment, type PaymentEffect, reversePayment } from "../domain/payment.ts";
import type { Program } from "../domain/programs.ts";
import type { Caller } from "../http/auth.ts";
import { problems } from "../http/problem.ts";
import { postingJournalWrites } from "../jobs/journal.ts";
import { aggregateWrites, householdWrites } from "./aggregates.ts";
import { type PlanOverride, repaymentUsageWrite } from "./credit-plans.ts";
import { ID_PREFIX, newId } from "./ids.ts";
import type { Item } from "./items.ts";
import { keys } from "./keys.ts";
import { loanFromItem, loanViewFromItem, putLoan } from "./loans.ts";
import type { TransactItem, WritePlan } from "./write.ts";

/** Who posted, from where: every posting carries it, and it is never edited. */
export type Actor = { sub: string; role: string; deviceId: string | null; channel: string | null };

export function actorOf(caller: Caller, channel: string | null, deviceId?: string): Actor {
  return { sub: caller.sub, role: caller.role, deviceId: deviceId ?? null, channel };
}

function encodeEffect(effect: PaymentEffect) {
  return { ...effect, settledUnits: encodeUnits(effect.settledUnits) };
}

function decodeEffect(stored: Item): PaymentEffect {
  return { ...(stored as unknown as PaymentEffect), settledUnits: decodeUnits(stored.settledUnits as string) };
}

function putNew(item: Item): TransactItem {
  return { Put: { Item: item, ConditionExpression: "attribute_not_exists(PK)" } };
}

export type PaymentRequest = {
  paidOn: string;
  interestVnd: number;
  principalVnd: number;
  channel: string;
  actor: Actor;
  today: string;
  clientTxId?: string;
};

/**
 * One payment: the loan (version-guarded), the immutable posting, the receipt when interest is paid,
 * and the portfolio aggregates, all in the caller's single transaction.
 */
/** Reads the loan's member, only when a posting closes or reopens the loan (its household count moves). */
export type MemberSource = () => Promise<Item | undefined>;

async function householdChange(change: 1 | -1, loanItem: Item, loadMember: MemberSource): Promise<TransactItem[]> {
  const member = await loadMember();
  if (!member) throw new Error(`member ${loanItem.memberId as string} of loan ${loanItem.loanId as string} is missing`);
  return householdWrites(member, change, loanItem.communePath as string);
}

export async function planPayment(
  loanItem: Item,
  program: Program,
  request: PaymentRequest,
  now: string,
  loadMember: MemberSource,
): Promise<WritePlan & { transactionId: string }> {
  if (request.paidOn > request.today) {
    throw problems.unprocessable("PAYMENT_IN_FUTURE", `paidOn ${request.paidOn} is after today (${request.today}).`);
  }
  if (request.interestVnd === 0 && request.principalVnd === 0) {
    throw problems.unprocessable("EMPTY_PAYMENT", "A payment needs interest, principal or both.");
  }
  const before = loanFromItem(loanItem);
  const transactionId = newId(ID_PREFIX.transaction);
  const result = applyPayment(before, program, {
    transactionId,
    paidOn: request.paidOn,
    interestVnd: request.interestVnd,
    principalVnd: request.principalVnd,
  });
  const receiptId = request.interestVnd > 0 ? newId(ID_PREFIX.receipt) : null;
  const after = result.loan;
  const record = {
    ...keys.loanTransaction(before.loanId, transactionId),
    type: "LOAN_TX",
    transactionId,
    loanId: before.loanId,
    memberId: before.memberId,
    groupId: before.groupId,
    kind: "PAYMENT",
    valueDate: request.paidOn,
    postedAt: now,
    interestVnd: request.interestVnd,
    principalVnd: request.principalVnd,
    amountVnd: request.interestVnd + request.principalVnd,
    channel: request.channel,
    receiptId,
    reversesTransactionId: null,
    allocation: result.allocation,
    payableVnd: result.payableVnd,
    effect: encodeEffect(result.effect),
    actor: request.actor,
    clientTxId: request.clientTxId ?? null,
    lastPaymentBefore: loanItem.lastPayment ?? null,
    balancesAfter: {
      outstandingPrincipalVnd: after.outstandingPrincipalVnd,
      overduePrincipalVnd: after.overduePrincipalVnd,
      interestArrearsVnd: after.interestArrearsVnd,
    },
  };
  const lastPayment = {
    on: request.paidOn,
    interestVnd: request.interestVnd,
    principalVnd: request.principalVnd,
    transactionId,
  };
  const writes: TransactItem[] = [putLoan(after, loanItem, { lastPayment }), putNew(record)];
  if (receiptId) {
    writes.push(
      putNew({
        ...keys.receipt(receiptId),
        type: "RECEIPT",
        receiptId,
        transactionId,
        loanId: before.loanId,
        memberId: before.memberId,
        memberName: loanItem.memberName,
        groupId: before.groupId,
        groupName: loanItem.groupName,
        scope: loanItem.scope,
        programCode: before.programCode,
        paidOn: request.paidOn,
        interestVnd: request.interestVnd,
        principalVnd: request.principalVnd,
        totalVnd: request.interestVnd + request.principalVnd,
        channel: request.channel,
        collector: { sub: request.actor.sub, role: request.actor.role },
        issuedAt: now,
        GSI1PK: keys.memberReceipts(before.memberId),
        GSI1SK: `${request.paidOn}#${receiptId}`,
      }),
    );
  }
  const closed = after.status === "CLOSED" && before.status !== "CLOSED";
  if (closed) writes.push(...(await householdChange(-1, loanItem, loadMember)));
  writes.push(
    ...aggregateWrites(
      loanItem,
      before.programCode,
      {
        outstandingVnd: -request.principalVnd,
        overdueVnd: result.overdueDeltaVnd,
        ...(closed ? { borrowers: -1 } : {}),
      },
      {
        month: monthOf(request.paidOn),
        delta: { interestCollectedVnd: request.interestVnd, principalRepaidVnd: request.principalVnd, payments: 1 },
      },
    ),
  );
  writes.push(
    ...repaymentUsageWrite(loanItem.communePath as string, before.programCode, request.paidOn, request.principalVnd),
  );
  // Interest the payment itself accrued (days the nightly job had not reached, net of days taken back)
  // is journaled with it, so the journal and the loans always agree.
  const recognised = addInterest(
    subtractInterest(result.accrual.caughtUp, result.accrual.takenBack),
    result.accrual.reaccrued,
  );
  writes.push(
    ...postingJournalWrites(
      addDays(request.paidOn, -1),
      loanItem.communePath as string,
      before.programCode,
      recognised,
    ),
  );
  const view = loanViewFromItem({ ...loanItem, ...loanItemFields(after) }, program, request.today);
  return { transactionId, writes, response: { status: 201, body: { transactionId, receiptId, loan: view } } };
}

/** The loan fields that change, as they sit on the item (accrued units as a string). */
export function loanItemFields(loan: Loan): Item {
  return { ...loan, accruedUnits: encodeUnits(loan.accruedUnits) };
}

/** A correcting entry: the exact inverse of a payment, as a new posting. Nothing is edited or deleted. */
export async function planReversal(
  loanItem: Item,
  program: Program,
  original: Item,
  options: { reason: string; actor: Actor; today: string },
  now: string,
  loadMember: MemberSource,
): Promise<WritePlan> {
  if (original.kind !== "PAYMENT") {
    throw problems.unprocessable("NOT_REVERSIBLE", "Only payments are reversed; this posting is not a payment.");
  }
  const before = loanFromItem(loanItem);
  const effect = decodeEffect(original.effect as Item);
  const reversedOn = maxDate(options.today, effect.paidOn);
  const result = reversePayment(before, program, effect, reversedOn);
  const after = result.loan;
  const transactionId = newId(ID_PREFIX.transaction);
  const record = {
    ...keys.loanTransaction(before.loanId, transactionId),
    type: "LOAN_TX",
    transactionId,
    loanId: before.loanId,
    memberId: before.memberId,
    groupId: before.groupId,
    kind: "REVERSAL",
    valueDate: effect.paidOn,
    postedAt: now,
    interestVnd: -(original.interestVnd as number),
    principalVnd: -(original.principalVnd as number),
    amountVnd: -(original.amountVnd as number),
    channel: original.channel,
    receiptId: original.receiptId,
    reversesTransactionId: original.transactionId,
    reason: options.reason,
    allocation: (original.allocation as { kind: string; installmentSeq?: number; amountVnd: number }[]).map((p) => ({
      ...p,
      amountVnd: -p.amountVnd,
    })),
    actor: options.actor,
    balancesAfter: {
      outstandingPrincipalVnd: after.outstandingPrincipalVnd,
      overduePrincipalVnd: after.overduePrincipalVnd,
      interestArrearsVnd: after.interestArrearsVnd,
    },
  };
  const reopened = before.status === "CLOSED" && after.status !== "CLOSED";
  const writes: TransactItem[] = [
    ...(reopened ? await householdChange(1, loanItem, loadMember) : []),
    putLoan(after, loanItem, { lastPayment: original.lastPaymentBefore ?? null }),
    putNew(record),
    putNew({
      ...keys.reversalGuard(before.loanId, original.transactionId as string),
      type: "REVERSAL_GUARD",
      reversalTransactionId: transactionId,
      reversedAt: now,
    }),
    ...aggregateWrites(
      loanItem,
      before.programCode,
      {
        outstandingVnd: original.principalVnd as number,
        overdueVnd: result.overdueDeltaVnd,
        ...(reopened ? { borrowers: 1 } : {}),
      },
      {
        month: monthOf(effect.paidOn),
        delta: {
          interestCollectedVnd: -(original.interestVnd as number),
          principalRepaidVnd: -(original.principalVnd as number),
          payments: -1,
        },
      },
    ),
  ];
  writes.push(
    ...repaymentUsageWrite(
      loanItem.communePath as string,
      before.programCode,
      effect.paidOn,
      -(original.principalVnd as number),
    ),
  );
  if (after.interestAccruedThrough) {
    writes.push(
      ...postingJournalWrites(
        after.interestAccruedThrough,
        loanItem.communePath as string,
        before.programCode,
        result.reaccrued,
      ),
    );
  }
  const view = loanViewFromItem({ ...loanItem, ...loanItemFields(after) }, program, options.today);
  return { writes, response: { status: 201, body: { transactionId, loan: view } } };
}

export function transactionView(item: Item) {
  return {
    transactionId: item.transactionId as string,
    loanId: item.loanId as string,
    kind: item.kind as
      | "DISBURSEMENT"
      | "PAYMENT"
      | "REVERSAL"
      | "TERM_ADJUSTMENT"
      | "EXTENSION"
      | "FREEZE"
      | "UNFREEZE"
      | "WRITE_OFF",
    postedAt: item.postedAt as string,
    valueDate: item.valueDate as string,
    interestVnd: item.interestVnd as number,
    principalVnd: item.principalVnd as number,
    amountVnd: item.amountVnd as number,
    channel: (item.channel as string | null) ?? null,
    receiptId: (item.receiptId as string | null) ?? null,
    reversesTransactionId: (item.reversesTransactionId as string | null) ?? null,
    allocation: (item.allocation as { kind: string; installmentSeq?: number; amountVnd: number }[]) ?? [],
    actor: {
      sub: (item.actor as Actor).sub,
      role: (item.actor as Actor).role,
      deviceId: (item.actor as Actor).deviceId ?? null,
    },
    // A schedule change carries its reason and the schedule version it made.
    ...(item.reason ? { reason: item.reason as string } : {}),
    ...(item.scheduleVersion ? { scheduleVersion: item.scheduleVersion as number } : {}),
    ...(item.scheduleChange
      ? { scheduleChange: item.scheduleChange as { installmentSeq?: number; fromDate: string; toDate: string } }
      : {}),
    // A disbursement over the commune's credit plan carries who overrode it and why, for audit.
    ...(item.planOverride ? { planOverride: item.planOverride as PlanOverride & { at: string } } : {}),
  };
}
