/**
 * A group leader's offline collections reach the bank in batches. Each entry is posted or refused on its
 * own, with a reason the leader can act on; a batch sent again, or sent by two phones at once, never
 * posts an entry twice; and a leader syncs only their own group.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addDays,
  addMonthsClamped,
  type BusinessDate,
  PROGRAMS,
  payableInterestOn,
} from "../../shared/domain/index.ts";
import {
  allTransactions,
  applyForLoan,
  collectedAt,
  createCommune,
  createGroup,
  createMember,
  disbursedLoan,
  expectLoanFigures,
  expectProblem,
  type GroupOut,
  getLoan,
  type LoanPlan,
  mapLimit,
  newKey,
  ok,
  rebuildLoan,
  type SyncAnswer,
  type SyncEntry,
  savingsBalance,
  seededRandom,
  seedFromEnv,
  startWorkflow,
  syncBody,
  type TransactionOut,
  today,
  type User,
  userOf,
  vietnameseName,
  type Workflow,
} from "./support.ts";

const POOR_30M: LoanPlan = { programCode: "POOR", principalVnd: 30_000_000, termMonths: 24, installmentMonths: 6 };
const MEMBERS = 30;

type Borrower = { memberId: string; loanId: string };

/** What the leader's phone meant to post, per loan and per member, to compare the books with. */
function postedByIntent(entries: readonly SyncEntry[], refused: ReadonlySet<SyncEntry>) {
  const loans = new Map<string, SyncEntry[]>();
  const deposits = new Map<string, number>();
  for (const e of entries) {
    if (refused.has(e)) continue;
    if (e.kind === "SAVINGS_DEPOSIT") deposits.set(e.memberId, (deposits.get(e.memberId) ?? 0) + e.amountVnd);
    else loans.set(e.loanId!, [...(loans.get(e.loanId!) ?? []), e]);
  }
  return { loans, deposits };
}

function asPostings(entries: readonly SyncEntry[]): TransactionOut[] {
  return entries.map((e) => ({
    transactionId: e.clientTxId,
    kind: "PAYMENT",
    postedAt: new Date().toISOString(),
    valueDate: e.collectedAt.slice(0, 10),
    interestVnd: e.kind === "INTEREST" ? e.amountVnd : 0,
    principalVnd: e.kind === "PRINCIPAL" ? e.amountVnd : 0,
    amountVnd: e.amountVnd,
    channel: "GROUP_COLLECTION",
    receiptId: null,
    reversesTransactionId: null,
    actor: { sub: "", role: "GROUP_LEADER", deviceId: null },
  }));
}

const seed = seedFromEnv();

// The seed orders the batch as the phone sends it; WORKFLOW_SEED replays a failing order.
describe(`a group leader syncs offline collections (seed ${seed})`, () => {
  let wf: Workflow;
  let officer: User;
  let leader: User;
  let deputy: User;
  let otherLeader: User;
  let g1: GroupOut;
  let g2: GroupOut;
  let borrowers: Borrower[];
  let closed: Borrower;
  let pending: Borrower;
  let outsider: Borrower;
  let disbursedOn: BusinessDate;
  /** Every entry the group's phones have sent, refused ones included, in the order sent. */
  const sent: SyncEntry[] = [];
  const refused = new Set<SyncEntry>();

  beforeAll(async () => {
    wf = await startWorkflow("wf-sync");
    const admin = await userOf(wf.api, "ADMIN", "DB");
    officer = await userOf(wf.api, "BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(admin, "MUONG-BANG", "Mường Báng");
    g1 = await createGroup(officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    g2 = await createGroup(officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 2", "FARMERS_ASSOCIATION");
    leader = await userOf(wf.api, "GROUP_LEADER", g1.scope);
    deputy = await userOf(wf.api, "GROUP_LEADER", g1.scope);
    otherLeader = await userOf(wf.api, "GROUP_LEADER", g2.scope);
    disbursedOn = addMonthsClamped(today(), -3);

    borrowers = await mapLimit(Array.from({ length: MEMBERS }), 4, async (_, i) => {
      const memberId = await createMember(officer, g1.groupId, vietnameseName(i));
      return { memberId, loanId: await disbursedLoan(officer, memberId, POOR_30M, disbursedOn) };
    });
    const closedMember = await createMember(officer, g1.groupId, "Lò Văn Đóng");
    closed = { memberId: closedMember, loanId: await disbursedLoan(officer, closedMember, POOR_30M, disbursedOn) };
    const pendingMember = await createMember(officer, g1.groupId, "Quàng Thị Chờ");
    pending = { memberId: pendingMember, loanId: await applyForLoan(officer, pendingMember, POOR_30M) };
    const outsiderMember = await createMember(officer, g2.groupId, "Vàng A Khác");
    outsider = {
      memberId: outsiderMember,
      loanId: await disbursedLoan(officer, outsiderMember, POOR_30M, disbursedOn),
    };

    // The member repays everything at the transaction point today, while the leader's phone is offline.
    const paidOn = today();
    const loan = rebuildLoan(await getLoan(officer, closed.loanId), await allTransactions(officer, closed.loanId));
    const payoff = {
      paidOn,
      interestVnd: payableInterestOn(loan, PROGRAMS.POOR, paidOn),
      principalVnd: POOR_30M.principalVnd,
      channel: "TRANSACTION_POINT",
    };
    const paid = await ok<{ loan: { status: string } }>(
      officer.post(`/v1/loans/${closed.loanId}/payments`, payoff),
      201,
    );
    expect(paid.loan.status).toBe("CLOSED");
  });
  afterAll(() => wf.api.close());

  function sync(user: User, groupId: string, body: SyncEntry[] | ReturnType<typeof syncBody>, key = newKey()) {
    return user.post(`/v1/groups/${groupId}/sync`, Array.isArray(body) ? syncBody(body) : body, key);
  }

  /** Payments on each of the group's loans and the members' savings, as the bank's books show them. */
  async function books() {
    const loans = new Map<string, string[]>();
    const savings = new Map<string, number>();
    await mapLimit([...borrowers, closed], 6, async (b) => {
      const payments = (await allTransactions(officer, b.loanId)).filter((t) => t.kind === "PAYMENT");
      loans.set(b.loanId, payments.map((t) => t.transactionId).sort());
      if (b !== closed) savings.set(b.memberId, await savingsBalance(officer, b.memberId));
    });
    return { loans, savings };
  }

  /** Each loan as the credit engine computes it from the collections meant to post, and each member's savings. */
  async function expectBooksMatchIntent() {
    const intent = postedByIntent(sent, refused);
    await mapLimit(borrowers, 6, async (b) => {
      const terms = await getLoan(officer, b.loanId);
      const disbursement = (await allTransactions(officer, b.loanId)).filter((t) => t.kind === "DISBURSEMENT");
      const expected = rebuildLoan(terms, [...disbursement, ...asPostings(intent.loans.get(b.loanId) ?? [])]);
      expectLoanFigures(terms, expected, `loan of ${b.memberId}`);
      expect(await savingsBalance(officer, b.memberId), `savings of ${b.memberId}`).toBe(
        intent.deposits.get(b.memberId) ?? 0,
      );
    });
  }

  it("a 300-entry batch posts 290 and refuses 10 conflicts, each with its reason; replays post nothing", async () => {
    const day = (n: number) => addDays(today(), n);
    // An earlier sync already used this clientTxId for another collection.
    const earlier: SyncEntry = {
      clientTxId: "pre-1",
      kind: "INTEREST",
      memberId: borrowers[7]!.memberId,
      loanId: borrowers[7]!.loanId,
      amountVnd: 20_000,
      collectedAt: collectedAt(day(-70)),
    };
    const first = await ok<SyncAnswer>(sync(leader, g1.groupId, [earlier]));
    expect(first.posted).toBe(1);
    sent.push(earlier);

    const valid: SyncEntry[] = [];
    borrowers.forEach((b, i) => {
      for (let w = 0; w < 6; w++) {
        const at = collectedAt(day(-56 + 7 * w));
        valid.push({ clientTxId: `m${i}-int-${w}`, kind: "INTEREST", ...b, amountVnd: 20_000, collectedAt: at });
      }
      valid.push({
        clientTxId: `m${i}-pri`,
        kind: "PRINCIPAL",
        ...b,
        amountVnd: 1_000_000,
        collectedAt: collectedAt(day(-14)),
      });
      for (const [k, n] of [-50, -30, -10].entries()) {
        if (i < 10 && k === 2) continue;
        valid.push({
          clientTxId: `m${i}-sav-${k}`,
          kind: "SAVINGS_DEPOSIT",
          memberId: b.memberId,
          amountVnd: 50_000,
          collectedAt: collectedAt(day(n)),
        });
      }
    });
    expect(valid).toHaveLength(290);

    const [b0, b1, b2, b3, b4, b5, b6] = borrowers as [
      Borrower,
      Borrower,
      Borrower,
      Borrower,
      Borrower,
      Borrower,
      Borrower,
    ];
    const inFuture = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const conflicts: { entry: SyncEntry; type: string; status: number; detail: RegExp }[] = [
      {
        entry: {
          clientTxId: "x-over-payable",
          kind: "INTEREST",
          ...b0,
          amountVnd: 50_000_000,
          collectedAt: collectedAt(day(-60)),
        },
        type: "interest-exceeds-payable",
        status: 422,
        detail: /more than the \d+ payable/,
      },
      {
        entry: {
          clientTxId: "x-closed",
          kind: "INTEREST",
          ...closed,
          amountVnd: 20_000,
          collectedAt: collectedAt(day(-20)),
        },
        type: "invalid-transition",
        status: 409,
        detail: /CLOSED/,
      },
      {
        entry: {
          clientTxId: "x-other-group",
          kind: "INTEREST",
          ...outsider,
          amountVnd: 20_000,
          collectedAt: collectedAt(day(-20)),
        },
        type: "not-a-member",
        status: 422,
        detail: new RegExp(`${outsider.memberId} is not in group ${g1.groupId}`),
      },
      {
        entry: {
          clientTxId: "x-principal",
          kind: "PRINCIPAL",
          ...b1,
          amountVnd: 40_000_000,
          collectedAt: collectedAt(day(-5)),
        },
        type: "principal-exceeds-outstanding",
        status: 422,
        detail: /principal 40000000 is more than the 29000000 outstanding/,
      },
      {
        entry: {
          clientTxId: "x-not-theirs",
          kind: "INTEREST",
          memberId: b2.memberId,
          loanId: b3.loanId,
          amountVnd: 20_000,
          collectedAt: collectedAt(day(-20)),
        },
        type: "not-members-loan",
        status: 422,
        detail: new RegExp(`${b3.loanId} is not a loan of member ${b2.memberId}`),
      },
      {
        entry: {
          clientTxId: "x-tiny-deposit",
          kind: "SAVINGS_DEPOSIT",
          memberId: b4.memberId,
          amountVnd: 1_000,
          collectedAt: collectedAt(day(-20)),
        },
        type: "deposit-too-small",
        status: 422,
        detail: /at least 5000/,
      },
      {
        entry: { clientTxId: "x-future", kind: "INTEREST", ...b5, amountVnd: 20_000, collectedAt: inFuture },
        type: "collected-in-future",
        status: 422,
        detail: /in the future/,
      },
      {
        entry: {
          clientTxId: "x-before-loan",
          kind: "INTEREST",
          ...b6,
          amountVnd: 20_000,
          collectedAt: collectedAt(addDays(disbursedOn, -5)),
        },
        type: "backdated-posting",
        status: 409,
        detail: /disbursed later/,
      },
      {
        entry: {
          clientTxId: "x-not-disbursed",
          kind: "INTEREST",
          ...pending,
          amountVnd: 20_000,
          collectedAt: collectedAt(day(-20)),
        },
        type: "invalid-transition",
        status: 409,
        detail: /PENDING_APPROVAL/,
      },
      {
        entry: { ...earlier, amountVnd: 25_000 },
        type: "client-tx-id-reused",
        status: 409,
        detail: /pre-1 was already used for a different collection/,
      },
    ];

    // The phone sends its list in whatever order it holds it.
    const random = seededRandom(seed);
    const batch = [...valid, ...conflicts.map((c) => c.entry)]
      .map((entry) => ({ entry, at: random.next() }))
      .sort((a, b) => a.at - b.at)
      .map(({ entry }) => entry);
    expect(batch).toHaveLength(300);
    const key = newKey();
    const request = syncBody(batch, "phone-leader");
    const answer = await sync(leader, g1.groupId, request, key);
    const result = await ok<SyncAnswer>(Promise.resolve(answer), 200, `seed ${seed}`);
    sent.push(...batch);
    for (const c of conflicts) refused.add(c.entry);

    expect({ posted: result.posted, duplicates: result.duplicates, rejected: result.rejected }).toEqual({
      posted: 290,
      duplicates: 0,
      rejected: 10,
    });
    expect(result.results.map((r) => r.clientTxId)).toEqual(batch.map((e) => e.clientTxId));
    const byId = new Map(result.results.map((r) => [r.clientTxId, r]));
    for (const e of valid) {
      expect(byId.get(e.clientTxId), e.clientTxId).toMatchObject({
        status: "POSTED",
        transactionId: expect.any(String),
      });
    }
    expect(new Set(result.results.map((r) => r.transactionId).filter(Boolean)).size).toBe(290);
    for (const c of conflicts) {
      const r = byId.get(c.entry.clientTxId)!;
      expect(r.status, c.entry.clientTxId).toBe("REJECTED");
      expect(r.transactionId).toBeUndefined();
      expect(r.problem, c.entry.clientTxId).toMatchObject({
        type: `urn:policy-credit:problem:${c.type}`,
        status: c.status,
        title: expect.any(String),
      });
      expect(r.problem!.detail, c.entry.clientTxId).toMatch(c.detail);
    }

    // The books hold exactly the 290 collections, with the amounts the phone recorded.
    const afterFirst = await books();
    for (const b of borrowers) {
      const mine = result.results.filter(
        (r) => r.status === "POSTED" && batch.find((e) => e.clientTxId === r.clientTxId)!.loanId === b.loanId,
      );
      const earlierOnLoan = b.loanId === earlier.loanId ? [first.results[0]!.transactionId!] : [];
      expect(afterFirst.loans.get(b.loanId)).toEqual([...mine.map((r) => r.transactionId!), ...earlierOnLoan].sort());
    }
    expect(afterFirst.loans.get(closed.loanId)).toHaveLength(1);
    await expectBooksMatchIntent();

    // The same request again (a retry after a lost answer): the stored answer, marked as a replay.
    const again = await sync(leader, g1.groupId, request, key);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(answer.json);

    // The same entries under a new key (the leader pressed "sync" again): nothing new is posted.
    const resent = await ok<SyncAnswer>(sync(leader, g1.groupId, batch));
    expect(resent.posted).toBe(0);
    expect(resent.duplicates).toBe(290);
    expect(resent.rejected).toBe(10);
    for (const r of resent.results) {
      const original = byId.get(r.clientTxId)!;
      if (original.status === "POSTED") expect(r).toEqual({ ...original, status: "DUPLICATE" });
      else expect(r.status, r.clientTxId).toBe("REJECTED");
    }
    expect(await books()).toEqual(afterFirst);
  });

  it("two phones syncing overlapping batches at once post each entry once", async () => {
    const day = (n: number) => addDays(today(), n);
    const entries = borrowers.map((b, i) => [
      {
        clientTxId: `c${i}-int`,
        kind: "INTEREST" as const,
        ...b,
        amountVnd: 10_000,
        collectedAt: collectedAt(day(-3)),
      },
      {
        clientTxId: `c${i}-pri`,
        kind: "PRINCIPAL" as const,
        ...b,
        amountVnd: 500_000,
        collectedAt: collectedAt(day(-2)),
      },
      {
        clientTxId: `c${i}-sav`,
        kind: "SAVINGS_DEPOSIT" as const,
        memberId: b.memberId,
        amountVnd: 20_000,
        collectedAt: collectedAt(day(-1)),
      },
    ]);
    const onLeaderPhone = entries.slice(0, 20).flat();
    const onDeputyPhone = entries.slice(10).flat();
    const before = await books();

    const [a, b] = await Promise.all([
      ok<SyncAnswer>(sync(leader, g1.groupId, syncBody(onLeaderPhone, "phone-leader"))),
      ok<SyncAnswer>(sync(deputy, g1.groupId, syncBody(onDeputyPhone, "phone-deputy"))),
    ]);
    sent.push(...entries.flat());

    const outcomes = new Map<string, { status: string; transactionId?: string }[]>();
    for (const r of [...a.results, ...b.results])
      outcomes.set(r.clientTxId, [...(outcomes.get(r.clientTxId) ?? []), r]);
    expect(outcomes.size).toBe(90);
    for (const [clientTxId, list] of outcomes) {
      const statuses = list.map((r) => r.status).sort();
      const inBoth = list.length === 2;
      expect(statuses, clientTxId).toEqual(inBoth ? ["DUPLICATE", "POSTED"] : ["POSTED"]);
      if (inBoth) expect(list[0]!.transactionId, clientTxId).toBe(list[1]!.transactionId);
    }
    expect(a.posted + b.posted).toBe(90);
    expect(a.duplicates + b.duplicates).toBe(30);

    // Two more payments on every loan and one more deposit per member: nothing lost, nothing doubled.
    const after = await books();
    for (const borrower of borrowers) {
      expect(after.loans.get(borrower.loanId)!.length).toBe(before.loans.get(borrower.loanId)!.length + 2);
      expect(after.savings.get(borrower.memberId)).toBe(before.savings.get(borrower.memberId)! + 20_000);
    }
    await expectBooksMatchIntent();
  });

  it("a group leader cannot sync another group, nor post another group's members in their own", async () => {
    const entry: SyncEntry = {
      clientTxId: "g2-sav-1",
      kind: "SAVINGS_DEPOSIT",
      memberId: outsider.memberId,
      amountVnd: 50_000,
      collectedAt: collectedAt(addDays(today(), -1)),
    };
    const intoOther = await sync(leader, g2.groupId, [entry]);
    expect([403, 404]).toContain(intoOther.status);
    expectProblem(intoOther, intoOther.status);

    // The other group's leader sends this group's members through their own group: each is refused.
    const borrowed = borrowers.slice(0, 3).map((b, i) => ({
      clientTxId: `g2-foreign-${i}`,
      kind: "INTEREST" as const,
      ...b,
      amountVnd: 10_000,
      collectedAt: collectedAt(addDays(today(), -1)),
    }));
    const own = await ok<SyncAnswer>(sync(otherLeader, g2.groupId, borrowed));
    expect(own.rejected).toBe(3);
    for (const r of own.results) expect(r.problem?.type).toBe("urn:policy-credit:problem:not-a-member");

    expect(await savingsBalance(officer, outsider.memberId)).toBe(0);
    const outsiderPayments = (await allTransactions(officer, outsider.loanId)).filter((t) => t.kind === "PAYMENT");
    expect(outsiderPayments).toHaveLength(0);
    await expectBooksMatchIntent();
  });

  it("a collection is dated by the Vietnamese calendar whatever offset the phone writes", async () => {
    const memberId = await createMember(officer, g1.groupId, "Mùa A Giờ");
    const loanId = await disbursedLoan(officer, memberId, POOR_30M, disbursedOn);
    const evening = addDays(today(), -4);
    // 18:30 UTC is 01:30 the next morning in Điện Biên: the collection belongs to that next day.
    const entries: SyncEntry[] = [
      {
        clientTxId: "tz-utc",
        kind: "INTEREST",
        memberId,
        loanId,
        amountVnd: 10_000,
        collectedAt: `${evening}T18:30:00Z`,
      },
      {
        clientTxId: "tz-minus5",
        kind: "INTEREST",
        memberId,
        loanId,
        amountVnd: 10_000,
        collectedAt: `${addDays(evening, 1)}T10:00:00-05:00`,
      },
    ];
    const answer = await ok<SyncAnswer>(sync(leader, g1.groupId, entries));
    expect(answer.posted).toBe(2);
    const payments = (await allTransactions(officer, loanId)).filter((t) => t.kind === "PAYMENT");
    const dateOf = (clientTxId: string) =>
      payments.find((t) => t.transactionId === answer.results.find((r) => r.clientTxId === clientTxId)!.transactionId)!
        .valueDate;
    expect(dateOf("tz-utc")).toBe(addDays(evening, 1));
    expect(dateOf("tz-minus5")).toBe(addDays(evening, 1));

    // One batch may not carry the same collection twice.
    const twice = await sync(leader, g1.groupId, [entries[0]!, { ...entries[0]!, amountVnd: 11_000 }]);
    expectProblem(twice, 400, "validation-failed");
  });
});
