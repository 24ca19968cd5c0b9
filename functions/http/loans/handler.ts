import { visibleLoan } from "../../../shared/db/access.ts";
import { readQuota } from "../../../shared/db/credit-plans.ts";
import { getItem, hydrate, type Item, queryPage } from "../../../shared/db/items.ts";
import { keys } from "../../../shared/db/keys.ts";
import {
  planApplication,
  planApproval,
  planDebtClassChange,
  planDisbursement,
  planScheduleChange,
} from "../../../shared/db/loan-lifecycle.ts";
import { loanFromItem, loanViewFromItem, programFrom } from "../../../shared/db/loans.ts";
import { actorOf, planPayment, planReversal, transactionView } from "../../../shared/db/postings.ts";
import { loadProgram } from "../../../shared/db/programs.ts";
import { idempotentTransaction, writeResult } from "../../../shared/db/write.ts";
import { maxDate } from "../../../shared/domain/dates.ts";
import { classifiedOverdueVnd } from "../../../shared/domain/loan-state.ts";
import { payableInterestOn } from "../../../shared/domain/payment.ts";
import type { Installment } from "../../../shared/domain/schedule.ts";
import { type Caller, requireOwnGroup, requireOwnMemberOrScope } from "../../../shared/http/auth.ts";
import { httpFunction } from "../../../shared/http/handler.ts";
import { wantsHtml } from "../../../shared/http/html.ts";
import { problems } from "../../../shared/http/problem.ts";
import type { HttpRequest } from "../../../shared/http/route.ts";
import { implement } from "../../../shared/http/route.ts";
import { pageOf } from "../../../shared/http/schemas.ts";
import { count } from "../../../shared/log/metrics.ts";
import { businessDateInVietnam } from "../../../shared/time.ts";
import * as c from "./contract.ts";
import { receiptHtml, receiptView } from "./receipt.ts";

const now = () => new Date().toISOString();
const OWN_GROUP = "Group leaders post for their own group only.";

const createLoan = implement(c.createLoan, async ({ body, caller, idempotency }) => {
  const member = await getItem(keys.member(body.memberId));
  requireOwnMemberOrScope(caller, body.memberId, member?.scope as string | undefined, `Member ${body.memberId}`);
  requireOwnGroup(caller, member!.scope, OWN_GROUP);
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [keys.group(member!.groupId as string), keys.program(body.programCode)],
    plan: ([group, stored]) =>
      planApplication(
        member!,
        group!,
        programFrom(body.programCode, stored),
        {
          principalVnd: body.principalVnd,
          termMonths: body.disbursementPlan.termMonths,
          installmentMonths: body.disbursementPlan.principalInstallmentMonths,
          purpose: body.purpose,
        },
        now(),
      ),
  });
  return writeResult(outcome);
});

/** Reads the loan and its program in the write's first round trip, checks visibility, then plans. */
function loanWrite(
  caller: Caller,
  loanId: string,
  idempotency: { key: string; fingerprint: string },
  plan: (
    loan: Item,
    program: ReturnType<typeof programFrom>,
    today: string,
  ) => ReturnType<typeof planApproval> | Promise<ReturnType<typeof planApproval>>,
  extraRead: Parameters<typeof idempotentTransaction>[0]["read"] = [],
  onExtra?: (items: (Item | undefined)[]) => void,
) {
  return idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency },
    read: [keys.loan(loanId), ...extraRead],
    plan: async ([loan, ...rest]) => {
      const item = visibleLoan(caller, loanId, loan);
      requireOwnGroup(caller, item.scope, OWN_GROUP);
      onExtra?.(rest);
      return plan(item, await loadProgram(item.programCode as string), businessDateInVietnam());
    },
  });
}

const approveLoan = implement(c.approveLoan, async ({ params, caller, idempotency }) =>
  writeResult(
    await loanWrite(caller, params.loanId, idempotency!, (loan, program, today) =>
      planApproval(loan, program, actorOf(caller, null), today, now()),
    ),
  ),
);

const disburseLoan = implement(c.disburseLoan, async ({ params, body, caller, idempotency }) => {
  if (body.planOverride && !caller.overrides?.includes("CREDIT_PLAN")) {
    throw problems.forbidden("Disbursing over the credit plan needs the CREDIT_PLAN override right.");
  }
  const override = body.planOverride
    ? { sub: caller.sub, role: caller.role, reason: body.planOverride.reason }
    : undefined;
  return writeResult(
    await loanWrite(caller, params.loanId, idempotency!, async (loan, program, today) => {
      const [quota, member] = await Promise.all([
        readQuota(loan.communePath as string, loan.programCode as string, Number(body.disbursedOn.slice(0, 4))),
        getItem(keys.member(loan.memberId as string), true),
      ]);
      if (!member) throw problems.notFound(`Member ${loan.memberId as string}`);
      const plan = { ...quota, override };
      return planDisbursement(loan, program, body.disbursedOn, actorOf(caller, null), today, now(), plan, member);
    }),
  );
});

const adjustTerm = implement(c.adjustTerm, async ({ params, body, caller, idempotency }) =>
  writeResult(
    await loanWrite(caller, params.loanId, idempotency!, (loan, program, today) =>
      planScheduleChange(loan, program, { kind: "TERM_ADJUSTMENT", ...body }, actorOf(caller, null), today, now()),
    ),
  ),
);

const extendLoan = implement(c.extendLoan, async ({ params, body, caller, idempotency }) =>
  writeResult(
    await loanWrite(caller, params.loanId, idempotency!, (loan, program, today) =>
      planScheduleChange(loan, program, { kind: "EXTENSION", ...body }, actorOf(caller, null), today, now()),
    ),
  ),
);

/** Freeze, unfreeze and write-off share one shape; a write-off also moves the household's count. */
function debtClassChange(kind: "FREEZE" | "UNFREEZE" | "WRITE_OFF") {
  return async ({ params, body, caller, idempotency }: HttpRequest<typeof c.freezeLoan>) =>
    writeResult(
      await loanWrite(caller, params.loanId, idempotency!, async (loan, program, today) => {
        const member = kind === "WRITE_OFF" ? await getItem(keys.member(loan.memberId as string), true) : undefined;
        return planDebtClassChange(loan, program, { kind, ...body }, actorOf(caller, null), today, now(), member);
      }),
    );
}

const postPayment = implement(c.postPayment, async ({ params, body, caller, idempotency }) => {
  if (caller.role === "GROUP_LEADER" && body.channel !== "GROUP_COLLECTION") {
    throw problems.forbidden("Group leaders post group collections only.");
  }
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [keys.loan(params.loanId)],
    plan: async ([loan]) => {
      const item = visibleLoan(caller, params.loanId, loan);
      requireOwnGroup(caller, item.scope, OWN_GROUP);
      const program = await loadProgram(item.programCode as string);
      return planPayment(
        item,
        program,
        {
          paidOn: body.paidOn,
          interestVnd: body.interestVnd,
          principalVnd: body.principalVnd,
          channel: body.channel,
          actor: actorOf(caller, body.channel, body.deviceId),
          today: businessDateInVietnam(),
        },
        now(),
        () => getItem(keys.member(item.memberId as string), true),
      );
    },
  });
  if (!outcome.replayed) count("PaymentPosted", 1, { channel: body.channel });
  return writeResult(outcome);
});

const reversePosting = implement(c.reversePosting, async ({ params, body, caller, idempotency }) => {
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [
      keys.loan(params.loanId),
      keys.loanTransaction(params.loanId, params.transactionId),
      keys.reversalGuard(params.loanId, params.transactionId),
    ],
    plan: async ([loan, original, guard]) => {
      const item = visibleLoan(caller, params.loanId, loan);
      if (!original) throw problems.notFound(`Transaction ${params.transactionId}`);
      if (guard)
        throw problems.conflict("ALREADY_REVERSED", `Transaction ${params.transactionId} is already reversed.`);
      const program = await loadProgram(item.programCode as string);
      return planReversal(
        item,
        program,
        original,
        { reason: body.reason, actor: actorOf(caller, null), today: businessDateInVietnam() },
        now(),
        () => getItem(keys.member(item.memberId as string), true),
      );
    },
  });
  return writeResult(outcome);
});

async function readLoan(caller: Caller, loanId: string) {
  const item = visibleLoan(caller, loanId, await getItem(keys.loan(loanId)));
  const program = await loadProgram(item.programCode as string);
  return { item, program };
}

const getLoan = implement(c.getLoan, async ({ params, caller }) => {
  const { item, program } = await readLoan(caller, params.loanId);
  return { status: 200, body: loanViewFromItem(item, program, businessDateInVietnam()) };
});

const getSchedule = implement(c.getSchedule, async ({ params, query, caller }) => {
  const { item } = await readLoan(caller, params.loanId);
  const loan = loanFromItem(item);
  if (query?.version !== undefined && query.version !== loan.scheduleVersion) {
    // An earlier version, exactly as it was kept when a later one replaced it.
    const kept = await getItem(keys.loanSchedule(loan.loanId, query.version));
    if (!kept) throw problems.notFound(`Schedule version ${query.version} of loan ${loan.loanId}`);
    return {
      status: 200,
      body: {
        loanId: loan.loanId,
        version: kept.version as number,
        installments: (kept.installments as Installment[]).map((i) => ({ ...i, overdue: false })),
        reason: kept.reason as string,
        effectiveOn: kept.effectiveOn as string,
      },
    };
  }
  const overdueThrough = loan.overdueClassifiedThrough;
  return {
    status: 200,
    body: {
      loanId: loan.loanId,
      version: loan.scheduleVersion,
      installments: loan.installments.map((i) => ({
        ...i,
        overdue:
          overdueThrough !== undefined &&
          i.dueDate <= overdueThrough &&
          i.paidVnd < i.principalVnd &&
          classifiedOverdueVnd([i], overdueThrough) > 0,
      })),
    },
  };
});

const listTransactions = implement(c.listTransactions, async ({ params, query, caller }) => {
  await readLoan(caller, params.loanId);
  const page = await queryPage({
    partition: keys.loan(params.loanId).PK,
    skPrefix: keys.loanTransactionPrefix,
    ...pageOf(query),
  });
  return { status: 200, body: { items: page.items.map(transactionView), nextCursor: page.nextCursor } };
});

const listMemberLoans = implement(c.listMemberLoans, async ({ params, query, caller }) => {
  const member = await getItem(keys.member(params.memberId));
  requireOwnMemberOrScope(caller, params.memberId, member?.scope as string | undefined, `Member ${params.memberId}`);
  const page = await queryPage({ index: "GSI1", partition: keys.memberLoans(params.memberId), ...pageOf(query) });
  const loanItems = await hydrate(page.items);
  const today = businessDateInVietnam();
  const items = await Promise.all(
    loanItems.map(async (item) => loanViewFromItem(item, await loadProgram(item.programCode as string), today)),
  );
  return { status: 200, body: { items, nextCursor: page.nextCursor } };
});

const getReceipt = implement(c.getReceipt, async ({ params, caller, headers }) => {
  const receipt = await getItem(keys.receipt(params.receiptId));
  requireOwnMemberOrScope(
    caller,
    (receipt?.memberId as string) ?? "",
    receipt?.scope as string | undefined,
    `Receipt ${params.receiptId}`,
  );
  const guard = await getItem(keys.reversalGuard(receipt!.loanId as string, receipt!.transactionId as string));
  const view = receiptView(receipt!, Boolean(guard));
  if (wantsHtml(headers.accept)) {
    return { status: 200, text: receiptHtml(view), contentType: "text/html; charset=utf-8" };
  }
  return { status: 200, body: view };
});

/** The borrower's phone view. Reads the member, their loans, savings and five receipts: O(loans). */
const memberSummary = implement(c.memberSummary, async ({ params, caller }) => {
  const member = await getItem(keys.member(params.memberId));
  requireOwnMemberOrScope(caller, params.memberId, member?.scope as string | undefined, `Member ${params.memberId}`);
  const today = businessDateInVietnam();
  const [loanItems, savings, receipts] = await Promise.all([
    queryPage({ index: "GSI1", partition: keys.memberLoans(params.memberId), limit: 100 }),
    getItem(keys.savings(params.memberId)),
    queryPage({ index: "GSI1", partition: keys.memberReceipts(params.memberId), limit: 5, newestFirst: true }),
  ]);
  const loans = [];
  let next: { loanId: string; date: string; principalVnd: number; interestVnd: number; totalVnd: number } | null = null;
  for (const item of await hydrate(loanItems.items)) {
    const program = await loadProgram(item.programCode as string);
    const view = loanViewFromItem(item, program, today);
    loans.push(view);
    const loan = loanFromItem(item);
    if (!view.nextDue || !["ACTIVE", "OVERDUE"].includes(loan.status) || (next && next.date <= view.nextDue.date))
      continue;
    const due = maxDate(view.nextDue.date, today);
    const interestVnd = payableInterestOn(loan, program, due);
    next = {
      loanId: loan.loanId,
      date: view.nextDue.date,
      principalVnd: view.nextDue.principalVnd,
      interestVnd,
      totalVnd: view.nextDue.principalVnd + interestVnd,
    };
  }
  // A reversed payment keeps its receipt, but the borrower must not read it as money received.
  const reversed = await Promise.all(
    receipts.items.map((r) => getItem(keys.reversalGuard(r.loanId as string, r.transactionId as string))),
  );
  return {
    status: 200,
    body: {
      memberId: params.memberId,
      fullName: member!.fullName as string,
      groupId: member!.groupId as string,
      loans,
      nextDue: next,
      savingsBalanceVnd: (savings?.balanceVnd as number | undefined) ?? 0,
      lastReceipts: receipts.items.map((r, i) => ({
        receiptId: r.receiptId as string,
        paidOn: r.paidOn as string,
        interestVnd: r.interestVnd as number,
        principalVnd: r.principalVnd as number,
        totalVnd: r.totalVnd as number,
        reversed: Boolean(reversed[i]),
      })),
    },
  };
});

export const handler = httpFunction([
  memberSummary,
  createLoan,
  approveLoan,
  disburseLoan,
  adjustTerm,
  extendLoan,
  implement(c.freezeLoan, debtClassChange("FREEZE")),
  implement(c.unfreezeLoan, debtClassChange("UNFREEZE")),
  implement(c.writeOffLoan, debtClassChange("WRITE_OFF")),
  getLoan,
  getSchedule,
  listTransactions,
  postPayment,
  reversePosting,
  listMemberLoans,
  getReceipt,
]);
