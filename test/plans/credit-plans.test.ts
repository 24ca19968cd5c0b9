/**
 * A year of credit plans in one district. The district office sets, per commune and program, how much
 * capital a commune may have out; every disbursement uses some, every principal repayment gives it
 * back, each counted in the year of its own date. After every step the plan report must agree to the
 * đồng with what the loans' own postings say, for each commune and for the district.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, type BusinessDate, daysBetween, minDate } from "../../shared/domain/index.ts";
import {
  allTransactions,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectProblem,
  expectStatus,
  getLoan,
  startE2e,
  today,
} from "../e2e/fixtures.ts";
import { applyAndApprove, disburse, loanPlan, type User, userOf } from "./support.ts";

const DISTRICT = "DB/TUA-CHUA";
const MB = "DB/TUA-CHUA/MUONG-BANG";
const SC = "DB/TUA-CHUA/SIN-CHAI";
const MM = "DB/MUONG-CHA/MUONG-MUON";
const M = 1_000_000;

// The plan year is the current one; in early January there are not yet enough past days in it to
// spread a year's activity over, so the whole story moves to last year.
const now = today();
const YEAR = now.slice(5, 7) === "01" ? Number(now.slice(0, 4)) - 1 : Number(now.slice(0, 4));
const FIRST: BusinessDate = `${YEAR}-01-01`;
const LAST = minDate(addDays(now, -1), `${YEAR}-12-31`);
/** Step `n` of 12 through the plan year, always in the past, so disbursements and payments are accepted. */
const on = (n: number): BusinessDate => addDays(FIRST, Math.floor((daysBetween(FIRST, LAST) * n) / 12));

type Line = {
  programCode: string;
  planVnd: number | null;
  disbursedVnd: number;
  repaidVnd: number;
  availableVnd: number | null;
  utilisationBps: number | null;
};
type PlanReport = {
  scope: string;
  year: number;
  programs: Line[];
  communes: { communePath: string; programs: Line[] }[];
};

function line(programCode: string, planVnd: number | null, disbursedVnd: number, repaidVnd: number): Line {
  const usedVnd = disbursedVnd - repaidVnd;
  return {
    programCode,
    planVnd,
    disbursedVnd,
    repaidVnd,
    availableVnd: planVnd === null ? null : planVnd - usedVnd,
    utilisationBps: planVnd === null ? null : Math.floor((usedVnd * 10_000) / planVnd),
  };
}

describe("a year of credit plans in Tủa Chùa", () => {
  let e2e: E2e;
  let admin: User;
  let officer: User;
  let overrider: User;
  let province: User;
  let otherDistrict: User;
  let communeOfficer: User;
  const groupCommune = new Map<string, string>();
  const groups = new Map<string, { groupId: string; scope: string }>();
  /** Loans the story comes back to, by the name it gives them. */
  const named = new Map<string, string>();
  /** Every loan the story touched, refused ones included: the recomputation reads them all. */
  const loanIds: string[] = [];
  /** What each plan should be now, as set through the API, by commune, year and program. */
  const plans = new Map<string, number>();
  const planKey = (communePath: string, year: number, programCode: string) => `${communePath}|${year}|${programCode}`;
  let memberSerial = 0;

  async function approvedLoan(communePath: string, programCode: "POOR" | "NEAR_POOR", principalVnd: number) {
    memberSerial += 1;
    const member = await createMember(e2e.api, admin.token, groups.get(communePath)!.groupId, `Hộ vay ${memberSerial}`);
    const loanId = await applyAndApprove(
      communePath === MM ? province : officer,
      member.memberId,
      loanPlan(programCode, principalVnd),
    );
    loanIds.push(loanId);
    return loanId;
  }

  async function disbursedLoan(
    communePath: string,
    programCode: "POOR" | "NEAR_POOR",
    principalVnd: number,
    disbursedOn: BusinessDate,
  ) {
    const loanId = await approvedLoan(communePath, programCode, principalVnd);
    expectStatus(await disburse(communePath === MM ? province : officer, loanId, disbursedOn), 200, "disburse");
    return loanId;
  }

  async function repay(loanId: string, paidOn: BusinessDate, principalVnd: number): Promise<string> {
    const answer = await officer.post(`/v1/loans/${loanId}/payments`, {
      paidOn,
      interestVnd: 0,
      principalVnd,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(answer, 201, "principal repayment");
    return (answer.json as { transactionId: string }).transactionId;
  }

  async function setPlan(by: User, communeCode: string, programCode: string, planVnd: number) {
    const answer = await by.post("/v1/credit-plans", { communeCode, programCode, year: YEAR, planVnd });
    expectStatus(answer, 201, `plan ${communeCode} ${programCode}`);
    const version = answer.json as { communePath: string; version: number; planVnd: number; setAt: string };
    plans.set(planKey(version.communePath, YEAR, programCode), planVnd);
    return version;
  }

  /**
   * The figures the report must show, rebuilt from the loans alone: principal disbursed and principal
   * repaid (net of reversals) whose value date falls in the year, per commune and program.
   */
  async function expectedFrom(year: number) {
    const usage = new Map<string, { disbursedVnd: number; repaidVnd: number }>();
    for (const loanId of loanIds) {
      const loan = await getLoan(e2e.api, admin.token, loanId);
      const communePath = groupCommune.get(loan.groupId)!;
      const key = planKey(communePath, year, loan.programCode);
      for (const tx of await allTransactions(e2e.api, admin.token, loanId)) {
        if (!tx.valueDate.startsWith(`${year}-`)) continue;
        const u = usage.get(key) ?? { disbursedVnd: 0, repaidVnd: 0 };
        if (tx.kind === "DISBURSEMENT") u.disbursedVnd += tx.principalVnd;
        else u.repaidVnd += tx.principalVnd;
        usage.set(key, u);
      }
    }
    const linesOf = (communePath: string): Line[] => {
      const programs = new Set<string>();
      for (const key of [...plans.keys(), ...usage.keys()]) {
        const [path, y, program] = key.split("|") as [string, string, string];
        if (path === communePath && Number(y) === year) programs.add(program);
      }
      return [...programs].sort().map((program) => {
        const u = usage.get(planKey(communePath, year, program)) ?? { disbursedVnd: 0, repaidVnd: 0 };
        return line(program, plans.get(planKey(communePath, year, program)) ?? null, u.disbursedVnd, u.repaidVnd);
      });
    };
    const communes = (paths: string[]) => paths.map((communePath) => ({ communePath, programs: linesOf(communePath) }));
    const total = (paths: string[]): Line[] => {
      const sums = new Map<string, { plan: number | null; d: number; r: number }>();
      for (const { programs } of communes(paths)) {
        for (const l of programs) {
          const s = sums.get(l.programCode) ?? { plan: null, d: 0, r: 0 };
          if (l.planVnd !== null) s.plan = (s.plan ?? 0) + l.planVnd;
          s.d += l.disbursedVnd;
          s.r += l.repaidVnd;
          sums.set(l.programCode, s);
        }
      }
      return [...sums.entries()].sort().map(([program, s]) => line(program, s.plan, s.d, s.r));
    };
    return { linesOf, communes, total };
  }

  async function report(by: User, query: string): Promise<PlanReport> {
    const answer = await by.get(`/v1/credit-plans?${query}`);
    expectStatus(answer, 200, `plans ${query}`);
    return answer.json as PlanReport;
  }

  const byPath = (r: PlanReport) => [...r.communes].sort((a, b) => a.communePath.localeCompare(b.communePath));

  /** Every figure for both communes and for the district equals the recomputation from the loans. */
  async function expectPlansMatchLoans(what: string, year = YEAR) {
    const expected = await expectedFrom(year);
    for (const communePath of [MB, SC]) {
      const got = await report(officer, `scope=${communePath}&year=${year}`);
      expect(got, `${what}: ${communePath}`).toMatchObject({ scope: communePath, year });
      expect(got.programs, `${what}: ${communePath}`).toEqual(expected.linesOf(communePath));
      expect(got.communes, `${what}: ${communePath}`).toEqual(expected.communes([communePath]));
    }
    const district = await report(officer, `scope=${DISTRICT}&year=${year}`);
    expect(district.scope).toBe(DISTRICT);
    expect(byPath(district), `${what}: district by commune`).toEqual(expected.communes([MB, SC]));
    expect(district.programs, `${what}: district by program`).toEqual(expected.total([MB, SC]));
    return expected;
  }

  beforeAll(async () => {
    e2e = await startE2e("plans-year");
    admin = await userOf(e2e.api, "admin-1", "ADMIN", "DB");
    officer = await userOf(e2e.api, "officer-tua-chua", "BANK_OFFICER", DISTRICT);
    overrider = await userOf(e2e.api, "head-of-office-tua-chua", "BANK_OFFICER", DISTRICT, {
      overrides: ["CREDIT_PLAN"],
    });
    province = await userOf(e2e.api, "officer-dien-bien", "BANK_OFFICER", "DB");
    otherDistrict = await userOf(e2e.api, "officer-muong-cha", "BANK_OFFICER", "DB/MUONG-CHA");
    communeOfficer = await userOf(e2e.api, "commune-muong-bang", "COMMUNE_OFFICER", MB);
    for (const [code, name, org] of [
      ["MUONG-BANG", "Mường Báng", { province: "DB", district: "TUA-CHUA" }],
      ["SIN-CHAI", "Sín Chải", { province: "DB", district: "TUA-CHUA" }],
      ["MUONG-MUON", "Mường Mươn", { province: "DB", district: "MUONG-CHA" }],
    ] as const) {
      const commune = await createCommune(e2e.api, admin.token, code, name, org);
      const group = await createGroup(e2e.api, admin.token, code, `Tổ TK&VV ${name}`);
      groups.set(commune.path, { groupId: group.groupId, scope: group.scope });
      groupCommune.set(group.groupId, commune.path);
    }
  });
  afterAll(() => e2e.api.close());

  it("sets a plan per commune, program and year; last year's loans stay in last year", async () => {
    // A loan from December last year: no plan bound it then, and it never counts against this year.
    named.set("last year", await disbursedLoan(MB, "POOR", 20 * M, `${YEAR - 1}-12-15`));

    const first = await setPlan(officer, "MUONG-BANG", "POOR", 100 * M);
    expect(first).toMatchObject({
      communePath: MB,
      programCode: "POOR",
      year: YEAR,
      version: 1,
      planVnd: 100 * M,
      reason: null,
      setBy: officer.sub,
    });
    expect(Date.parse(first.setAt)).not.toBeNaN();
    await setPlan(officer, "MUONG-BANG", "NEAR_POOR", 60 * M);
    await setPlan(officer, "SIN-CHAI", "POOR", 80 * M);
    await setPlan(officer, "SIN-CHAI", "NEAR_POOR", 50 * M);

    // Another district's commune is not this office's to plan; its own province office plans it.
    const foreign = await officer.post("/v1/credit-plans", {
      communeCode: "MUONG-MUON",
      programCode: "POOR",
      year: YEAR,
      planVnd: 40 * M,
    });
    expectProblem(foreign, 404, "not-found");
    await setPlan(province, "MUONG-MUON", "POOR", 40 * M);
    await disbursedLoan(MM, "POOR", 25 * M, on(1));

    const expected = await expectPlansMatchLoans("plans set");
    expect(expected.linesOf(MB)).toEqual([line("NEAR_POOR", 60 * M, 0, 0), line("POOR", 100 * M, 0, 0)]);

    const lastYear = await expectPlansMatchLoans("last year", YEAR - 1);
    expect(lastYear.linesOf(MB)).toEqual([line("POOR", null, 20 * M, 0)]);
  });

  it("disbursements use the plan up and principal repayments give it back", async () => {
    const a = await disbursedLoan(MB, "POOR", 40 * M, on(1));
    named.set("a", a);
    named.set("b", await disbursedLoan(SC, "POOR", 30 * M, on(1)));
    await expectPlansMatchLoans("first disbursements");

    await disbursedLoan(MB, "NEAR_POOR", 50 * M, on(2));
    await disbursedLoan(MB, "POOR", 50 * M, on(2));
    const used = await expectPlansMatchLoans("more disbursements");
    expect(used.linesOf(MB)).toContainEqual(line("POOR", 100 * M, 90 * M, 0));

    // Repaying last year's loan this year returns capital to this year's pool.
    await repay(named.get("last year")!, on(3), 10 * M);
    const afterRepayment = await expectPlansMatchLoans("repayment of last year's loan");
    expect(afterRepayment.linesOf(MB)).toContainEqual(line("POOR", 100 * M, 90 * M, 10 * M));
    const lastYear = await expectPlansMatchLoans("last year after the repayment", YEAR - 1);
    expect(lastYear.linesOf(MB)).toEqual([line("POOR", null, 20 * M, 0)]);

    await repay(a, on(4), 5 * M);
    await expectPlansMatchLoans("partial repayment");
  });

  it("refuses a disbursement over the plan, naming the plan and the shortfall, until capital comes back", async () => {
    // Mường Báng POOR: plan 100m, 90m disbursed, 15m repaid → 25m available.
    const e = await approvedLoan(MB, "POOR", 30 * M);
    const refused = await disburse(officer, e, on(5));
    expectProblem(refused, 422, "credit-plan-exceeded");
    expect(refused.json).toMatchObject({
      plan: { communePath: MB, programCode: "POOR", year: YEAR, version: 1, planVnd: 100 * M },
      availableVnd: 25 * M,
      requestedVnd: 30 * M,
      shortfallVnd: 5 * M,
    });
    // Holding the right is not enough: the override has to be asked for, with a reason.
    expectProblem(await disburse(overrider, e, on(5)), 422, "credit-plan-exceeded");
    expect((await getLoan(e2e.api, officer.token, e)).status).toBe("APPROVED");
    await expectPlansMatchLoans("after the refusal");

    await repay(named.get("a")!, on(5), 5 * M);
    expectStatus(await disburse(officer, e, on(6)), 200, "disbursement once capital came back");
    const expected = await expectPlansMatchLoans("after the repayment made room");
    expect(expected.linesOf(MB)).toContainEqual(line("POOR", 100 * M, 120 * M, 20 * M));
  });

  it("lets only an officer holding the CREDIT_PLAN right disburse over the plan, and records the override", async () => {
    // Sín Chải NEAR_POOR: the whole 50m plan, to the đồng, is allowed.
    const within = await disbursedLoan(SC, "NEAR_POOR", 50 * M, on(6));
    named.set("within", within);
    const full = await expectPlansMatchLoans("plan fully used");
    expect(full.linesOf(SC)).toContainEqual(line("NEAR_POOR", 50 * M, 50 * M, 0));
    expect(full.linesOf(SC).find((l) => l.programCode === "NEAR_POOR")).toMatchObject({
      availableVnd: 0,
      utilisationBps: 10_000,
    });

    const g = await approvedLoan(SC, "NEAR_POOR", 10 * M);
    expectProblem(await disburse(officer, g, on(7), "Lũ quét, hộ cần tái đàn gấp"), 403, "forbidden");
    expect((await getLoan(e2e.api, officer.token, g)).status).toBe("APPROVED");
    const refused = await disburse(officer, g, on(7));
    expectProblem(refused, 422, "credit-plan-exceeded");
    expect(refused.json).toMatchObject({ availableVnd: 0, shortfallVnd: 10 * M });

    const reason = "Lũ quét tháng 7, UBND huyện đề nghị cho vay khôi phục sản xuất";
    expectStatus(await disburse(overrider, g, on(7), reason), 200, "override");
    const over = await expectPlansMatchLoans("over the plan");
    expect(over.linesOf(SC).find((l) => l.programCode === "NEAR_POOR")).toMatchObject({
      availableVnd: -10 * M,
      utilisationBps: 12_000,
    });

    const [disbursement] = await allTransactions(e2e.api, officer.token, g);
    expect(disbursement).toMatchObject({
      kind: "DISBURSEMENT",
      principalVnd: 10 * M,
      planOverride: { sub: overrider.sub, role: "BANK_OFFICER", reason, at: expect.any(String) },
    });
    expect(Date.parse((disbursement as unknown as { planOverride: { at: string } }).planOverride.at)).not.toBeNaN();
    // A disbursement within the plan carries no override.
    const [ordinary] = await allTransactions(e2e.api, officer.token, within);
    expect(ordinary?.kind).toBe("DISBURSEMENT");
    expect(ordinary).not.toHaveProperty("planOverride");
  });

  it("a reversed repayment takes back the capital it had returned", async () => {
    const b = named.get("b")!;
    const paid = await repay(b, on(8), 15 * M);
    const repaid = await expectPlansMatchLoans("repayment in Sín Chải");
    expect(repaid.linesOf(SC)).toContainEqual(line("POOR", 80 * M, 30 * M, 15 * M));

    const reversal = await officer.post(`/v1/loans/${b}/transactions/${paid}/reversal`, {
      reason: "Nhập nhầm khoản vay",
    });
    expectStatus(reversal, 201, "reversal");
    const reversed = await expectPlansMatchLoans("repayment reversed");
    expect(reversed.linesOf(SC)).toContainEqual(line("POOR", 80 * M, 30 * M, 0));

    // Principal a group leader collects in the village and syncs from the phone returns capital too.
    const within = named.get("within")!;
    const borrower = await getLoan(e2e.api, officer.token, within);
    const leader = await userOf(e2e.api, "leader-sin-chai-sync", "GROUP_LEADER", groups.get(SC)!.scope);
    const synced = await leader.post(`/v1/groups/${groups.get(SC)!.groupId}/sync`, {
      deviceId: "phone-sin-chai",
      batchId: "batch-principal-1",
      entries: [
        {
          clientTxId: "principal-1",
          kind: "PRINCIPAL",
          memberId: borrower.memberId,
          loanId: within,
          amountVnd: 4 * M,
          collectedAt: `${on(8)}T09:30:00+07:00`,
        },
      ],
    });
    expectStatus(synced, 200, "sync");
    expect(synced.json).toMatchObject({ results: [{ clientTxId: "principal-1", status: "POSTED" }] });
    const collected = await expectPlansMatchLoans("principal collected by the leader");
    expect(collected.linesOf(SC)).toContainEqual(line("NEAR_POOR", 50 * M, 60 * M, 4 * M));
  });

  it("two disbursements racing for the last of a plan: only one gets it", async () => {
    // Sín Chải POOR: 80m plan, 30m out → 50m left, and two 30m loans ask for it at once.
    const first = await approvedLoan(SC, "POOR", 30 * M);
    const second = await approvedLoan(SC, "POOR", 30 * M);
    const answers = await Promise.all([disburse(officer, first, on(9)), disburse(officer, second, on(9))]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
    const loser = answers.find((a) => a.status === 422)!;
    expectProblem(loser, 422, "credit-plan-exceeded");
    expect(loser.json).toMatchObject({ availableVnd: 20 * M, shortfallVnd: 10 * M });
    const expected = await expectPlansMatchLoans("after the race");
    expect(expected.linesOf(SC)).toContainEqual(line("POOR", 80 * M, 60 * M, 0));
  });

  it("a revision keeps every version readable, and the figures and the quota use the latest", async () => {
    const reason = "Điều chỉnh giảm theo kế hoạch vốn của tỉnh";
    const revision = {
      communeCode: "MUONG-BANG",
      programCode: "POOR",
      year: YEAR,
      planVnd: 70 * M,
      reason,
    };
    const key = "plan-revision-mb-poor";
    const revised = await province.post("/v1/credit-plans", revision, key);
    expectStatus(revised, 201, "revision");
    plans.set(planKey(MB, YEAR, "POOR"), 70 * M);
    expect(revised.json).toMatchObject({ version: 2, planVnd: 70 * M, reason, setBy: province.sub });

    // The same request sent again (a retry) is the same revision, not a third one.
    const replay = await province.post("/v1/credit-plans", revision, key);
    expectStatus(replay, 201, "replayed revision");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(revised.json);

    for (const reader of [officer, communeOfficer]) {
      const history = await reader.get(`/v1/credit-plans/history?communeCode=MUONG-BANG&programCode=POOR&year=${YEAR}`);
      expectStatus(history, 200, "history");
      const items = (history.json as { items: { setAt: string }[] }).items;
      expect(items).toEqual([
        {
          communePath: MB,
          programCode: "POOR",
          year: YEAR,
          version: 1,
          planVnd: 100 * M,
          reason: null,
          setBy: officer.sub,
          setAt: expect.any(String),
        },
        {
          communePath: MB,
          programCode: "POOR",
          year: YEAR,
          version: 2,
          planVnd: 70 * M,
          reason,
          setBy: province.sub,
          setAt: (revised.json as { setAt: string }).setAt,
        },
      ]);
      expect(Date.parse(items[0]!.setAt)).toBeLessThanOrEqual(Date.parse(items[1]!.setAt));
    }

    // 120m disbursed, 20m repaid: 100m out against 70m now.
    const current = await expectPlansMatchLoans("after the revision");
    expect(current.linesOf(MB)).toContainEqual(line("POOR", 70 * M, 120 * M, 20 * M));

    const h = await approvedLoan(MB, "POOR", 5 * M);
    const refused = await disburse(officer, h, on(10));
    expectProblem(refused, 422, "credit-plan-exceeded");
    expect(refused.json).toMatchObject({
      plan: { communePath: MB, programCode: "POOR", year: YEAR, version: 2, planVnd: 70 * M },
      availableVnd: -30 * M,
      shortfallVnd: 35 * M,
    });
    await expectPlansMatchLoans("after the refusal under version 2");
  });

  describe("who sees and sets plans", () => {
    it("a commune officer sees its own commune's plan, not a sibling's, and cannot set plans", async () => {
      const expected = await expectedFrom(YEAR);
      const own = await report(communeOfficer, `year=${YEAR}`);
      expect(own).toMatchObject({ scope: MB, year: YEAR, programs: expected.linesOf(MB) });
      expect(own.communes).toEqual(expected.communes([MB]));
      expect((await report(communeOfficer, `scope=${MB}&year=${YEAR}`)).programs).toEqual(expected.linesOf(MB));

      expectProblem(await communeOfficer.get(`/v1/credit-plans?scope=${SC}&year=${YEAR}`), 404, "not-found");
      expectProblem(await communeOfficer.get(`/v1/credit-plans?scope=${DISTRICT}&year=${YEAR}`), 404, "not-found");
      expectProblem(
        await communeOfficer.get(`/v1/credit-plans/history?communeCode=SIN-CHAI&programCode=POOR&year=${YEAR}`),
        404,
        "not-found",
      );
      const attempt = { communeCode: "MUONG-BANG", programCode: "POOR", year: YEAR, planVnd: 500 * M };
      expectProblem(await communeOfficer.post("/v1/credit-plans", attempt), 403, "forbidden");
      // A bank officer posted at the commune may not set the plan that binds the commune either.
      const communeBanker = await userOf(e2e.api, "banker-muong-bang", "BANK_OFFICER", MB);
      expectProblem(await communeBanker.post("/v1/credit-plans", attempt), 403, "forbidden");
      // Nothing changed: still version 2 at 70m.
      const history = await officer.get(
        `/v1/credit-plans/history?communeCode=MUONG-BANG&programCode=POOR&year=${YEAR}`,
      );
      expect((history.json as { items: { version: number }[] }).items.map((v) => v.version)).toEqual([1, 2]);
      await expectPlansMatchLoans("after the refused attempts");
    });

    it("a group leader sees its commune's plan; a borrower sees none", async () => {
      const expected = await expectedFrom(YEAR);
      const leader = await userOf(e2e.api, "leader-sin-chai", "GROUP_LEADER", groups.get(SC)!.scope);
      const seen = await report(leader, `year=${YEAR}`);
      expect(seen.programs).toEqual(expected.linesOf(SC));
      expect(seen.communes).toEqual(expected.communes([SC]));
      expectProblem(await leader.get(`/v1/credit-plans?scope=${MB}&year=${YEAR}`), 404, "not-found");

      const member = await createMember(e2e.api, officer.token, groups.get(SC)!.groupId, "Giàng A Sử");
      const borrower = await userOf(e2e.api, "borrower-sin-chai", "BORROWER", groups.get(SC)!.scope, {
        memberId: member.memberId,
      });
      expectProblem(await borrower.get(`/v1/credit-plans?year=${YEAR}`), 403, "forbidden");
    });

    it("another district's officer sees none of this district's plans", async () => {
      expectProblem(await otherDistrict.get(`/v1/credit-plans?scope=${MB}&year=${YEAR}`), 404, "not-found");
      expectProblem(await otherDistrict.get(`/v1/credit-plans?scope=${DISTRICT}&year=${YEAR}`), 404, "not-found");
      const own = await report(otherDistrict, `year=${YEAR}`);
      expect(own.communes.map((c) => c.communePath)).toEqual([MM]);
      expect(own.programs).toEqual([line("POOR", 40 * M, 25 * M, 0)]);
    });

    it("refuses a plan that is not a positive amount for a real year", async () => {
      const bad = [
        { communeCode: "MUONG-BANG", programCode: "POOR", year: YEAR, planVnd: 0 },
        { communeCode: "MUONG-BANG", programCode: "POOR", year: YEAR, planVnd: 1.5 },
        { communeCode: "MUONG-BANG", programCode: "POOR", year: 26, planVnd: M },
      ];
      for (const body of bad) expectProblem(await officer.post("/v1/credit-plans", body), 400, "validation-failed");
      expectProblem(await officer.get("/v1/credit-plans?year=26"), 400, "validation-failed");
    });
  });
});
