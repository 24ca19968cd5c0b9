/**
 * Many clients at once on one record: every answer is a posting, a conflict or a refusal, and the
 * balances account for exactly the postings that were answered 201, none lost and none doubled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  activeLoan,
  allTransactions,
  applyForLoan,
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  type ExpectedLoan,
  expectLoanMatches,
  expectStatus,
  type GroupOut,
  get,
  getLoan,
  type MemberOut,
  memberBody,
  monthsAgo,
  post,
  put,
  startE2e,
  tally,
  today,
  together,
  vietnameseName,
} from "./fixtures.ts";

describe("concurrent writes", () => {
  let e2e: E2e;
  let officer: string;
  let group: GroupOut;
  let member: MemberOut;

  beforeAll(async () => {
    e2e = await startE2e("e2e-concurrency");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "MUONG-BANG", "Mường Báng");
    group = await createGroup(e2e.api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    member = await createMember(e2e.api, officer, group.groupId, "Lò Thị Mai");
  });
  afterAll(() => e2e.api.close());

  it("50 payments of 1,000 at once: outstanding drops by exactly 1,000 per 201, and only those are posted", async () => {
    const { api } = e2e;
    const expected: ExpectedLoan = await activeLoan(api, officer, member, monthsAgo(2));
    const loanId = expected.loanId;
    const before = await getLoan(api, officer, loanId);
    const paidOn = today();

    const answers = await together(50, () =>
      post(api, officer, `/v1/loans/${loanId}/payments`, {
        paidOn,
        interestVnd: 0,
        principalVnd: 1_000,
        channel: "TRANSACTION_POINT",
      }),
    );
    const counts = tally(answers.map((a) => a.status));
    console.log(`[concurrency] 50 payments at once -> ${JSON.stringify(counts)}`);
    for (const answer of answers) {
      expect([201, 409, 422], answer.text).toContain(answer.status);
      if (answer.status !== 201) expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    const posted = answers.filter((a) => a.status === 201);
    const n = posted.length;
    expect(n).toBeGreaterThan(0);

    const after = await getLoan(api, officer, loanId);
    expect(after.outstandingPrincipalVnd).toBe(before.outstandingPrincipalVnd - n * 1_000);

    const transactions = await allTransactions(api, officer, loanId);
    const payments = transactions.filter((t) => t.kind === "PAYMENT");
    expect(payments).toHaveLength(n);
    expect(new Set(payments.map((t) => t.transactionId))).toEqual(
      new Set(posted.map((a) => body<{ transactionId: string }>(a).transactionId)),
    );
    expect(payments.every((t) => t.principalVnd === 1_000 && t.interestVnd === 0)).toBe(true);
    // Principal alone earns no interest receipt.
    expect(payments.every((t) => t.receiptId === null)).toBe(true);

    // The engine, given the same n payments one after another, ends where the API ended.
    for (const t of payments) expected.pay(t.transactionId, paidOn, 0, 1_000);
    expectLoanMatches(after, expected, "after the burst");
  });

  it("10 disbursements of one loan at once: one disbursement, one schedule, the rest refused", async () => {
    const { api } = e2e;
    const loanId = await applyForLoan(api, officer, member.memberId);
    const approvals = await together(10, () => post(api, officer, `/v1/loans/${loanId}/approve`, {}));
    expect(tally(approvals.map((a) => a.status))[200]).toBe(1);
    for (const a of approvals) expect([200, 409], a.text).toContain(a.status);

    const disbursedOn = monthsAgo(1);
    const answers = await together(10, () => post(api, officer, `/v1/loans/${loanId}/disburse`, { disbursedOn }));
    for (const a of answers) expect([200, 409], a.text).toContain(a.status);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    const transactions = await allTransactions(api, officer, loanId);
    expect(transactions.map((t) => t.kind)).toEqual(["DISBURSEMENT"]);
    const loan = await getLoan(api, officer, loanId);
    expect(loan).toMatchObject({ status: "ACTIVE", outstandingPrincipalVnd: 30_000_000, disbursedOn });
  });

  it("10 reversals of one payment at once: one correcting entry", async () => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(1));
    const paid = await post(api, officer, `/v1/loans/${expected.loanId}/payments`, {
      paidOn: today(),
      interestVnd: 0,
      principalVnd: 2_000_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(paid, 201);
    const { transactionId } = body<{ transactionId: string }>(paid);
    const path = `/v1/loans/${expected.loanId}/transactions/${transactionId}/reversal`;
    expected.pay(transactionId, today(), 0, 2_000_000);
    const answers = await together(10, () => post(api, officer, path, { reason: "Thu trùng" }));
    for (const a of answers) expect([201, 409], a.text).toContain(a.status);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const transactions = await allTransactions(api, officer, expected.loanId);
    expect(transactions.map((t) => t.kind)).toEqual(["DISBURSEMENT", "PAYMENT", "REVERSAL"]);
    expected.reverse(transactionId);
    expectLoanMatches(await getLoan(api, officer, expected.loanId), expected, "after one reversal");
  });

  it("10 leader elections for one group at once: each answered 200 or 409, never a server error", async () => {
    const { api } = e2e;
    const candidates = await Promise.all(
      [0, 1, 2].map((i) => createMember(api, officer, group.groupId, `Thào Thị Sía ${i}`)),
    );
    const answers = await together(10, (i) =>
      put(api, officer, `/v1/groups/${group.groupId}/leader`, { memberId: candidates[i % 3]!.memberId }),
    );
    const counts = tally(answers.map((a) => a.status));
    console.log(`[concurrency] 10 leader elections at once -> ${JSON.stringify(counts)}`);
    for (const a of answers) {
      expect([200, 409], a.text).toContain(a.status);
      if (a.status === 409) expect(a.headers.get("content-type")).toBe("application/problem+json");
    }
    const elected = answers.filter((a) => a.status === 200);
    expect(elected.length).toBeGreaterThan(0);
    const now = body<GroupOut & { leaderMemberId: string }>(await get(api, officer, `/v1/groups/${group.groupId}`));
    expect(candidates.map((c) => c.memberId)).toContain(now.leaderMemberId);
  });

  it("30 withdrawals of 10,000 at once from 100,000: never below zero, balance matches the 201s", async () => {
    const { api } = e2e;
    const saver = await createMember(api, officer, group.groupId, "Quàng Văn Chiến");
    const path = `/v1/members/${saver.memberId}/savings`;
    expectStatus(await post(api, officer, `${path}/deposits`, { amountVnd: 100_000, on: today() }), 201);

    const answers = await together(30, () =>
      post(api, officer, `${path}/withdrawals`, { amountVnd: 10_000, on: today() }),
    );
    const counts = tally(answers.map((a) => a.status));
    console.log(`[concurrency] 30 withdrawals at once -> ${JSON.stringify(counts)}`);
    for (const answer of answers) expect([201, 409, 422], answer.text).toContain(answer.status);
    const done = answers.filter((a) => a.status === 201).length;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThanOrEqual(10);

    const savings = body<{ balanceVnd: number; items: { kind: string; balanceAfterVnd: number }[] }>(
      await get(api, officer, `${path}?limit=100`),
    );
    expect(savings.balanceVnd).toBe(100_000 - done * 10_000);
    expect(savings.items.filter((i) => i.kind === "WITHDRAWAL")).toHaveLength(done);
    expect(savings.items.every((i) => i.balanceAfterVnd >= 0)).toBe(true);
    // Each movement's running balance is distinct: no two withdrawals were applied to the same balance.
    expect(new Set(savings.items.map((i) => i.balanceAfterVnd)).size).toBe(savings.items.length);
  });

  it("20 new members at once into a group with 5 places left: the group never passes 60", async () => {
    const { api } = e2e;
    const small = await createGroup(api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 2");
    for (let n = 0; n < 55; n++) await createMember(api, officer, small.groupId, vietnameseName(n));

    const answers = await together(20, (i) =>
      post(api, officer, "/v1/members", memberBody(small.groupId, `Giàng A Dính ${i}`)),
    );
    const counts = tally(answers.map((a) => a.status));
    console.log(`[concurrency] 20 members into 5 places -> ${JSON.stringify(counts)}`);
    for (const answer of answers) expect([201, 409, 422], answer.text).toContain(answer.status);
    const joined = answers.filter((a) => a.status === 201).length;
    expect(joined).toBeGreaterThan(0);
    expect(joined).toBeLessThanOrEqual(5);

    const groupNow = body<GroupOut>(await get(api, officer, `/v1/groups/${small.groupId}`));
    expect(groupNow.memberCount).toBe(55 + joined);
    const listed = body<{ items: MemberOut[]; nextCursor: string | null }>(
      await get(api, officer, `/v1/groups/${small.groupId}/members?limit=100`),
    );
    expect(listed.items).toHaveLength(55 + joined);
  });
});
