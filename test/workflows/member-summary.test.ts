/**
 * What a borrower's phone shows: their loans, the next amount falling due (principal and the interest
 * payable that day), their savings and the latest interest receipts (biên lai), all agreeing with the
 * loans' own figures and with the credit engine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, addMonthsClamped, type BusinessDate, maxDate, payableInterestOn } from "../../shared/domain/index.ts";
import {
  allTransactions,
  collectedAt,
  createCommune,
  createGroup,
  createMember,
  disbursedLoan,
  type GroupOut,
  getLoan,
  type LoanOut,
  type LoanPlan,
  ok,
  programOf,
  rebuildLoan,
  type SyncAnswer,
  type SyncEntry,
  startWorkflow,
  syncBody,
  today,
  type User,
  userOf,
  type Workflow,
} from "./support.ts";

type Summary = {
  memberId: string;
  fullName: string;
  groupId: string;
  loans: LoanOut[];
  nextDue: { loanId: string; date: string; principalVnd: number; interestVnd: number; totalVnd: number } | null;
  savingsBalanceVnd: number;
  lastReceipts: {
    receiptId: string;
    paidOn: string;
    interestVnd: number;
    principalVnd: number;
    totalVnd: number;
    reversed: boolean;
  }[];
};

const POOR: LoanPlan = { programCode: "POOR", principalVnd: 30_000_000, termMonths: 24, installmentMonths: 6 };
const WATER: LoanPlan = {
  programCode: "WATER_SANITATION",
  principalVnd: 12_000_000,
  termMonths: 12,
  installmentMonths: 3,
};

describe("a borrower's own summary", () => {
  let wf: Workflow;
  let officer: User;
  let leader: User;
  let group: GroupOut;

  beforeAll(async () => {
    wf = await startWorkflow("wf-summary");
    const admin = await userOf(wf.api, "ADMIN", "DB");
    officer = await userOf(wf.api, "BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(admin, "MUONG-BANG", "Mường Báng");
    group = await createGroup(officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    leader = await userOf(wf.api, "GROUP_LEADER", group.scope);
  });
  afterAll(() => wf.api.close());

  async function sync(entries: SyncEntry[]) {
    const answer = await ok<SyncAnswer>(leader.post(`/v1/groups/${group.groupId}/sync`, syncBody(entries)));
    expect(answer.posted, JSON.stringify(answer.results)).toBe(entries.length);
    return answer;
  }

  /** Interest payable on a day, by the credit engine, from the loan's postings alone. */
  async function payableOn(loanId: string, date: BusinessDate) {
    const loan = rebuildLoan(await getLoan(officer, loanId), await allTransactions(officer, loanId));
    return payableInterestOn(loan, programOf(loan.programCode), date);
  }

  it("shows both loans, the next installment with the interest due that day, savings and the five latest receipts", async () => {
    const memberId = await createMember(officer, group.groupId, "Lò Thị Xuân");
    const housingOn = addMonthsClamped(today(), -4);
    const waterOn = addMonthsClamped(today(), -2);
    const poorLoan = await disbursedLoan(officer, memberId, POOR, housingOn);
    const waterLoan = await disbursedLoan(officer, memberId, WATER, waterOn);

    // Six monthly interest collections on the larger loan, and three savings deposits.
    const paidOn = [-100, -80, -60, -40, -20, -5].map((n) => addDays(today(), n)).filter((d) => d > housingOn);
    expect(paidOn.length).toBeGreaterThanOrEqual(5);
    const amounts = paidOn.map((_, i) => 60_000 + 1_000 * i);
    await sync([
      ...paidOn.map((d, i) => ({
        clientTxId: `int-${i}`,
        kind: "INTEREST" as const,
        memberId,
        loanId: poorLoan,
        amountVnd: amounts[i]!,
        collectedAt: collectedAt(d),
      })),
      ...[-50, -30, -10].map((n, i) => ({
        clientTxId: `sav-${i}`,
        kind: "SAVINGS_DEPOSIT" as const,
        memberId,
        amountVnd: 20_000 * (i + 1),
        collectedAt: collectedAt(addDays(today(), n)),
      })),
    ]);

    const borrower = await userOf(wf.api, "BORROWER", group.scope, memberId);
    const summary = await ok<Summary>(borrower.get(`/v1/members/${memberId}/summary`));
    expect(summary).toMatchObject({
      memberId,
      fullName: "Lò Thị Xuân",
      groupId: group.groupId,
      savingsBalanceVnd: 120_000,
    });

    // Each loan as the loan's own page shows it.
    expect(summary.loans.map((l) => l.loanId).sort()).toEqual([poorLoan, waterLoan].sort());
    for (const loan of summary.loans) expect(loan).toEqual(await getLoan(borrower, loan.loanId));

    // The water loan's first quarterly installment comes before the larger loan's half-yearly one.
    const due = addMonthsClamped(waterOn, 3);
    const interestVnd = await payableOn(waterLoan, maxDate(due, today()));
    expect(summary.nextDue).toEqual({
      loanId: waterLoan,
      date: due,
      principalVnd: 3_000_000,
      interestVnd,
      totalVnd: 3_000_000 + interestVnd,
    });

    // The five latest receipts, newest first, each one the borrower can open.
    const expected = paidOn
      .map((d, i) => ({ paidOn: d, interestVnd: amounts[i]! }))
      .reverse()
      .slice(0, 5);
    expect(summary.lastReceipts.map((r) => ({ paidOn: r.paidOn, interestVnd: r.interestVnd }))).toEqual(expected);
    for (const r of summary.lastReceipts) {
      expect(r.principalVnd).toBe(0);
      expect(r.totalVnd).toBe(r.interestVnd);
      expect(r.reversed).toBe(false);
      const receipt = await ok<{ memberId: string; loanId: string; totalVnd: number }>(
        borrower.get(`/v1/receipts/${r.receiptId}`),
      );
      expect(receipt).toMatchObject({ memberId, loanId: poorLoan, totalVnd: r.totalVnd });
    }
  });

  it("an overdue installment is the next amount due, with the interest payable today at the overdue rate", async () => {
    const memberId = await createMember(officer, group.groupId, "Quàng Văn Chậm");
    const disbursedOn = addMonthsClamped(today(), -4);
    const plan: LoanPlan = { programCode: "POOR", principalVnd: 20_000_000, termMonths: 12, installmentMonths: 3 };
    const loanId = await disbursedLoan(officer, memberId, plan, disbursedOn);
    const borrower = await userOf(wf.api, "BORROWER", group.scope, memberId);
    const summary = await ok<Summary>(borrower.get(`/v1/members/${memberId}/summary`));
    const interestVnd = await payableOn(loanId, today());
    expect(summary.nextDue).toEqual({
      loanId,
      date: addMonthsClamped(disbursedOn, 3),
      principalVnd: 5_000_000,
      interestVnd,
      totalVnd: 5_000_000 + interestVnd,
    });
    // More than in-term interest alone: the unpaid installment has borne 130% since its due date.
    const inTermOnly = Math.round(
      (20_000_000 * 0.066 * (Date.parse(today()) - Date.parse(disbursedOn))) / 86_400_000 / 365,
    );
    expect(interestVnd).toBeGreaterThan(inTermOnly);
  });

  it("a receipt whose payment was reversed is not shown as money received", async () => {
    const memberId = await createMember(officer, group.groupId, "Vàng Thị Nhầm");
    const loanId = await disbursedLoan(officer, memberId, POOR, addMonthsClamped(today(), -3));
    const synced = await sync([
      {
        clientTxId: "r-1",
        kind: "INTEREST",
        memberId,
        loanId,
        amountVnd: 40_000,
        collectedAt: collectedAt(addDays(today(), -20)),
      },
      {
        clientTxId: "r-2",
        kind: "INTEREST",
        memberId,
        loanId,
        amountVnd: 90_000,
        collectedAt: collectedAt(addDays(today(), -2)),
      },
    ]);
    const mistaken = synced.results.find((r) => r.clientTxId === "r-2")!.transactionId!;
    await ok(
      officer.post(`/v1/loans/${loanId}/transactions/${mistaken}/reversal`, { reason: "Ghi nhầm số tiền" }),
      201,
    );

    const borrower = await userOf(wf.api, "BORROWER", group.scope, memberId);
    const summary = await ok<Summary>(borrower.get(`/v1/members/${memberId}/summary`));
    const reversedReceipt = (await allTransactions(officer, loanId)).find((t) => t.transactionId === mistaken)!
      .receiptId!;
    const shown = summary.lastReceipts.find((r) => r.receiptId === reversedReceipt);
    // Either left out or marked as reversed, as the receipt itself is; never shown as a plain payment.
    if (shown) expect(shown.reversed).toBe(true);
    const receipt = await ok<{ reversed: boolean }>(borrower.get(`/v1/receipts/${reversedReceipt}`));
    expect(receipt.reversed).toBe(true);
    const kept = summary.lastReceipts.find((r) => r.receiptId !== reversedReceipt)!;
    expect(kept).toMatchObject({ interestVnd: 40_000 });
    expect(kept.reversed).toBe(false);
  });
});
