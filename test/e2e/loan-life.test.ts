/**
 * One policy loan from the commune's first record to its closing, through the public API only. After
 * every step the API's figures are compared with the credit engine fed the same steps, to the đồng.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, addMonthsClamped, daysBetween } from "../../shared/domain/index.ts";
import {
  allTransactions,
  applyForLoan,
  body,
  closedFormInterestVnd,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  ExpectedLoan,
  expectLoanMatches,
  expectProblem,
  expectStatus,
  type GroupOut,
  get,
  getLoan,
  type LoanOut,
  type MemberOut,
  memberBody,
  monthsAgo,
  post,
  put,
  startE2e,
  today,
  vietnameseName,
} from "./fixtures.ts";

/** 6.60% a year on the actual days, rounded half up once. */
function poorInterestVnd(balanceVnd: number, days: number): number {
  return closedFormInterestVnd([balanceVnd, 660, days]);
}

const viVN = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0 });

describe("a poor-household loan from application to closing", () => {
  let e2e: E2e;
  let admin: string;
  let officer: string;
  let leader: string;
  let group: GroupOut;
  let borrower: MemberOut;
  let expected: ExpectedLoan;
  let loanId: string;
  const disbursedOn = monthsAgo(15);
  const monthly = (k: number) => addMonthsClamped(disbursedOn, k);
  /** Payments by month, in order: the id the API gave and its receipt. */
  const payments: { month: number; transactionId: string; receiptId: string | null; interestVnd: number }[] = [];

  beforeAll(async () => {
    e2e = await startE2e("e2e-life");
    admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
  });
  afterAll(() => e2e.api.close());

  it("creates the commune, a group and its 60 members, and refuses a 61st", async () => {
    const { api } = e2e;
    const commune = await createCommune(api, admin, "MUONG-BANG", "Mường Báng");
    expect(commune.path).toBe("DB/TUA-CHUA/MUONG-BANG");
    group = await createGroup(api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    expect(group.scope).toBe(`DB/TUA-CHUA/MUONG-BANG/${group.groupId}`);
    expect(group.memberCount).toBe(0);

    const members: MemberOut[] = [];
    for (let n = 0; n < 60; n++) members.push(await createMember(api, officer, group.groupId, vietnameseName(n)));
    borrower = members[0]!;
    expect(borrower.scope).toBe(group.scope);

    // Identity numbers are shown masked, to everyone.
    const seen = await get(api, officer, `/v1/members/${borrower.memberId}`);
    expectStatus(seen, 200);
    expect(body(seen).nationalIdMasked).toMatch(/^\*{8}\d{4}$/);
    expect(body(seen).phoneMasked).toMatch(/^\*{7}\d{3}$/);

    const sixtyFirst = await post(api, officer, "/v1/members", memberBody(group.groupId, "Thào A Lử"));
    expectProblem(sixtyFirst, 422, "group-full");
    const after = body<GroupOut>(await get(api, officer, `/v1/groups/${group.groupId}`));
    expect(after.memberCount).toBe(60);

    const firstPage = body<{ items: MemberOut[]; nextCursor: string | null }>(
      await get(api, officer, `/v1/groups/${group.groupId}/members?limit=50`),
    );
    expect(firstPage.items).toHaveLength(50);
    expect(firstPage.nextCursor).not.toBeNull();
    const secondPage = body<{ items: MemberOut[]; nextCursor: string | null }>(
      await get(
        api,
        officer,
        `/v1/groups/${group.groupId}/members?limit=50&cursor=${encodeURIComponent(firstPage.nextCursor!)}`,
      ),
    );
    expect(secondPage.items).toHaveLength(10);
    const names = [...firstPage.items, ...secondPage.items].map((m) => m.fullName).sort();
    expect(names).toEqual(members.map((m) => m.fullName).sort());
    expect(names).not.toContain("Thào A Lử");

    const elected = await put(api, officer, `/v1/groups/${group.groupId}/leader`, { memberId: borrower.memberId });
    expectStatus(elected, 200);
    expect(body(elected).leaderMemberId).toBe(borrower.memberId);
    leader = await api.token("GROUP_LEADER", group.scope);
  });

  it("takes the application, approval and disbursement, each matching the engine", async () => {
    const { api } = e2e;
    loanId = await applyForLoan(api, leader, borrower.memberId);
    expected = new ExpectedLoan({ loanId, memberId: borrower.memberId, groupId: group.groupId });
    const pending = await getLoan(api, officer, loanId);
    expectLoanMatches(pending, expected, "pending");
    expect(pending).toMatchObject({ status: "PENDING_APPROVAL", principalVnd: 30_000_000, outstandingPrincipalVnd: 0 });

    // Money cannot move before approval.
    expectProblem(await post(api, officer, `/v1/loans/${loanId}/disburse`, { disbursedOn }), 409);

    const approved = await post(api, officer, `/v1/loans/${loanId}/approve`, {});
    expectStatus(approved, 200);
    expected.approve();
    expectLoanMatches(body(approved), expected, "approve response");
    expectLoanMatches(await getLoan(api, officer, loanId), expected, "approved");

    const future = await post(api, officer, `/v1/loans/${loanId}/disburse`, { disbursedOn: addDays(today(), 1) });
    expectProblem(future, 422, "disbursement-in-future");
    const disbursed = await post(api, officer, `/v1/loans/${loanId}/disburse`, { disbursedOn });
    expectStatus(disbursed, 200);
    expected.disburse(disbursedOn);
    expectLoanMatches(body(disbursed), expected, "disburse response");
    const active = await getLoan(api, officer, loanId);
    expectLoanMatches(active, expected, "active");
    expect(active).toMatchObject({
      status: "ACTIVE",
      outstandingPrincipalVnd: 30_000_000,
      accruedInterestVnd: 0,
      annualRateBps: 660,
      overdueAnnualRateBps: 858,
      disbursedOn,
      maturityDate: addMonthsClamped(disbursedOn, 24),
      nextDue: { date: addMonthsClamped(disbursedOn, 6), principalVnd: 7_500_000 },
    });

    const schedule = body<{ version: number; installments: unknown[] }>(
      await get(api, leader, `/v1/loans/${loanId}/schedule`),
    );
    expect(schedule.version).toBe(1);
    expect(schedule.installments).toEqual(
      [1, 2, 3, 4].map((seq) => ({
        seq,
        dueDate: addMonthsClamped(disbursedOn, seq * 6),
        principalVnd: 7_500_000,
        paidVnd: 0,
        overdue: false,
      })),
    );
  });

  it("posts a year of monthly interest and the principal on schedule, matching the engine after each", async () => {
    const { api } = e2e;
    for (let month = 1; month <= 11; month++) {
      const paidOn = monthly(month);
      const payable = expected.payable(paidOn);
      // Month 3 is short by 50,000: the rest stays owed as interest in arrears and is paid in month 4.
      const interestVnd = month === 3 ? payable - 50_000 : payable;
      const principalVnd = month === 6 ? 7_500_000 : 0;

      if (month === 2) {
        const tooMuch = await post(api, leader, `/v1/loans/${loanId}/payments`, {
          paidOn,
          interestVnd: payable + 1,
          principalVnd: 0,
          channel: "GROUP_COLLECTION",
        });
        expectProblem(tooMuch, 422, "interest-exceeds-payable");
        const overPrincipal = await post(api, officer, `/v1/loans/${loanId}/payments`, {
          paidOn,
          interestVnd: 0,
          principalVnd: 30_000_001,
          channel: "TRANSACTION_POINT",
        });
        expectProblem(overPrincipal, 422, "principal-exceeds-outstanding");
        const future = await post(api, leader, `/v1/loans/${loanId}/payments`, {
          paidOn: addDays(today(), 1),
          interestVnd: 1_000,
          principalVnd: 0,
          channel: "GROUP_COLLECTION",
        });
        expectProblem(future, 422, "payment-in-future");
        expectLoanMatches(await getLoan(api, officer, loanId), expected, "after refused payments");
      }

      // Collections go through the leader; principal is repaid at the transaction point.
      const [token, channel] = principalVnd > 0 ? [officer, "TRANSACTION_POINT"] : [leader, "GROUP_COLLECTION"];
      const answer = await post(api, token, `/v1/loans/${loanId}/payments`, {
        paidOn,
        interestVnd,
        principalVnd,
        channel,
      });
      expectStatus(answer, 201, `month ${month}`);
      const posted = body<{ transactionId: string; receiptId: string | null; loan: LoanOut }>(answer);
      expected.pay(posted.transactionId, paidOn, interestVnd, principalVnd);
      payments.push({ month, transactionId: posted.transactionId, receiptId: posted.receiptId, interestVnd });
      expectLoanMatches(posted.loan, expected, `month ${month} response`);
      expectLoanMatches(await getLoan(api, leader, loanId), expected, `month ${month}`);
      expect(posted.receiptId).toMatch(/^R-/);
      if (month === 3) expect(posted.loan).toMatchObject({ interestArrearsVnd: 50_000, accruedInterestVnd: 50_000 });
      if (month === 4) expect(posted.loan).toMatchObject({ interestArrearsVnd: 0, accruedInterestVnd: 0 });
    }

    // The engine and the closed form agree on the first month: 30,000,000 at 6.6% for the days elapsed.
    expect(payments[0]!.interestVnd).toBe(poorInterestVnd(30_000_000, daysBetween(disbursedOn, monthly(1))));
    // After the first principal instalment the balance is 22,500,000.
    expect(payments[6]!.interestVnd).toBe(poorInterestVnd(22_500_000, daysBetween(monthly(6), monthly(7))));

    const loan = await getLoan(api, officer, loanId);
    expect(loan).toMatchObject({
      status: "ACTIVE",
      outstandingPrincipalVnd: 22_500_000,
      overduePrincipalVnd: 0,
      nextDue: { date: addMonthsClamped(disbursedOn, 12), principalVnd: 7_500_000 },
    });
  });

  it("shows interest in arrears between a short month and the next full one", async () => {
    const month3 = payments[2]!;
    const month4 = payments[3]!;
    expect(month4.interestVnd - 50_000).toBe(poorInterestVnd(30_000_000, daysBetween(monthly(3), monthly(4))));
    const transactions = await allTransactions(e2e.api, officer, loanId);
    const third = transactions.find((t) => t.transactionId === month3.transactionId)!;
    const fourth = transactions.find((t) => t.transactionId === month4.transactionId)!;
    expect(third.allocation).toEqual([{ kind: "INTEREST_CURRENT", amountVnd: month3.interestVnd }]);
    expect(fourth.allocation).toEqual([
      { kind: "INTEREST_ARREARS", amountVnd: 50_000 },
      { kind: "INTEREST_CURRENT", amountVnd: month4.interestVnd - 50_000 },
    ]);
  });

  it("reverses the latest payment with a correcting entry that restores the loan exactly", async () => {
    const { api } = e2e;
    const before = await getLoan(api, officer, loanId);
    const paidOn = monthly(12);
    const interestVnd = expected.payable(paidOn);
    const answer = await post(api, officer, `/v1/loans/${loanId}/payments`, {
      paidOn,
      interestVnd,
      principalVnd: 7_500_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(answer, 201);
    const twelfth = body<{ transactionId: string; receiptId: string; loan: LoanOut }>(answer);
    expected.pay(twelfth.transactionId, paidOn, interestVnd, 7_500_000);
    expectLoanMatches(await getLoan(api, officer, loanId), expected, "month 12");
    expect(twelfth.loan.outstandingPrincipalVnd).toBe(15_000_000);

    // Only the latest payment can be undone exactly; an older one is corrected with a new entry instead.
    const older = await post(api, officer, `/v1/loans/${loanId}/transactions/${payments[10]!.transactionId}/reversal`, {
      reason: "Nhập nhầm",
    });
    expectProblem(older, 409, "not-latest-posting");

    const reversal = await post(api, officer, `/v1/loans/${loanId}/transactions/${twelfth.transactionId}/reversal`, {
      reason: "Thu nhầm khế ước",
    });
    expectStatus(reversal, 201);
    expected.reverse(twelfth.transactionId);
    const reversed = body<{ transactionId: string; loan: LoanOut }>(reversal);
    expectLoanMatches(reversed.loan, expected, "reversal response");
    const restored = await getLoan(api, officer, loanId);
    expectLoanMatches(restored, expected, "after reversal");
    // The balances are those before the payment. The interest it had settled is owed again, now shown
    // accrued through the day before the payment date: the same amount the borrower would owe then.
    const { accruedInterestVnd, interestAccruedThrough, ...balances } = restored;
    const { accruedInterestVnd: _a, interestAccruedThrough: _t, ...balancesBefore } = before;
    expect(balances).toEqual(balancesBefore);
    expect(interestAccruedThrough).toBe(addDays(paidOn, -1));
    expect(accruedInterestVnd).toBe(interestVnd);
    expect(accruedInterestVnd).toBe(poorInterestVnd(22_500_000, daysBetween(monthly(11), paidOn)));

    const again = await post(api, officer, `/v1/loans/${loanId}/transactions/${twelfth.transactionId}/reversal`, {
      reason: "Thu nhầm khế ước",
    });
    expectProblem(again, 409, "already-reversed");
    expectLoanMatches(await getLoan(api, officer, loanId), expected, "after a refused second reversal");

    const receipt = body<{ reversed: boolean; interestVnd: number }>(
      await get(api, officer, `/v1/receipts/${twelfth.receiptId}`),
    );
    expect(receipt).toMatchObject({ reversed: true, interestVnd });
    const printed = await get(api, officer, `/v1/receipts/${twelfth.receiptId}`, "text/html");
    expect(printed.text).toContain("ĐÃ HUỶ");

    const transactions = await allTransactions(api, officer, loanId);
    const original = transactions.find((t) => t.transactionId === twelfth.transactionId);
    expect(original).toMatchObject({ kind: "PAYMENT", interestVnd, principalVnd: 7_500_000 });
    const correcting = transactions.find((t) => t.transactionId === reversed.transactionId);
    expect(correcting).toMatchObject({
      kind: "REVERSAL",
      reversesTransactionId: twelfth.transactionId,
      interestVnd: -interestVnd,
      principalVnd: -7_500_000,
      amountVnd: -(interestVnd + 7_500_000),
      valueDate: paidOn,
    });
    payments.push({ month: 12, transactionId: twelfth.transactionId, receiptId: twelfth.receiptId, interestVnd });

    // The month is then collected again, correctly this time.
    const repost = await post(api, officer, `/v1/loans/${loanId}/payments`, {
      paidOn,
      interestVnd,
      principalVnd: 7_500_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(repost, 201);
    const reposted = body<{ transactionId: string; receiptId: string }>(repost);
    expected.pay(reposted.transactionId, paidOn, interestVnd, 7_500_000);
    payments.push({ month: 12, transactionId: reposted.transactionId, receiptId: reposted.receiptId, interestVnd });
    expectLoanMatches(await getLoan(api, officer, loanId), expected, "month 12 again");
  });

  it("closes the loan when the rest is repaid early, and takes no payment after", async () => {
    const { api } = e2e;
    const paidOn = monthly(13);
    const interestVnd = expected.payable(paidOn);
    expect(interestVnd).toBe(poorInterestVnd(15_000_000, daysBetween(monthly(12), paidOn)));
    const answer = await post(api, officer, `/v1/loans/${loanId}/payments`, {
      paidOn,
      interestVnd,
      principalVnd: 15_000_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(answer, 201);
    const closing = body<{ transactionId: string; receiptId: string }>(answer);
    expected.pay(closing.transactionId, paidOn, interestVnd, 15_000_000);
    payments.push({ month: 13, transactionId: closing.transactionId, receiptId: closing.receiptId, interestVnd });

    const closed = await getLoan(api, officer, loanId);
    expectLoanMatches(closed, expected, "closed");
    expect(closed).toMatchObject({
      status: "CLOSED",
      outstandingPrincipalVnd: 0,
      overduePrincipalVnd: 0,
      accruedInterestVnd: 0,
      interestArrearsVnd: 0,
      nextDue: null,
    });

    const late = await post(api, officer, `/v1/loans/${loanId}/payments`, {
      paidOn: monthly(14),
      interestVnd: 1_000,
      principalVnd: 0,
      channel: "TRANSACTION_POINT",
    });
    expectProblem(late, 409);
    expect(await getLoan(api, officer, loanId)).toEqual(closed);

    const schedule = body<{ installments: { seq: number; principalVnd: number; paidVnd: number }[] }>(
      await get(api, officer, `/v1/loans/${loanId}/schedule`),
    );
    expect(schedule.installments.map((i) => [i.seq, i.principalVnd, i.paidVnd])).toEqual([
      [1, 7_500_000, 7_500_000],
      [2, 7_500_000, 7_500_000],
      [3, 7_500_000, 7_500_000],
      [4, 7_500_000, 7_500_000],
    ]);

    const listed = body<{ items: LoanOut[] }>(await get(api, leader, `/v1/members/${borrower.memberId}/loans`));
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ loanId, status: "CLOSED", outstandingPrincipalVnd: 0 });
  });

  it("keeps every posting: disbursement, payments, the reversal and its re-collection, oldest first", async () => {
    const transactions = await allTransactions(e2e.api, officer, loanId);
    expect(transactions.map((t) => t.kind)).toEqual([
      "DISBURSEMENT",
      ...Array(12).fill("PAYMENT"),
      "REVERSAL",
      "PAYMENT",
      "PAYMENT",
    ]);
    expect(transactions[0]).toMatchObject({ kind: "DISBURSEMENT", principalVnd: 30_000_000, valueDate: disbursedOn });
    const posted = transactions.filter((t) => t.kind === "PAYMENT").map((t) => t.transactionId);
    expect(posted).toEqual(payments.map((p) => p.transactionId));
    for (const p of payments) {
      const t = transactions.find((x) => x.transactionId === p.transactionId)!;
      expect(t.interestVnd).toBe(p.interestVnd);
      expect(t.receiptId).toBe(p.receiptId);
    }

    const repaid = transactions.filter((t) => t.kind !== "DISBURSEMENT").reduce((s, t) => s + t.principalVnd, 0);
    expect(repaid).toBe(30_000_000);
    const interestKept = transactions.reduce((s, t) => s + t.interestVnd, 0);
    const reversedInterest = payments.find((p) => p.month === 12)!.interestVnd;
    expect(interestKept).toBe(payments.reduce((s, p) => s + p.interestVnd, 0) - reversedInterest);
    for (const t of transactions) {
      expect(t.amountVnd).toBe(t.kind === "DISBURSEMENT" ? t.principalVnd : t.interestVnd + t.principalVnd);
    }
  });

  it("issues a receipt in JSON and as a printable Vietnamese page", async () => {
    const { api } = e2e;
    const first = payments[0]!;
    const json = await get(api, leader, `/v1/receipts/${first.receiptId}`);
    expectStatus(json, 200);
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    expect(json.json).toMatchObject({
      receiptId: first.receiptId,
      transactionId: first.transactionId,
      loanId,
      memberId: borrower.memberId,
      memberName: borrower.fullName,
      groupId: group.groupId,
      groupName: group.name,
      programCode: "POOR",
      paidOn: monthly(1),
      interestVnd: first.interestVnd,
      principalVnd: 0,
      totalVnd: first.interestVnd,
      channel: "GROUP_COLLECTION",
      reversed: false,
    });

    const page = await get(api, leader, `/v1/receipts/${first.receiptId}`, "text/html");
    expectStatus(page, 200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toContain(borrower.fullName);
    expect(page.text).toContain(`${viVN.format(first.interestVnd)} đồng`);
    const [y, m, d] = monthly(1).split("-");
    expect(page.text).toContain(`${d}/${m}/${y}`);
    expect(page.text).not.toContain("ĐÃ HUỶ");

    // The month repaying principal prints both amounts and their total, grouped the Vietnamese way.
    const sixth = payments[5]!;
    const sixthPage = await get(api, leader, `/v1/receipts/${sixth.receiptId}`, "text/html");
    expect(sixthPage.text).toContain("7.500.000 đồng");
    expect(sixthPage.text).toContain(`${viVN.format(sixth.interestVnd + 7_500_000)} đồng`);

    // The borrower sees its own receipt.
    const own = await e2e.api.token("BORROWER", group.scope, borrower.memberId);
    expectStatus(await get(api, own, `/v1/receipts/${first.receiptId}`), 200);
  });

  it("prints a name with markup in it as text, not as markup", async () => {
    const { api } = e2e;
    const small = await createGroup(api, officer, "MUONG-BANG", "Tổ <i>TK&VV</i> Kê Cai 2");
    const named = await createMember(api, officer, small.groupId, `Lò <script>alert("x")</script> & Mai`);
    const other = new ExpectedLoan({ loanId: await applyForLoan(api, officer, named.memberId), ...named });
    expectStatus(await post(api, officer, `/v1/loans/${other.loanId}/approve`, {}), 200);
    expectStatus(await post(api, officer, `/v1/loans/${other.loanId}/disburse`, { disbursedOn: monthly(1) }), 200);
    other.approve();
    other.disburse(monthly(1));
    const paidOn = monthly(2);
    const paid = await post(api, officer, `/v1/loans/${other.loanId}/payments`, {
      paidOn,
      interestVnd: other.payable(paidOn),
      principalVnd: 0,
      channel: "BANK_TRANSFER",
    });
    expectStatus(paid, 201);
    const page = await get(api, officer, `/v1/receipts/${body(paid).receiptId}`, "text/html");
    expect(page.text).not.toContain("<script>");
    expect(page.text).not.toContain("<i>");
    expect(page.text).toContain("Lò &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Mai");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  });

  it("keeps the member's savings: deposits, withdrawals, never below zero", async () => {
    const { api } = e2e;
    const path = `/v1/members/${borrower.memberId}/savings`;
    const first = await post(api, leader, `${path}/deposits`, { amountVnd: 50_000, on: monthly(1) });
    expectStatus(first, 201);
    expect(body(first)).toMatchObject({ kind: "DEPOSIT", amountVnd: 50_000, balanceVnd: 50_000 });
    expectStatus(await post(api, leader, `${path}/deposits`, { amountVnd: 20_000, on: monthly(2) }), 201);
    expectProblem(
      await post(api, leader, `${path}/deposits`, { amountVnd: 4_999, on: monthly(2) }),
      422,
      "deposit-too-small",
    );
    // Money not yet handed over cannot be recorded: a deposit dated tomorrow is refused like a payment.
    const early = await post(api, leader, `${path}/deposits`, { amountVnd: 20_000, on: addDays(today(), 1) });
    expectProblem(early, 422, "movement-in-future");
    const withdrawal = await post(api, officer, `${path}/withdrawals`, { amountVnd: 30_000, on: monthly(3) });
    expectStatus(withdrawal, 201);
    expect(body(withdrawal)).toMatchObject({ kind: "WITHDRAWAL", balanceVnd: 40_000 });

    const overdraw = await post(api, officer, `${path}/withdrawals`, { amountVnd: 40_001, on: monthly(3) });
    expectProblem(overdraw, 422, "insufficient-savings");
    expect(body(overdraw).balanceVnd).toBe(40_000);

    const own = await api.token("BORROWER", group.scope, borrower.memberId);
    const savings = await get(api, own, path);
    expectStatus(savings, 200);
    expect(body(savings)).toMatchObject({
      memberId: borrower.memberId,
      balanceVnd: 40_000,
      lastMovementOn: monthly(3),
    });
    const items = body<{ items: { kind: string; amountVnd: number; balanceAfterVnd: number }[] }>(savings).items;
    expect(items.map((i) => [i.kind, i.amountVnd, i.balanceAfterVnd])).toEqual([
      ["WITHDRAWAL", 30_000, 40_000],
      ["DEPOSIT", 20_000, 70_000],
      ["DEPOSIT", 50_000, 50_000],
    ]);
  });
});
