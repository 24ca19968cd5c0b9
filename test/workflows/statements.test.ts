/**
 * Monthly statements: the group leader's commission on the interest the group collected, and the
 * entrustment fee owed to each mass organisation. Rates are settings, effective from the first day of a
 * month, overall or per program; each statement line is interest collected × rate, rounded half up once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, type BusinessDate, minDate } from "../../shared/domain/index.ts";
import {
  allTransactions,
  collectedAt,
  createCommune,
  createGroup,
  createMember,
  disbursedLoan,
  expectProblem,
  feeHalfUp,
  firstOfMonth,
  type GroupOut,
  type LoanPlan,
  monthOf,
  ok,
  previousMonth,
  type SyncAnswer,
  type SyncEntry,
  startWorkflow,
  syncBody,
  today,
  type User,
  userOf,
  type Workflow,
} from "./support.ts";

type FeeKind = "COMMISSION" | "ENTRUSTMENT_FEE";
type RateSetting = { kind: FeeKind; rateBps: number; effectiveFrom: BusinessDate; programCode?: string };
type CommissionLine = {
  programCode: string;
  interestCollectedVnd: number;
  payments: number;
  rateBps: number;
  commissionVnd: number;
};
type Commission = {
  groupId: string;
  month: string;
  lines: CommissionLine[];
  totalInterestCollectedVnd: number;
  totalCommissionVnd: number;
};
type FeeLine = { programCode: string; interestCollectedVnd: number; rateBps: number; feeVnd: number };
type Entrustment = {
  scope: string;
  month: string;
  organisations: { entrustedOrg: string; lines: FeeLine[]; totalInterestCollectedVnd: number; totalFeeVnd: number }[];
};

const POOR: LoanPlan = { programCode: "POOR", principalVnd: 30_000_000, termMonths: 24, installmentMonths: 6 };
const NEAR_POOR: LoanPlan = { ...POOR, programCode: "NEAR_POOR" };

/** The rule the statements follow, stated independently: in force on the month's first day, program first. */
function rateOf(settings: readonly RateSetting[], kind: FeeKind, programCode: string, month: string): number {
  const inForce = (program: string | undefined) =>
    settings
      .filter((s) => s.kind === kind && s.programCode === program && s.effectiveFrom <= firstOfMonth(month))
      .sort((a, b) => b.effectiveFrom.localeCompare(a.effectiveFrom))[0];
  return (inForce(programCode) ?? inForce(undefined))?.rateBps ?? 0;
}

describe("commission and entrustment-fee statements", () => {
  let wf: Workflow;
  let admin: User;
  let officer: User;
  let communeOfficer: User;
  const thisMonth = monthOf(today());
  const lastMonth = previousMonth(thisMonth);
  const monthBefore = previousMonth(lastMonth);
  const settings: RateSetting[] = [
    { kind: "COMMISSION", rateBps: 50, effectiveFrom: firstOfMonth(monthBefore) },
    { kind: "COMMISSION", rateBps: 75, effectiveFrom: firstOfMonth(lastMonth), programCode: "POOR" },
    { kind: "COMMISSION", rateBps: 60, effectiveFrom: firstOfMonth(thisMonth) },
    { kind: "ENTRUSTMENT_FEE", rateBps: 30, effectiveFrom: firstOfMonth(lastMonth) },
    { kind: "ENTRUSTMENT_FEE", rateBps: 45, effectiveFrom: firstOfMonth(thisMonth), programCode: "NEAR_POOR" },
  ];
  type Group = GroupOut & { leader: User; loans: { memberId: string; loanId: string; programCode: string }[] };
  const groups: Record<"a" | "b" | "c", Group> = {} as never;

  beforeAll(async () => {
    wf = await startWorkflow("wf-statements");
    admin = await userOf(wf.api, "ADMIN", "DB");
    officer = await userOf(wf.api, "BANK_OFFICER", "DB/TUA-CHUA");
    const muongBang = await createCommune(admin, "MUONG-BANG", "Mường Báng");
    await createCommune(admin, "SIN-CHAI", "Sín Chải");
    communeOfficer = await userOf(wf.api, "COMMUNE_OFFICER", muongBang);

    const disbursedOn = addDays(firstOfMonth(lastMonth), -40);
    const specs = [
      { id: "a", commune: "MUONG-BANG", org: "WOMEN_UNION", plans: [POOR, POOR, NEAR_POOR] },
      { id: "b", commune: "MUONG-BANG", org: "FARMERS_ASSOCIATION", plans: [POOR, NEAR_POOR] },
      { id: "c", commune: "SIN-CHAI", org: "VETERANS_ASSOCIATION", plans: [POOR, NEAR_POOR] },
    ] as const;
    for (const spec of specs) {
      const group = await createGroup(officer, spec.commune, `Tổ TK&VV ${spec.id.toUpperCase()}`, spec.org);
      const loans = [];
      for (const [i, plan] of spec.plans.entries()) {
        const memberId = await createMember(officer, group.groupId, `Thành viên ${spec.id}${i + 1}`);
        loans.push({
          memberId,
          loanId: await disbursedLoan(officer, memberId, plan, disbursedOn),
          programCode: plan.programCode,
        });
      }
      groups[spec.id] = { ...group, leader: await userOf(wf.api, "GROUP_LEADER", group.scope), loans };
    }

    for (const s of settings) await ok(admin.post("/v1/settings/fee-rates", s), 201, `${s.kind} ${s.effectiveFrom}`);

    // Last month's rounds, synced by each leader. Amounts are chosen so that rounding per line, half up,
    // differs from rounding per payment and from rounding half to even.
    const day = (n: number) => collectedAt(`${lastMonth}-${String(n).padStart(2, "0")}`);
    const entry = (g: Group, loan: number, tag: string, amountVnd: number, at: string): SyncEntry => ({
      clientTxId: `${g.groupId}-${tag}`,
      kind: "INTEREST",
      memberId: g.loans[loan]!.memberId,
      loanId: g.loans[loan]!.loanId,
      amountVnd,
      collectedAt: at,
    });
    const { a, b, c } = groups;
    const lastMonthRounds: [Group, SyncEntry[]][] = [
      [
        a,
        [
          entry(a, 0, "m1-1", 1_100, day(5)),
          entry(a, 0, "m1-2", 1_100, day(12)),
          entry(a, 1, "m1-3", 1_100, day(19)),
          entry(a, 2, "m1-4", 2_050, day(5)),
          entry(a, 2, "m1-5", 2_050, day(12)),
          entry(a, 2, "m1-6", 5_000, day(26)),
        ],
      ],
      [b, [entry(b, 0, "m1-1", 7_777, day(12)), entry(b, 1, "m1-2", 10_001, day(12))]],
      [c, [entry(c, 0, "m1-1", 9_999, day(12)), entry(c, 1, "m1-2", 3_333, day(20))]],
    ];
    for (const [g, entries] of lastMonthRounds) {
      const synced = await ok<SyncAnswer>(g.leader.post(`/v1/groups/${g.groupId}/sync`, syncBody(entries)));
      expect(synced.posted, JSON.stringify(synced.results)).toBe(entries.length);
    }
    // The bank finds one collection was keyed twice on the leader's list and reverses it.
    const mistaken = (await allTransactions(officer, a.loans[2]!.loanId)).find((t) => t.interestVnd === 5_000)!;
    await ok(
      officer.post(`/v1/loans/${a.loans[2]!.loanId}/transactions/${mistaken.transactionId}/reversal`, {
        reason: "Tổ trưởng ghi trùng",
      }),
      201,
    );

    // This month so far.
    const thisMonthDay = (n: number) => collectedAt(minDate(today(), addDays(firstOfMonth(thisMonth), n)));
    const thisMonthRounds: [Group, SyncEntry[]][] = [
      [a, [entry(a, 0, "m2-1", 12_345, thisMonthDay(0)), entry(a, 2, "m2-2", 6_789, thisMonthDay(1))]],
      [b, [entry(b, 1, "m2-1", 4_321, thisMonthDay(0))]],
    ];
    for (const [g, entries] of thisMonthRounds) {
      const synced = await ok<SyncAnswer>(g.leader.post(`/v1/groups/${g.groupId}/sync`, syncBody(entries)));
      expect(synced.posted, JSON.stringify(synced.results)).toBe(entries.length);
    }
  });
  afterAll(() => wf.api.close());

  /** Interest collected and payments counted per group and program in a month, from the loans' postings. */
  async function collected(month: string) {
    const out = new Map<string, Map<string, { interestVnd: number; payments: number }>>();
    for (const g of Object.values(groups)) {
      const byProgram = new Map<string, { interestVnd: number; payments: number }>();
      for (const loan of g.loans) {
        for (const t of await allTransactions(officer, loan.loanId)) {
          if (monthOf(t.valueDate) !== month || t.kind === "DISBURSEMENT") continue;
          const line = byProgram.get(loan.programCode) ?? { interestVnd: 0, payments: 0 };
          line.interestVnd += t.interestVnd;
          line.payments += t.kind === "PAYMENT" ? 1 : -1;
          byProgram.set(loan.programCode, line);
        }
      }
      out.set(g.groupId, byProgram);
    }
    return out;
  }

  it("a group's commission statement is interest collected × the rate in force, rounded half up once per line", async () => {
    for (const month of [lastMonth, thisMonth]) {
      const expected = await collected(month);
      for (const g of Object.values(groups)) {
        const statement = await ok<Commission>(g.leader.get(`/v1/groups/${g.groupId}/commission?month=${month}`));
        const want = [...expected.get(g.groupId)!.entries()]
          .filter(([, l]) => l.payments !== 0 || l.interestVnd !== 0)
          .map(([programCode, l]) => {
            const rateBps = rateOf(settings, "COMMISSION", programCode, month);
            return {
              programCode,
              interestCollectedVnd: l.interestVnd,
              payments: l.payments,
              rateBps,
              commissionVnd: feeHalfUp(l.interestVnd, rateBps),
            };
          })
          .sort((x, y) => x.programCode.localeCompare(y.programCode));
        const got = statement.lines.filter((l) => l.payments !== 0 || l.interestCollectedVnd !== 0);
        expect(
          [...got].sort((x, y) => x.programCode.localeCompare(y.programCode)),
          `${g.name} ${month}`,
        ).toEqual(want);
        expect(statement.totalInterestCollectedVnd).toBe(want.reduce((t, l) => t + l.interestCollectedVnd, 0));
        expect(statement.totalCommissionVnd).toBe(want.reduce((t, l) => t + l.commissionVnd, 0));
      }
    }

    // The cases the amounts were chosen for, as a leader would check them by hand.
    const a = await ok<Commission>(groups.a.leader.get(`/v1/groups/${groups.a.groupId}/commission?month=${lastMonth}`));
    const line = (code: string) => a.lines.find((l) => l.programCode === code);
    // Three collections of 1 100 at 0.75%: 3 300 × 0.75% = 24.75 → 25 (rounding each would give 8 × 3 = 24).
    expect(line("POOR")).toMatchObject({ interestCollectedVnd: 3_300, payments: 3, rateBps: 75, commissionVnd: 25 });
    // 4 100 at 0.5% = 20.5 → 21, half up; the reversed 5 000 earns nothing.
    expect(line("NEAR_POOR")).toMatchObject({
      interestCollectedVnd: 4_100,
      payments: 2,
      rateBps: 50,
      commissionVnd: 21,
    });
    const now = await ok<Commission>(
      groups.a.leader.get(`/v1/groups/${groups.a.groupId}/commission?month=${thisMonth}`),
    );
    // This month the overall rate is 0.6%, but POOR keeps its own 0.75%.
    expect(now.lines.find((l) => l.programCode === "POOR")).toMatchObject({ rateBps: 75, commissionVnd: 93 });
    expect(now.lines.find((l) => l.programCode === "NEAR_POOR")).toMatchObject({ rateBps: 60, commissionVnd: 41 });
  });

  it("the entrustment statement gives each organisation interest × its rate, per program, for a commune or a district", async () => {
    const districtOfficer = officer;
    for (const month of [lastMonth, thisMonth]) {
      const expected = await collected(month);
      const cases: [User, string, Group[]][] = [
        [communeOfficer, "DB/TUA-CHUA/MUONG-BANG", [groups.a, groups.b]],
        [districtOfficer, "DB/TUA-CHUA", [groups.a, groups.b, groups.c]],
      ];
      for (const [user, scope, inScope] of cases) {
        const statement = await ok<Entrustment>(
          user.get(`/v1/reports/entrustment?scope=${encodeURIComponent(scope)}&month=${month}`),
        );
        const byOrg = new Map<string, Map<string, number>>();
        for (const g of inScope) {
          const lines = byOrg.get(g.entrustedOrg) ?? new Map<string, number>();
          for (const [code, l] of expected.get(g.groupId)!) lines.set(code, (lines.get(code) ?? 0) + l.interestVnd);
          byOrg.set(g.entrustedOrg, lines);
        }
        const want = [...byOrg.entries()]
          .filter(([, lines]) => lines.size > 0)
          .map(([entrustedOrg, lines]) => {
            const feeLines = [...lines.entries()]
              .map(([programCode, interest]) => {
                const rateBps = rateOf(settings, "ENTRUSTMENT_FEE", programCode, month);
                return { programCode, interestCollectedVnd: interest, rateBps, feeVnd: feeHalfUp(interest, rateBps) };
              })
              .sort((x, y) => x.programCode.localeCompare(y.programCode));
            return {
              entrustedOrg,
              lines: feeLines,
              totalInterestCollectedVnd: feeLines.reduce((t, l) => t + l.interestCollectedVnd, 0),
              totalFeeVnd: feeLines.reduce((t, l) => t + l.feeVnd, 0),
            };
          })
          .sort((x, y) => x.entrustedOrg.localeCompare(y.entrustedOrg));
        expect(statement.organisations, `${scope} ${month}`).toEqual(want);
      }
    }
    const women = await ok<Entrustment>(communeOfficer.get(`/v1/reports/entrustment?month=${thisMonth}`));
    const nearPoor = women.organisations
      .find((o) => o.entrustedOrg === "WOMEN_UNION")!
      .lines.find((l) => l.programCode === "NEAR_POOR");
    // 6 789 at the NEAR_POOR rate of 0.45% from this month = 30.5505 → 31.
    expect(nearPoor).toEqual({ programCode: "NEAR_POOR", interestCollectedVnd: 6_789, rateBps: 45, feeVnd: 31 });
  });

  it("fee rates are set by an administrator only, from the first day of a month, and never overwritten", async () => {
    const rate = { kind: "COMMISSION", rateBps: 80, effectiveFrom: firstOfMonth(thisMonth), programCode: "STUDENT" };
    expectProblem(await officer.post("/v1/settings/fee-rates", rate), 403);
    expectProblem(await admin.post("/v1/settings/fee-rates", { ...rate, effectiveFrom: `${thisMonth}-02` }), 400);
    const repeated = settings[2]!;
    expectProblem(await admin.post("/v1/settings/fee-rates", { ...repeated, rateBps: 99 }), 409, "rate-exists");
    const listed = await ok<{ items: RateSetting[] }>(officer.get("/v1/settings/fee-rates"));
    expect(listed.items).toHaveLength(settings.length);
    expect(
      listed.items.find(
        (r) => r.kind === repeated.kind && r.effectiveFrom === repeated.effectiveFrom && r.programCode === null,
      )?.rateBps,
    ).toBe(60);
  });
});
