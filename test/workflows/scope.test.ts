/**
 * Oversight is by area: a commune officer sees their commune and nothing beside it, a group leader their
 * group, a borrower their own records. What lies outside answers 404 exactly like an id that does not
 * exist, so nobody can learn which groups, scopes or members exist elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMonthsClamped } from "../../shared/domain/index.ts";
import type { HttpAnswer } from "../support/index.ts";
import {
  collectedAt,
  createCommune,
  createGroup,
  createMember,
  disbursedLoan,
  expectProblem,
  type GroupOut,
  type LoanPlan,
  monthOf,
  ok,
  type SyncAnswer,
  startWorkflow,
  syncBody,
  today,
  type User,
  userOf,
  type Workflow,
} from "./support.ts";

const POOR: LoanPlan = { programCode: "POOR", principalVnd: 30_000_000, termMonths: 24, installmentMonths: 6 };

type Area = { communePath: string; group: GroupOut; leader: User; members: { memberId: string; loanId: string }[] };

/** The same answer as for something that does not exist: status, type and title, with nothing else added. */
function expectHidden(answer: HttpAnswer, missing: HttpAnswer, what: string) {
  expectProblem(answer, 404, "not-found");
  const strip = (a: HttpAnswer) => {
    const { correlationId: _, detail: __, ...rest } = a.json as Record<string, unknown>;
    return rest;
  };
  expect(strip(answer), what).toEqual(strip(missing));
  expect((answer.json as { detail: string }).detail, what).toMatch(/was not found\.$/);
}

describe("who sees what", () => {
  let wf: Workflow;
  let mine: Area;
  let sibling: Area;
  let communeOfficer: User;
  const month = monthOf(today());

  beforeAll(async () => {
    wf = await startWorkflow("wf-scope");
    const admin = await userOf(wf.api, "ADMIN", "DB");
    const officer = await userOf(wf.api, "BANK_OFFICER", "DB/TUA-CHUA");
    const area = async (code: string, name: string): Promise<Area> => {
      const communePath = await createCommune(admin, code, name);
      const group = await createGroup(officer, code, `Tổ TK&VV ${name} 1`);
      const leader = await userOf(wf.api, "GROUP_LEADER", group.scope);
      const members = [];
      for (let i = 0; i < 2; i++) {
        const memberId = await createMember(officer, group.groupId, `${name} hộ ${i + 1}`);
        members.push({ memberId, loanId: await disbursedLoan(officer, memberId, POOR, addMonthsClamped(today(), -2)) });
      }
      // Some interest collected this month, so statements have lines to hide.
      const entries = members.map((m, i) => ({
        clientTxId: `${code}-${i}`,
        kind: "INTEREST" as const,
        ...m,
        amountVnd: 25_000,
        collectedAt: collectedAt(today(), "07:30"),
      }));
      const synced = await ok<SyncAnswer>(leader.post(`/v1/groups/${group.groupId}/sync`, syncBody(entries)));
      expect(synced.posted).toBe(entries.length);
      return { communePath, group, leader, members };
    };
    mine = await area("MUONG-BANG", "Mường Báng");
    sibling = await area("SIN-CHAI", "Sín Chải");
    communeOfficer = await userOf(wf.api, "COMMUNE_OFFICER", mine.communePath);
  });
  afterAll(() => wf.api.close());

  it("a commune officer cannot read a sibling commune's reconciliation, portfolio or commission statement", async () => {
    const asOf = today();
    const reads = (groupId: string, communePath: string) => [
      `/v1/groups/${groupId}/reconciliation?asOf=${asOf}`,
      `/v1/groups/${groupId}/commission?month=${month}`,
      `/v1/reports/portfolio?scope=${encodeURIComponent(communePath)}`,
      `/v1/reports/entrustment?scope=${encodeURIComponent(communePath)}&month=${month}`,
    ];
    const own = reads(mine.group.groupId, mine.communePath);
    const theirs = reads(sibling.group.groupId, sibling.communePath);
    const nowhere = reads("G-DOES-NOT-EXIST", "DB/TUA-CHUA/NO-SUCH-COMMUNE");
    for (const [i, path] of own.entries()) {
      expect((await communeOfficer.get(path)).status, path).toBe(200);
      // The sibling's group and commune answer like ones that do not exist.
      const missing = await communeOfficer.get(nowhere[i]!);
      expectHidden(await communeOfficer.get(theirs[i]!), missing, theirs[i]!);
    }
    // The district above is out of reach too; only the officer's own commune and what lies under it.
    const district = await communeOfficer.get(`/v1/reports/portfolio?scope=${encodeURIComponent("DB/TUA-CHUA")}`);
    expectProblem(district, 404, "not-found");
    const sheet = await communeOfficer.get(
      `/v1/groups/${sibling.group.groupId}/reconciliation?asOf=${asOf}`,
      "text/html",
    );
    expect(sheet.status).toBe(404);
    expect(sheet.text).not.toContain(sibling.group.name);
  });

  it("a group leader reads their own group's figures and no other group's", async () => {
    const own = await ok<{ rows: unknown[] }>(mine.leader.get(`/v1/groups/${mine.group.groupId}/reconciliation`));
    expect(own.rows).toHaveLength(2);
    expect((await mine.leader.get(`/v1/groups/${mine.group.groupId}/commission?month=${month}`)).status).toBe(200);
    const missing = await mine.leader.get(`/v1/groups/G-DOES-NOT-EXIST/commission?month=${month}`);
    expectHidden(
      await mine.leader.get(`/v1/groups/${sibling.group.groupId}/commission?month=${month}`),
      missing,
      "commission",
    );
    expectHidden(
      await mine.leader.get(`/v1/groups/${sibling.group.groupId}/reconciliation`),
      missing,
      "reconciliation",
    );
    expectProblem(await mine.leader.get(`/v1/reports/portfolio?scope=${encodeURIComponent(mine.communePath)}`), 404);
  });

  it("a borrower reads their own summary and not another member's", async () => {
    const [me, neighbour] = mine.members as [Area["members"][number], Area["members"][number]];
    const borrower = await userOf(wf.api, "BORROWER", mine.group.scope, me.memberId);
    const summary = await ok<{ memberId: string; loans: { loanId: string }[] }>(
      borrower.get(`/v1/members/${me.memberId}/summary`),
    );
    expect(summary.memberId).toBe(me.memberId);
    expect(summary.loans.map((l) => l.loanId)).toEqual([me.loanId]);

    const missing = await borrower.get("/v1/members/M-DOES-NOT-EXIST/summary");
    expectHidden(await borrower.get(`/v1/members/${neighbour.memberId}/summary`), missing, "neighbour's summary");
    expectHidden(
      await borrower.get(`/v1/members/${sibling.members[0]!.memberId}/summary`),
      missing,
      "summary in another commune",
    );
    expectProblem(await borrower.get(`/v1/loans/${neighbour.loanId}`), 404, "not-found");
    // Oversight reports are not a borrower's to read at all.
    expectProblem(await borrower.get(`/v1/groups/${mine.group.groupId}/reconciliation`), 403);
  });
});
