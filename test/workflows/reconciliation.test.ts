/**
 * Debt reconciliation (đối chiếu nợ) for the group in the seed story: 53 members owing VND 3.6 billion
 * across many programs, some paying at the transaction point, some through the leader. The sheet the
 * leader and the bank sign must agree, member by member, with what the credit engine computes from each
 * loan's postings, and its totals with the sum of its rows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addDays,
  addMonthsClamped,
  type BusinessDate,
  formatDateVi,
  type Loan,
  payableInterestOn,
} from "../../shared/domain/index.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";
import {
  allTransactions,
  applyForLoan,
  collectedAt,
  createCommune,
  createGroup,
  createMember,
  disbursedLoan,
  figuresAsOf,
  type GroupOut,
  getLoan,
  type LoanPlan,
  mapLimit,
  ok,
  programOf,
  rebuildLoan,
  type SyncAnswer,
  type SyncEntry,
  savingsBalance,
  startWorkflow,
  syncBody,
  today,
  type User,
  userOf,
  vietnameseName,
  type Workflow,
} from "./support.ts";

const MEMBERS = 53;
const TARGET_OUTSTANDING_VND = 3_600_000_000;

type Planned = LoanPlan & { monthsAgo: number };

/** A varied book: programs, amounts, terms and ages differ, and some installments are already past due. */
const CYCLE: LoanPlan[] = [
  { programCode: "POOR", principalVnd: 80_000_000, termMonths: 60, installmentMonths: 12 },
  { programCode: "NEAR_POOR", principalVnd: 60_000_000, termMonths: 60, installmentMonths: 6 },
  { programCode: "JOB_CREATION", principalVnd: 70_000_000, termMonths: 36, installmentMonths: 12 },
  { programCode: "DIFFICULT_AREA_BUSINESS", principalVnd: 50_000_000, termMonths: 48, installmentMonths: 12 },
  { programCode: "ESCAPED_POVERTY", principalVnd: 60_000_000, termMonths: 36, installmentMonths: 6 },
  { programCode: "STUDENT", principalVnd: 40_000_000, termMonths: 60, installmentMonths: 12 },
  { programCode: "SOCIAL_HOUSING", principalVnd: 85_000_000, termMonths: 120, installmentMonths: 12 },
  { programCode: "POOR_30A", principalVnd: 50_000_000, termMonths: 36, installmentMonths: 6 },
];
const WATER: LoanPlan = {
  programCode: "WATER_SANITATION",
  principalVnd: 20_000_000,
  termMonths: 24,
  installmentMonths: 6,
};

/** Principal the members repay before the sheet is drawn. */
const principalPaymentOf = (i: number) => (i % 5 === 2 ? 5_000_000 : 0);
/** The member who repaid a small loan in full: it no longer appears on the sheet. */
const REPAID_MEMBER = 51;
/** The member whose application is still waiting for approval: nothing owed yet. */
const WAITING_MEMBER = 50;

function bookPlan(): Planned[][] {
  const plans: Planned[][] = Array.from({ length: MEMBERS }, (_, i) => {
    const loans: Planned[] = [{ ...CYCLE[i % CYCLE.length]!, monthsAgo: 1 + ((i * 5) % 19) }];
    if (i % 6 === 0) loans.push({ ...WATER, monthsAgo: 2 + (i % 9) });
    if (i === REPAID_MEMBER) loans.push({ ...WATER, principalVnd: 10_000_000, monthsAgo: 3 });
    return loans;
  });
  // The last member's housing loan takes the remainder, so the group owes exactly VND 3.6 billion.
  const repaid = plans.reduce((t, _, i) => t + principalPaymentOf(i), 0) + 10_000_000;
  const lent = plans.flat().reduce((t, p) => t + p.principalVnd, 0);
  const last = plans[MEMBERS - 1]!;
  last[0] = { programCode: "SOCIAL_HOUSING", termMonths: 120, installmentMonths: 12, monthsAgo: 5, principalVnd: 0 };
  last[0].principalVnd = TARGET_OUTSTANDING_VND + repaid - (lent - CYCLE[(MEMBERS - 1) % CYCLE.length]!.principalVnd);
  return plans;
}

type MemberBook = { memberId: string; fullName: string; loanIds: string[] };

describe("debt reconciliation of a 53-member group owing VND 3.6 billion", () => {
  let wf: Workflow;
  let officer: User;
  let leader: User;
  let communeOfficer: User;
  let group: GroupOut;
  let book: MemberBook[];
  let waitingLoanId: string;
  let asOf: BusinessDate;

  beforeAll(async () => {
    // Few job shards: the nightly run below then costs a handful of queries.
    process.env.JOB_SHARDS = "2";
    wf = await startWorkflow("wf-reconciliation");
    const admin = await userOf(wf.api, "ADMIN", "DB");
    officer = await userOf(wf.api, "BANK_OFFICER", "DB/TUA-CHUA");
    const communePath = await createCommune(admin, "MUONG-BANG", "Mường Báng");
    communeOfficer = await userOf(wf.api, "COMMUNE_OFFICER", communePath);
    group = await createGroup(officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    leader = await userOf(wf.api, "GROUP_LEADER", group.scope);

    const plans = bookPlan();
    const housing = plans[MEMBERS - 1]![0]!.principalVnd;
    expect(housing, "the balancing housing loan stays a plausible size").toBeGreaterThan(50_000_000);
    expect(housing).toBeLessThan(500_000_000);

    book = await mapLimit(plans, 4, async (loans, i) => {
      const fullName = vietnameseName(i);
      const memberId = await createMember(officer, group.groupId, fullName);
      const loanIds: string[] = [];
      for (const plan of loans) {
        loanIds.push(await disbursedLoan(officer, memberId, plan, addMonthsClamped(today(), -plan.monthsAgo)));
      }
      return { memberId, fullName, loanIds };
    });
    waitingLoanId = await applyForLoan(officer, book[WAITING_MEMBER]!.memberId, CYCLE[0]!);

    // At the transaction point: interest in full or in part, and principal for some.
    await mapLimit(book, 4, async (m, i) => {
      const principalVnd = principalPaymentOf(i);
      if (i % 3 !== 0 && principalVnd === 0) return;
      const loanId = m.loanIds[0]!;
      const paidOn = addDays(today(), -(i % 7));
      const loan = rebuildLoan(await getLoan(officer, loanId), await allTransactions(officer, loanId));
      const payable = payableInterestOn(loan, programOf(loan.programCode), paidOn);
      const interestVnd = i % 2 === 0 ? payable : Math.floor(payable / 2);
      await ok(
        officer.post(`/v1/loans/${loanId}/payments`, {
          paidOn,
          interestVnd,
          principalVnd,
          channel: "TRANSACTION_POINT",
        }),
        201,
        `payment of member ${i}`,
      );
    });
    const repaid = book[REPAID_MEMBER]!;
    const smallLoanId = repaid.loanIds[1]!;
    const small = rebuildLoan(await getLoan(officer, smallLoanId), await allTransactions(officer, smallLoanId));
    const settled = await ok<{ loan: { status: string } }>(
      officer.post(`/v1/loans/${smallLoanId}/payments`, {
        paidOn: today(),
        interestVnd: payableInterestOn(small, programOf(small.programCode), today()),
        principalVnd: 10_000_000,
        channel: "TRANSACTION_POINT",
      }),
      201,
    );
    expect(settled.loan.status).toBe("CLOSED");

    // The nightly jobs have run; the sheet must not depend on whether they had.
    const yesterday = addDays(today(), -1);
    await runJobInProcess("accrue-interest", { businessDate: yesterday });
    await runJobInProcess("classify-overdue", { businessDate: yesterday });

    // The leader's monthly round: interest from some members, savings from every other one.
    const entries: SyncEntry[] = [];
    book.forEach((m, i) => {
      const at = collectedAt(today(), "08:00");
      if (i % 6 === 3) {
        entries.push({
          clientTxId: `int-${i}`,
          kind: "INTEREST",
          memberId: m.memberId,
          loanId: m.loanIds[0]!,
          amountVnd: 100_000,
          collectedAt: at,
        });
      }
      if (i % 2 === 0) {
        entries.push({
          clientTxId: `sav-${i}`,
          kind: "SAVINGS_DEPOSIT",
          memberId: m.memberId,
          amountVnd: 50_000 + 1_000 * i,
          collectedAt: at,
        });
      }
    });
    const synced = await ok<SyncAnswer>(leader.post(`/v1/groups/${group.groupId}/sync`, syncBody(entries)));
    expect(synced.posted, JSON.stringify(synced.results.filter((r) => r.status !== "POSTED"))).toBe(entries.length);
    asOf = today();
  });
  afterAll(() => wf.api.close());

  type Figures = ReturnType<typeof figuresAsOf>;
  type Row = Figures & {
    memberId: string;
    fullName: string;
    savingsBalanceVnd: number;
    lastPayment: { on: string; interestVnd: number; principalVnd: number } | null;
    loans: (Figures & { loanId: string; programCode: string; status: string })[];
  };
  type Sheet = {
    groupId: string;
    groupName: string;
    asOf: string;
    rows: Row[];
    totals: Figures & { members: number; loans: number; savingsBalanceVnd: number };
    itemsRead: number;
  };
  const FIGURES = [
    "outstandingPrincipalVnd",
    "overduePrincipalVnd",
    "accruedInterestVnd",
    "interestArrearsVnd",
  ] as const;

  /** Each member's open loans and savings, from postings and the credit engine alone. */
  async function independently() {
    type Expected = {
      loans: Map<string, Figures & { loan: Loan }>;
      savingsBalanceVnd: number;
      lastPaidOn: string | null;
    };
    const rows = new Map<string, Expected>();
    await mapLimit(book, 6, async (m) => {
      const loans = new Map<string, Figures & { loan: Loan }>();
      let lastPaidOn: string | null = null;
      for (const loanId of m.loanIds) {
        const transactions = await allTransactions(officer, loanId);
        const loan = rebuildLoan(await getLoan(officer, loanId), transactions);
        if (loan.status !== "CLOSED") loans.set(loanId, { ...figuresAsOf(loan, asOf), loan });
        for (const t of transactions) {
          if (t.kind === "PAYMENT" && (lastPaidOn === null || t.valueDate > lastPaidOn)) lastPaidOn = t.valueDate;
        }
      }
      rows.set(m.memberId, { loans, savingsBalanceVnd: await savingsBalance(officer, m.memberId), lastPaidOn });
    });
    return rows;
  }

  it("every row and the group totals agree with the members' loans rebuilt from their postings", async () => {
    const sheet = await ok<Sheet>(leader.get(`/v1/groups/${group.groupId}/reconciliation?asOf=${asOf}`));
    expect(sheet).toMatchObject({ groupId: group.groupId, groupName: group.name, asOf });
    expect(sheet.rows).toHaveLength(MEMBERS);
    const expected = await independently();

    for (const row of sheet.rows) {
      const mine = expected.get(row.memberId)!;
      expect(row.loans.map((l) => l.loanId).sort(), row.fullName).toEqual([...mine.loans.keys()].sort());
      for (const line of row.loans) {
        const { loan, ...figures } = mine.loans.get(line.loanId)!;
        expect(line, `${row.fullName} ${line.loanId}`).toMatchObject({ ...figures, programCode: loan.programCode });
      }
      for (const k of FIGURES) {
        const sum = [...mine.loans.values()].reduce((t, l) => t + l[k], 0);
        expect(row[k], `${row.fullName} ${k}`).toBe(sum);
      }
      expect(row.savingsBalanceVnd, `${row.fullName} savings`).toBe(mine.savingsBalanceVnd);
      expect(row.lastPayment?.on ?? null, `${row.fullName} last payment`).toBe(mine.lastPaidOn);
    }

    // Totals are the sum of the rows, and the sum of what the engine computes.
    for (const k of [...FIGURES, "savingsBalanceVnd"] as const) {
      expect(sheet.totals[k], k).toBe(sheet.rows.reduce((t, r) => t + r[k], 0));
    }
    for (const k of FIGURES) {
      const engine = [...expected.values()].reduce(
        (t, r) => t + [...r.loans.values()].reduce((s, l) => s + l[k], 0),
        0,
      );
      expect(sheet.totals[k], k).toBe(engine);
    }
    expect(sheet.totals.outstandingPrincipalVnd).toBe(TARGET_OUTSTANDING_VND);
    expect(sheet.totals.members).toBe(MEMBERS);
    const openLoans = [...expected.values()].reduce((t, r) => t + r.loans.size, 0);
    expect(sheet.totals.loans).toBe(openLoans);

    // The story is not trivial: some principal is overdue, some interest unpaid, some savings held.
    expect(sheet.totals.overduePrincipalVnd).toBeGreaterThan(0);
    expect(sheet.totals.interestArrearsVnd).toBeGreaterThan(0);
    expect(sheet.totals.accruedInterestVnd).toBeGreaterThan(0);
    expect(sheet.totals.savingsBalanceVnd).toBeGreaterThan(0);
    const waiting = sheet.rows.find((r) => r.memberId === book[WAITING_MEMBER]!.memberId)!;
    expect(waiting.loans.map((l) => l.loanId)).not.toContain(waitingLoanId);

    // One read per member, loan and savings account: the sheet never walks the postings.
    const loanItems = book.reduce((t, m) => t + m.loanIds.length, 0) + 1;
    const savingsAccounts = [...expected.values()].filter((r) => r.savingsBalanceVnd > 0).length;
    expect(sheet.itemsRead).toBeLessThanOrEqual(MEMBERS + loanItems + savingsAccounts);

    // The commune officer overseeing the group sees the same sheet.
    const overseen = await ok<Sheet>(communeOfficer.get(`/v1/groups/${group.groupId}/reconciliation?asOf=${asOf}`));
    expect(overseen.rows).toEqual(sheet.rows);
    expect(overseen.totals).toEqual(sheet.totals);
  });

  it("the printable sheet names the group and shows the totals as Vietnamese readers write them", async () => {
    const sheet = await ok<Sheet>(leader.get(`/v1/groups/${group.groupId}/reconciliation?asOf=${asOf}`));
    const page = await leader.get(`/v1/groups/${group.groupId}/reconciliation?asOf=${asOf}`, "text/html");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = page.text;
    expect(html).toContain("Tổ TK&amp;VV Kê Cai 1");
    expect(html).toContain(formatDateVi(asOf));
    const vi = (n: number) => n.toLocaleString("vi-VN");
    expect(vi(TARGET_OUTSTANDING_VND)).toBe("3.600.000.000");
    for (const k of [...FIGURES, "savingsBalanceVnd"] as const) expect(html, k).toContain(`>${vi(sheet.totals[k])}<`);
    for (const m of book) expect(html).toContain(m.fullName);
  });
});
