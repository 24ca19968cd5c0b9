/**
 * A phone in the mountains resends what it is not sure was received. The same Idempotency-Key must
 * post once, answer every retry with the first answer, and refuse the key for a different request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HttpAnswer } from "../support/index.ts";
import {
  activeLoan,
  allTransactions,
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectLoanMatches,
  expectProblem,
  expectStatus,
  get,
  getLoan,
  type MemberOut,
  monthsAgo,
  newKey,
  post,
  startE2e,
  today,
  together,
} from "./fixtures.ts";

/** Every answer is the first 201 (replays flagged as such) or a 409 problem; exactly one is not a replay. */
function expectOneOriginal(answers: HttpAnswer[], first: HttpAnswer): void {
  const originals = answers.filter((a) => a.status === 201 && a.headers.get("idempotent-replayed") !== "true");
  expect(originals.length).toBeLessThanOrEqual(1);
  for (const answer of answers) {
    if (answer.status === 409) {
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      continue;
    }
    expectStatus(answer, 201);
    expect(answer.json).toEqual(first.json);
  }
}

describe("retries with one Idempotency-Key", () => {
  let e2e: E2e;
  let officer: string;
  let member: MemberOut;

  beforeAll(async () => {
    e2e = await startE2e("e2e-idempotency");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "MUONG-BANG", "Mường Báng");
    const group = await createGroup(e2e.api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    member = await createMember(e2e.api, officer, group.groupId, "Lò Thị Mai");
  });
  afterAll(() => e2e.api.close());

  it("a payment sent 20 times at once and 20 times after is posted once", async () => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(2));
    const loanId = expected.loanId;
    // The key belongs to the caller: the retries come from the same signed-in user, so the same token.
    const leader = await api.token("GROUP_LEADER", member.scope);
    const key = newKey();
    const paidOn = today();
    const interestVnd = expected.payable(paidOn);
    const payment = { paidOn, interestVnd, principalVnd: 2_000_000, channel: "GROUP_COLLECTION" };
    const path = `/v1/loans/${loanId}/payments`;

    const burst = await together(20, () => post(api, leader, path, payment, key));
    const first = burst.find((a) => a.status === 201);
    expect(first, JSON.stringify(burst.map((a) => a.status))).toBeDefined();
    expectOneOriginal(burst, first!);

    const sequential: HttpAnswer[] = [];
    for (let i = 0; i < 20; i++) sequential.push(await post(api, leader, path, payment, key));
    for (const answer of sequential) {
      expectStatus(answer, 201);
      expect(answer.headers.get("idempotent-replayed")).toBe("true");
      expect(answer.json).toEqual(first!.json);
    }

    const changed = await post(api, leader, path, { ...payment, principalVnd: 1_000_000 }, key);
    expectProblem(changed, 409, "idempotency-key-reused");

    const transactions = await allTransactions(api, officer, loanId);
    const payments = transactions.filter((t) => t.kind === "PAYMENT");
    expect(payments).toHaveLength(1);
    const posted = body<{ transactionId: string; receiptId: string }>(first!);
    expect(payments[0]!.transactionId).toBe(posted.transactionId);

    expected.pay(posted.transactionId, paidOn, interestVnd, 2_000_000);
    const loan = await getLoan(api, officer, loanId);
    expectLoanMatches(loan, expected, "after 41 sends");
    expect(loan.outstandingPrincipalVnd).toBe(28_000_000);
    expectStatus(await get(api, officer, `/v1/receipts/${posted.receiptId}`), 200);
  });

  it("a savings deposit sent 20 times at once and 20 times after is counted once", async () => {
    const { api } = e2e;
    const key = newKey();
    const path = `/v1/members/${member.memberId}/savings/deposits`;
    const deposit = { amountVnd: 30_000, on: today() };

    const burst = await together(20, () => post(api, officer, path, deposit, key));
    const first = burst.find((a) => a.status === 201);
    expect(first, JSON.stringify(burst.map((a) => a.status))).toBeDefined();
    expectOneOriginal(burst, first!);
    for (let i = 0; i < 20; i++) {
      const again = await post(api, officer, path, deposit, key);
      expectStatus(again, 201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.json).toEqual(first!.json);
    }
    expectProblem(
      await post(api, officer, path, { ...deposit, amountVnd: 40_000 }, key),
      409,
      "idempotency-key-reused",
    );

    const savings = body<{ balanceVnd: number; items: unknown[] }>(
      await get(api, officer, `/v1/members/${member.memberId}/savings`),
    );
    expect(savings.balanceVnd).toBe(30_000);
    expect(savings.items).toHaveLength(1);
  });

  it("the same key from another user is that user's own request", async () => {
    const { api } = e2e;
    const key = newKey();
    const path = `/v1/members/${member.memberId}/savings/deposits`;
    const deposit = { amountVnd: 10_000, on: today() };
    const before = body<{ balanceVnd: number }>(await get(api, officer, `/v1/members/${member.memberId}/savings`));
    const mine = await post(api, officer, path, deposit, key);
    const colleague = await api.token("BANK_OFFICER", "DB/TUA-CHUA");
    const theirs = await post(api, colleague, path, deposit, key);
    expectStatus(mine, 201);
    expectStatus(theirs, 201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(body(theirs).transactionId).not.toBe(body(mine).transactionId);
    const after = body<{ balanceVnd: number }>(await get(api, officer, `/v1/members/${member.memberId}/savings`));
    expect(after.balanceVnd).toBe(before.balanceVnd + 20_000);
  });

  it("a reversal retried after it was applied does not reverse twice", async () => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(1));
    const paid = await post(api, officer, `/v1/loans/${expected.loanId}/payments`, {
      paidOn: today(),
      interestVnd: 0,
      principalVnd: 500_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(paid, 201);
    const transactionId = body<{ transactionId: string }>(paid).transactionId;
    const key = newKey();
    const path = `/v1/loans/${expected.loanId}/transactions/${transactionId}/reversal`;
    const answers = await together(10, () => post(api, officer, path, { reason: "Nhập nhầm" }, key));
    const first = answers.find((a) => a.status === 201);
    expect(first).toBeDefined();
    expectOneOriginal(answers, first!);

    const transactions = await allTransactions(api, officer, expected.loanId);
    expect(transactions.map((t) => t.kind)).toEqual(["DISBURSEMENT", "PAYMENT", "REVERSAL"]);
    const loan = await getLoan(api, officer, expected.loanId);
    expect(loan.outstandingPrincipalVnd).toBe(30_000_000);
  });
});
