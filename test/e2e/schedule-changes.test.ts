/**
 * Term adjustment (điều chỉnh kỳ hạn nợ) and extension (gia hạn nợ) as a bank officer makes them: each
 * is a new schedule version kept beside the earlier ones and an event with its reason in the loan's
 * postings; the balances do not move, and a change that would rewrite recorded history is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, addMonthsClamped } from "../../shared/domain/index.ts";
import {
  activeLoan,
  allTransactions,
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectStatus,
  get,
  getLoan,
  type MemberOut,
  newKey,
  post,
  startE2e,
  today,
} from "./fixtures.ts";

type Schedule = { loanId: string; version: number; installments: { seq: number; dueDate: string }[] };

describe("schedule changes", () => {
  let e2e: E2e;
  let officer: string;
  let member: MemberOut;

  beforeAll(async () => {
    e2e = await startE2e("e2e-schedule-changes");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "TA-SIN-THANG", "Tả Sìn Thàng");
    const group = await createGroup(e2e.api, officer, "TA-SIN-THANG", "Tổ TK&VV Tả Sìn Thàng 1");
    member = await createMember(e2e.api, officer, group.groupId, "Mùa A Páo");
  });
  afterAll(async () => {
    await e2e.api.close();
  });

  async function schedule(loanId: string): Promise<Schedule> {
    const answer = await get(e2e.api, officer, `/v1/loans/${loanId}/schedule`);
    expectStatus(answer, 200, "schedule");
    return body<Schedule>(answer);
  }

  it("moves one installment, then the maturity, each as a new version with its reason, balances untouched", async () => {
    const { api } = e2e;
    const { loanId } = await activeLoan(api, officer, member, today());
    const before = await getLoan(api, officer, loanId);
    const v1 = await schedule(loanId);
    expect(v1.version).toBe(1);
    const [first, second] = v1.installments;
    const maturity = v1.installments.at(-1)!.dueDate;

    const moved = addDays(first!.dueDate, 20);
    expect(moved < second!.dueDate).toBe(true);
    const key = newKey();
    const adjustment = { installmentSeq: 1, newDueDate: moved, reason: "Lũ quét cuốn trôi chuồng bò" };
    const adjusted = await post(api, officer, `/v1/loans/${loanId}/term-adjustments`, adjustment, key);
    expectStatus(adjusted, 200, "term adjustment");
    const v2 = await schedule(loanId);
    expect(v2.version).toBe(2);
    expect(v2.installments.map((i) => i.dueDate)).toEqual(
      v1.installments.map((i) => (i.seq === 1 ? moved : i.dueDate)),
    );
    expect(v2.installments.at(-1)!.dueDate).toBe(maturity);

    // The same request again is the same change, not a third version.
    const replay = await post(api, officer, `/v1/loans/${loanId}/term-adjustments`, adjustment, key);
    expectStatus(replay, 200, "replay");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(adjusted.json);
    expect((await schedule(loanId)).version).toBe(2);

    const later = addMonthsClamped(maturity, 6);
    const extended = await post(api, officer, `/v1/loans/${loanId}/extensions`, {
      newMaturityDate: later,
      reason: "Mất mùa ngô, gia hạn 6 tháng",
    });
    expectStatus(extended, 200, "extension");
    const v3 = await schedule(loanId);
    expect(v3.version).toBe(3);
    expect(v3.installments.at(-1)!.dueDate).toBe(later);
    expect(v3.installments.find((i) => i.seq === 1)!.dueDate).toBe(moved);

    // Earlier versions stay readable, as they were when replaced.
    const kept1 = await get(api, officer, `/v1/loans/${loanId}/schedule?version=1`);
    expectStatus(kept1, 200, "version 1");
    expect(kept1.json).toMatchObject({ version: 1, reason: "DISBURSEMENT", installments: v1.installments });
    const kept2 = await get(api, officer, `/v1/loans/${loanId}/schedule?version=2`);
    expect(kept2.json).toMatchObject({ version: 2, reason: "TERM_ADJUSTMENT", effectiveOn: today() });
    expect(body<Schedule>(kept2).installments.map((i) => i.dueDate)).toEqual(v2.installments.map((i) => i.dueDate));
    expectStatus(await get(api, officer, `/v1/loans/${loanId}/schedule?version=9`), 404, "no version 9");
    expectStatus(await get(api, officer, `/v1/loans/${loanId}/schedule?version=two`), 400, "not a number");

    const after = await getLoan(api, officer, loanId);
    expect(after).toMatchObject({
      outstandingPrincipalVnd: before.outstandingPrincipalVnd,
      overduePrincipalVnd: before.overduePrincipalVnd,
      accruedInterestVnd: before.accruedInterestVnd,
    });
    expect(after.maturityDate).toBe(later);

    const events = (await allTransactions(api, officer, loanId)).filter((t) => t.kind !== "DISBURSEMENT");
    expect(events).toMatchObject([
      {
        kind: "TERM_ADJUSTMENT",
        reason: adjustment.reason,
        scheduleVersion: 2,
        scheduleChange: { installmentSeq: 1, fromDate: first!.dueDate, toDate: moved },
        amountVnd: 0,
        valueDate: today(),
      },
      {
        kind: "EXTENSION",
        reason: "Mất mùa ngô, gia hạn 6 tháng",
        scheduleVersion: 3,
        scheduleChange: { fromDate: maturity, toDate: later },
        amountVnd: 0,
      },
    ]);
  });

  it("refuses changes the schedule rules forbid, and leaves the schedule as it was", async () => {
    const { api } = e2e;
    const { loanId } = await activeLoan(api, officer, member, today());
    const v1 = await schedule(loanId);
    const [first, second] = v1.installments;
    const last = v1.installments.at(-1)!;
    const refused = [
      ["term-adjustments", { installmentSeq: 1, newDueDate: second!.dueDate, reason: "out of order" }],
      ["term-adjustments", { installmentSeq: 1, newDueDate: addDays(today(), -1), reason: "into the past" }],
      ["term-adjustments", { installmentSeq: last.seq, newDueDate: addDays(last.dueDate, 5), reason: "maturity" }],
      ["term-adjustments", { installmentSeq: 99, newDueDate: addDays(first!.dueDate, 1), reason: "no such one" }],
      ["extensions", { newMaturityDate: addDays(last.dueDate, -1), reason: "earlier, not later" }],
    ] as const;
    for (const [route, request] of refused) {
      const answer = await post(api, officer, `/v1/loans/${loanId}/${route}`, request);
      expectStatus(answer, 422, `${route} ${JSON.stringify(request)}`);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    // A change without a reason is not even a valid request.
    const blank = { installmentSeq: 1, newDueDate: addDays(first!.dueDate, 1), reason: "   " };
    expectStatus(await post(api, officer, `/v1/loans/${loanId}/term-adjustments`, blank), 400, "blank reason");
    expect(await schedule(loanId)).toEqual(v1);
  });

  it("refuses to reverse a payment made before a schedule change: the change came after it", async () => {
    const { api } = e2e;
    const { loanId } = await activeLoan(api, officer, member, today());
    const paid = await post(api, officer, `/v1/loans/${loanId}/payments`, {
      paidOn: today(),
      interestVnd: 0,
      principalVnd: 1_000_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(paid, 201, "payment");
    const { transactionId } = body<{ transactionId: string }>(paid);
    const first = (await schedule(loanId)).installments[0]!;
    expectStatus(
      await post(api, officer, `/v1/loans/${loanId}/term-adjustments`, {
        installmentSeq: 1,
        newDueDate: addDays(first.dueDate, 3),
        reason: "Hộ đi làm xa",
      }),
      200,
      "term adjustment",
    );
    const reversal = await post(api, officer, `/v1/loans/${loanId}/transactions/${transactionId}/reversal`, {
      reason: "entered twice",
    });
    expectStatus(reversal, 409, "reversal after a schedule change");
    expect(reversal.json).toMatchObject({ type: "urn:policy-credit:problem:not-latest-posting" });
    const payments = (await allTransactions(api, officer, loanId)).filter((t) => t.kind === "PAYMENT");
    expect(payments).toHaveLength(1);
  });

  it("lets a group leader neither adjust nor extend", async () => {
    const { api } = e2e;
    const { loanId } = await activeLoan(api, officer, member, today());
    const leader = await api.token("GROUP_LEADER", member.scope);
    const first = (await schedule(loanId)).installments[0]!;
    const adjust = { installmentSeq: 1, newDueDate: addDays(first.dueDate, 1), reason: "x" };
    expectStatus(await post(api, leader, `/v1/loans/${loanId}/term-adjustments`, adjust), 403, "leader adjusts");
    const extend = { newMaturityDate: "2040-01-01", reason: "x" };
    expectStatus(await post(api, leader, `/v1/loans/${loanId}/extensions`, extend), 403, "leader extends");
    expect((await schedule(loanId)).version).toBe(1);
  });
});
