import { addDays, monthOf } from "../domain/dates.ts";
import type { Loan } from "../domain/loan-state.ts";
import type { Program } from "../domain/programs.ts";
import type { Installment } from "../domain/schedule.ts";
import {
  adjustTerm,
  approve,
  createLoan,
  disburse,
  extendMaturity,
  freeze,
  unfreeze,
  writeOff,
} from "../domain/transitions.ts";
import { problems } from "../http/problem.ts";
import { postingJournalWrites } from "../jobs/journal.ts";
import { aggregateWrites, householdWrites } from "./aggregates.ts";
import { type PlanOverride, quotaWrites } from "./credit-plans.ts";
import { ID_PREFIX, newId } from "./ids.ts";
import type { Item } from "./items.ts";
import { keys } from "./keys.ts";
import { loanFromItem, loanToItem, loanViewFromItem, putLoan } from "./loans.ts";
import { type Actor, loanItemFields } from "./postings.ts";
import type { TransactItem, WritePlan } from "./write.ts";

/** Application: a PENDING_APPROVAL loan placed where its member's group is. */
export function planApplication(
  member: Item,
  group: Item,
  program: Program,
  input: { principalVnd: number; termMonths: number; installmentMonths: number; purpose: string },
  now: string,
): WritePlan {
  const loanId = newId(ID_PREFIX.loan);
  const loan = createLoan(
    {
      loanId,
      memberId: member.memberId as string,
      groupId: member.groupId as string,
      principalVnd: input.principalVnd,
      termMonths: input.termMonths,
      installmentPeriodMonths: input.installmentMonths,
    },
    program,
  );
  const item = loanToItem(
    loan,
    {
      scope: member.scope as string,
      communePath: group.communePath as string,
      entrustedOrg: group.entrustedOrg as string,
    },
    {
      version: 1,
      purpose: input.purpose,
      createdAt: now,
      memberName: member.fullName as string,
      groupName: group.name as string,
    },
  );
  return {
    writes: [{ Put: { Item: item, ConditionExpression: "attribute_not_exists(PK)" } }],
    response: { status: 201, body: { loanId, status: "PENDING_APPROVAL" } },
  };
}

export function planApproval(loanItem: Item, program: Program, actor: Actor, today: string, now: string): WritePlan {
  const after = approve(loanFromItem(loanItem));
  const approved = { ...loanItem, approvedAt: now, approvedBy: actor.sub };
  return {
    writes: [putLoan(after, loanItem, { approvedAt: now, approvedBy: actor.sub })],
    response: { status: 200, body: loanViewFromItem({ ...approved, ...after, accruedUnits: "0" }, program, today) },
  };
}

/** Disbursement fixes schedule version 1, opens interest, and counts the loan in the portfolio. */
export function planDisbursement(
  loanItem: Item,
  program: Program,
  disbursedOn: string,
  actor: Actor,
  today: string,
  now: string,
  quota: { plan: Item | undefined; usage: Item | undefined; override?: PlanOverride | undefined },
  member: Item,
): WritePlan {
  if (disbursedOn > today) {
    throw problems.unprocessable("DISBURSEMENT_IN_FUTURE", `disbursedOn ${disbursedOn} is after today (${today}).`);
  }
  const before = loanFromItem(loanItem);
  const after = disburse(before, program, disbursedOn);
  const transactionId = newId(ID_PREFIX.transaction);
  const planCheck = quotaWrites({
    communePath: loanItem.communePath as string,
    programCode: after.programCode,
    year: Number(disbursedOn.slice(0, 4)),
    principalVnd: after.principalVnd,
    ...quota,
  });
  const planOverride = planCheck.overridden ? { ...quota.override!, at: now } : null;
  const writes: TransactItem[] = [
    ...planCheck.writes,
    ...householdWrites(member, 1, loanItem.communePath as string),
    putLoan(after, loanItem, { disbursedBy: actor.sub, ...(planOverride ? { planOverride } : {}) }),
    schedulePut(after.loanId, after.scheduleVersion, after.installments, "DISBURSEMENT", disbursedOn, actor, now),
    postingPut(after, transactionId, "DISBURSEMENT", disbursedOn, actor, now, {
      principalVnd: after.principalVnd,
      amountVnd: after.principalVnd,
      planOverride,
    }),
    ...aggregateWrites(
      loanItem,
      after.programCode,
      { borrowers: 1, outstandingVnd: after.principalVnd },
      { month: monthOf(disbursedOn), delta: { disbursedVnd: after.principalVnd } },
    ),
  ];
  return {
    writes,
    response: { status: 200, body: loanViewFromItem({ ...loanItem, ...after, accruedUnits: "0" }, program, today) },
  };
}

export type ScheduleChangeRequest =
  | { kind: "TERM_ADJUSTMENT"; installmentSeq: number; newDueDate: string; reason: string }
  | { kind: "EXTENSION"; newMaturityDate: string; reason: string };

/**
 * Term adjustment (one installment moves, maturity stays) or extension (maturity moves later): a new
 * schedule version, kept beside the earlier ones, and an event in the loan's postings with its reason
 * and who made it. Both take effect today and may only move days not yet accrued or classified, so the
 * loan's balances stay as they are.
 */
export function planScheduleChange(
  loanItem: Item,
  program: Program,
  request: ScheduleChangeRequest,
  actor: Actor,
  today: string,
  now: string,
): WritePlan {
  const before = loanFromItem(loanItem);
  const { loan: after, schedule } =
    request.kind === "TERM_ADJUSTMENT"
      ? adjustTerm(before, { ...request, effectiveOn: today })
      : extendMaturity(before, { ...request, effectiveOn: today });
  // What moved, so the postings alone tell an auditor the change without comparing schedule versions.
  const scheduleChange =
    request.kind === "TERM_ADJUSTMENT"
      ? {
          installmentSeq: request.installmentSeq,
          fromDate: before.installments.find((i) => i.seq === request.installmentSeq)!.dueDate,
          toDate: request.newDueDate,
        }
      : { fromDate: before.maturityDate!, toDate: after.maturityDate! };
  // The engine refuses to move days already accrued or classified, so no balance and no aggregate moves.
  const writes: TransactItem[] = [
    putLoan(after, loanItem),
    schedulePut(after.loanId, schedule.version, schedule.installments, request.kind, schedule.effectiveOn, actor, now, {
      note: schedule.reason,
    }),
    postingPut(after, newId(ID_PREFIX.transaction), request.kind, today, actor, now, {
      reason: schedule.reason,
      scheduleVersion: schedule.version,
      scheduleChange,
    }),
  ];
  const view = loanViewFromItem({ ...loanItem, ...loanItemFields(after) }, program, today);
  return { writes, response: { status: 200, body: view } };
}

export type DebtClassChange = "FREEZE" | "UNFREEZE" | "WRITE_OFF";

const DEBT_CLASS_TRANSITIONS = { FREEZE: freeze, UNFREEZE: unfreeze, WRITE_OFF: writeOff } as const;

/**
 * Frozen debt (khoanh nợ), its end, and write-off, each from today and with its reason. Interest is
 * brought to yesterday first and that catch-up journaled, as a payment does. A frozen loan stays in the
 * portfolio with its balances and accrues nothing; a written-off loan keeps its balances on record but
 * leaves the portfolio, the nightly jobs and its household's count of active loans.
 */
export function planDebtClassChange(
  loanItem: Item,
  program: Program,
  request: { kind: DebtClassChange; reason: string },
  actor: Actor,
  today: string,
  now: string,
  member: Item | undefined,
): WritePlan {
  const before = loanFromItem(loanItem);
  const { loan: after, added } = DEBT_CLASS_TRANSITIONS[request.kind](before, program, today);
  const communePath = loanItem.communePath as string;
  const leavesPortfolio = request.kind === "WRITE_OFF";
  if (leavesPortfolio && !member) throw problems.notFound(`Member ${before.memberId}`);
  const writes: TransactItem[] = [
    putLoan(after, loanItem),
    postingPut(after, newId(ID_PREFIX.transaction), request.kind, today, actor, now, { reason: request.reason }),
    ...postingJournalWrites(addDays(today, -1), communePath, after.programCode, added),
    ...(leavesPortfolio
      ? [
          ...householdWrites(member!, -1, communePath),
          ...aggregateWrites(loanItem, after.programCode, {
            borrowers: -1,
            outstandingVnd: -after.outstandingPrincipalVnd,
            overdueVnd: -after.overduePrincipalVnd,
          }),
        ]
      : []),
  ];
  const view = loanViewFromItem({ ...loanItem, ...loanItemFields(after) }, program, today);
  return { writes, response: { status: 200, body: view } };
}

/** A schedule version, kept beside the earlier ones and never rewritten. */
function schedulePut(
  loanId: string,
  version: number,
  installments: readonly Installment[],
  reason: string,
  effectiveOn: string,
  actor: Actor,
  now: string,
  extra: Item = {},
): TransactItem {
  return {
    Put: {
      Item: {
        ...keys.loanSchedule(loanId, version),
        type: "SCHEDULE",
        loanId,
        version,
        installments,
        reason,
        ...extra,
        effectiveOn,
        createdAt: now,
        createdBy: actor.sub,
      },
      ConditionExpression: "attribute_not_exists(PK)",
    },
  };
}

/** An immutable entry in the loan's postings; events that move no money carry zero amounts. */
function postingPut(
  loan: Loan,
  transactionId: string,
  kind: string,
  valueDate: string,
  actor: Actor,
  now: string,
  fields: Item = {},
): TransactItem {
  return {
    Put: {
      Item: {
        ...keys.loanTransaction(loan.loanId, transactionId),
        type: "LOAN_TX",
        transactionId,
        loanId: loan.loanId,
        memberId: loan.memberId,
        groupId: loan.groupId,
        kind,
        valueDate,
        postedAt: now,
        interestVnd: 0,
        principalVnd: 0,
        amountVnd: 0,
        channel: null,
        receiptId: null,
        reversesTransactionId: null,
        allocation: [],
        actor,
        ...fields,
      },
      ConditionExpression: "attribute_not_exists(PK)",
    },
  };
}
