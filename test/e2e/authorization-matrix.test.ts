/**
 * Who may do what, route by route: every route in ROUTES against every role, each from its own scope,
 * a sibling scope and a parent scope. A route added to ROUTES without a row here fails this file.
 *
 * The target of every request lives in group G-A1 of commune MUONG-BANG (district TUA-CHUA, province
 * DB) and belongs to member A1. The expected answer follows from three facts written below for each
 * route: which roles may call it, where its target sits, and whether leaders may act only in their own
 * group. Denied answers must not carry anything of the target the caller did not already send.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, addMonthsClamped, monthOf } from "../../shared/domain/index.ts";
import { ROUTES, routeKey } from "../../shared/http/routes.ts";
import type { HttpAnswer } from "../support/index.ts";
import { http, jsonRequest } from "../support/index.ts";
import {
  activeLoan,
  allTransactions,
  applyForLoan,
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectStatus,
  get,
  loanBody,
  type MemberOut,
  memberBody,
  monthsAgo,
  newKey,
  post,
  type Role,
  startE2e,
  today,
} from "./fixtures.ts";

const PROVINCE = "DB";
const DISTRICT = "DB/TUA-CHUA";
const COMMUNE = "DB/TUA-CHUA/MUONG-BANG";
const SIBLING_COMMUNE = "DB/TUA-CHUA/SINH-PHINH";
const GROUP = `${COMMUNE}/G-A1`;
const SIBLING_GROUP = `${COMMUNE}/G-A2`;
const OTHER_COMMUNE_GROUP = `${SIBLING_COMMUNE}/G-B1`;

/** The people and records the requests aim at, filled in by the set-up. */
type World = {
  a1: MemberOut;
  a1b: MemberOut;
  b1: MemberOut;
  loanId: string;
  receiptId: string;
  secrets: { nationalId: string; phone: string };
};

type CallerSpec = {
  label: string;
  role: Role;
  scope: string;
  /** For borrowers: which member the token speaks for. */
  as?: "a1" | "a1b" | "b1";
};

const CALLERS: CallerSpec[] = [
  { label: "ADMIN at the province", role: "ADMIN", scope: PROVINCE },
  { label: "ADMIN of another commune", role: "ADMIN", scope: SIBLING_COMMUNE },
  { label: "BANK_OFFICER of the district (parent)", role: "BANK_OFFICER", scope: DISTRICT },
  { label: "BANK_OFFICER of the commune (own)", role: "BANK_OFFICER", scope: COMMUNE },
  { label: "BANK_OFFICER of a sibling commune", role: "BANK_OFFICER", scope: SIBLING_COMMUNE },
  { label: "COMMUNE_OFFICER of the commune (own)", role: "COMMUNE_OFFICER", scope: COMMUNE },
  { label: "COMMUNE_OFFICER of a sibling commune", role: "COMMUNE_OFFICER", scope: SIBLING_COMMUNE },
  { label: "COMMUNE_OFFICER of the district (parent)", role: "COMMUNE_OFFICER", scope: DISTRICT },
  { label: "ORG_OFFICER of the commune (own)", role: "ORG_OFFICER", scope: COMMUNE },
  { label: "ORG_OFFICER of a sibling commune", role: "ORG_OFFICER", scope: SIBLING_COMMUNE },
  { label: "ORG_OFFICER of the district (parent)", role: "ORG_OFFICER", scope: DISTRICT },
  { label: "GROUP_LEADER of the group (own)", role: "GROUP_LEADER", scope: GROUP },
  { label: "GROUP_LEADER of a sibling group", role: "GROUP_LEADER", scope: SIBLING_GROUP },
  { label: "GROUP_LEADER holding the commune (parent)", role: "GROUP_LEADER", scope: COMMUNE },
  { label: "BORROWER A1 (own records)", role: "BORROWER", scope: GROUP, as: "a1" },
  { label: "BORROWER A1b of the same group", role: "BORROWER", scope: GROUP, as: "a1b" },
  { label: "BORROWER B1 of another commune", role: "BORROWER", scope: OTHER_COMMUNE_GROUP, as: "b1" },
];

const ALL: readonly Role[] = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER", "BORROWER"];
const OVERSIGHT: readonly Role[] = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER"];
const OFFICERS: readonly Role[] = ["ADMIN", "BANK_OFFICER"];

type Request = { method: "GET" | "POST" | "PUT"; path: string; body?: unknown; accept?: string };

type Row = {
  /** Roles that may call the route; "open" routes need no token. */
  roles: readonly Role[] | "open";
  /** What an allowed caller who can see the target gets. */
  ok: number;
  /** Where the target sits, and the member it belongs to (what a borrower may see). */
  target?: { scope: string; member?: "a1" };
  /** Leaders collect, enrol and apply for their own group only, even where they can see more. */
  leaderOwnGroupOnly?: boolean;
  /** Set by the district office or above, never by the commune it binds: 403 below district for all but ADMIN. */
  districtOrAbove?: boolean;
  /** Builds the request; may first prepare a fresh target with the ADMIN token, so each case stands alone. */
  request: (ctx: { world: World; caller: CallerSpec; root: string; e2e: E2e; n: number }) => Promise<Request>;
};

const IN_GROUP = { scope: GROUP, member: "a1" as const };

/** A loan of member A1 disbursed today (24 months, principal every 6), for a route that changes its schedule. */
async function freshDisbursedLoan(e2e: E2e, root: string, memberId: string): Promise<string> {
  const loanId = await applyForLoan(e2e.api, root, memberId);
  expectStatus(await post(e2e.api, root, `/v1/loans/${loanId}/approve`, {}), 200);
  expectStatus(await post(e2e.api, root, `/v1/loans/${loanId}/disburse`, { disbursedOn: today() }), 200);
  return loanId;
}

const MATRIX: Record<string, Row> = {
  "GET /v1/health": { roles: "open", ok: 200, request: async () => ({ method: "GET", path: "/v1/health" }) },
  "GET /v1/openapi.json": {
    roles: "open",
    ok: 200,
    request: async () => ({ method: "GET", path: "/v1/openapi.json" }),
  },
  "GET /docs": { roles: "open", ok: 200, request: async () => ({ method: "GET", path: "/docs" }) },
  "POST /v1/communes": {
    roles: OFFICERS,
    ok: 201,
    target: { scope: `${DISTRICT}/NEW-COMMUNE` },
    request: async ({ n }) => ({
      method: "POST",
      path: "/v1/communes",
      body: { code: `NEW-COMMUNE-${n}`, name: `Xã mới ${n}`, districtCode: "TUA-CHUA", provinceCode: "DB" },
    }),
  },
  "POST /v1/groups": {
    roles: [...OFFICERS, "COMMUNE_OFFICER"],
    ok: 201,
    target: { scope: COMMUNE },
    request: async ({ n }) => ({
      method: "POST",
      path: "/v1/groups",
      body: { communeCode: "MUONG-BANG", villageName: "Bản Kê Cai", name: `Tổ mới ${n}`, entrustedOrg: "YOUTH_UNION" },
    }),
  },
  "GET /v1/groups/{groupId}": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: GROUP },
    request: async () => ({ method: "GET", path: "/v1/groups/G-A1" }),
  },
  "PUT /v1/groups/{groupId}/leader": {
    roles: [...OFFICERS, "ORG_OFFICER"],
    ok: 200,
    target: { scope: GROUP },
    request: async ({ world }) => ({
      method: "PUT",
      path: "/v1/groups/G-A1/leader",
      body: { memberId: world.a1.memberId },
    }),
  },
  "POST /v1/members": {
    roles: [...OFFICERS, "ORG_OFFICER", "GROUP_LEADER"],
    ok: 201,
    target: { scope: GROUP },
    leaderOwnGroupOnly: true,
    request: async ({ n }) => ({ method: "POST", path: "/v1/members", body: memberBody("G-A1", `Mùa A Sử ${n}`) }),
  },
  "GET /v1/members/{memberId}": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/members/${world.a1.memberId}` }),
  },
  "GET /v1/groups/{groupId}/members": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: GROUP },
    request: async () => ({ method: "GET", path: "/v1/groups/G-A1/members" }),
  },
  "PUT /v1/members/{memberId}/sms-preference": {
    roles: [...OFFICERS, "ORG_OFFICER", "GROUP_LEADER", "BORROWER"],
    ok: 200,
    target: IN_GROUP,
    leaderOwnGroupOnly: true,
    request: async ({ world }) => ({
      method: "PUT",
      path: `/v1/members/${world.a1.memberId}/sms-preference`,
      body: { smsOptOut: false },
    }),
  },
  "POST /v1/members/{memberId}/savings/deposits": {
    roles: [...OFFICERS, "GROUP_LEADER"],
    ok: 201,
    target: IN_GROUP,
    leaderOwnGroupOnly: true,
    request: async ({ world }) => ({
      method: "POST",
      path: `/v1/members/${world.a1.memberId}/savings/deposits`,
      body: { amountVnd: 20_000, on: today() },
    }),
  },
  "POST /v1/members/{memberId}/savings/withdrawals": {
    roles: [...OFFICERS, "GROUP_LEADER"],
    ok: 201,
    target: IN_GROUP,
    leaderOwnGroupOnly: true,
    request: async ({ world }) => ({
      method: "POST",
      path: `/v1/members/${world.a1.memberId}/savings/withdrawals`,
      body: { amountVnd: 5_000, on: today() },
    }),
  },
  "GET /v1/members/{memberId}/savings": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/members/${world.a1.memberId}/savings` }),
  },
  "POST /v1/loans": {
    roles: [...OFFICERS, "GROUP_LEADER"],
    ok: 201,
    target: IN_GROUP,
    leaderOwnGroupOnly: true,
    request: async ({ world }) => ({ method: "POST", path: "/v1/loans", body: loanBody(world.a1.memberId) }),
  },
  "POST /v1/loans/{loanId}/approve": {
    roles: OFFICERS,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const loanId = await applyForLoan(e2e.api, root, world.a1.memberId);
      return { method: "POST", path: `/v1/loans/${loanId}/approve`, body: {} };
    },
  },
  "POST /v1/loans/{loanId}/disburse": {
    roles: OFFICERS,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const loanId = await applyForLoan(e2e.api, root, world.a1.memberId);
      expectStatus(await post(e2e.api, root, `/v1/loans/${loanId}/approve`, {}), 200);
      return { method: "POST", path: `/v1/loans/${loanId}/disburse`, body: { disbursedOn: today() } };
    },
  },
  "POST /v1/loans/{loanId}/term-adjustments": {
    roles: OFFICERS,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const loanId = await freshDisbursedLoan(e2e, root, world.a1.memberId);
      return {
        method: "POST",
        path: `/v1/loans/${loanId}/term-adjustments`,
        body: {
          installmentSeq: 1,
          newDueDate: addDays(addMonthsClamped(today(), 6), 10),
          reason: "Lũ quét, hộ xin lùi kỳ",
        },
      };
    },
  },
  "POST /v1/loans/{loanId}/extensions": {
    roles: OFFICERS,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const loanId = await freshDisbursedLoan(e2e, root, world.a1.memberId);
      return {
        method: "POST",
        path: `/v1/loans/${loanId}/extensions`,
        body: { newMaturityDate: addMonthsClamped(today(), 30), reason: "Mất mùa, gia hạn 6 tháng" },
      };
    },
  },
  "POST /v1/loans/{loanId}/freeze": {
    roles: OFFICERS,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const loanId = await freshDisbursedLoan(e2e, root, world.a1.memberId);
      return { method: "POST", path: `/v1/loans/${loanId}/freeze`, body: { reason: "Lũ quét tháng 9" } };
    },
  },
  "POST /v1/loans/{loanId}/unfreeze": {
    roles: OFFICERS,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const loanId = await freshDisbursedLoan(e2e, root, world.a1.memberId);
      expectStatus(await post(e2e.api, root, `/v1/loans/${loanId}/freeze`, { reason: "Lũ quét" }), 200);
      return { method: "POST", path: `/v1/loans/${loanId}/unfreeze`, body: { reason: "Hết thời hạn khoanh" } };
    },
  },
  "POST /v1/loans/{loanId}/write-off": {
    roles: OFFICERS,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const loanId = await freshDisbursedLoan(e2e, root, world.a1.memberId);
      return { method: "POST", path: `/v1/loans/${loanId}/write-off`, body: { reason: "Người vay mất tích" } };
    },
  },
  "GET /v1/loans/{loanId}": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/loans/${world.loanId}` }),
  },
  "GET /v1/loans/{loanId}/schedule": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/loans/${world.loanId}/schedule` }),
  },
  "GET /v1/loans/{loanId}/transactions": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/loans/${world.loanId}/transactions` }),
  },
  "POST /v1/loans/{loanId}/payments": {
    roles: [...OFFICERS, "GROUP_LEADER"],
    ok: 201,
    target: IN_GROUP,
    leaderOwnGroupOnly: true,
    request: async ({ world, caller }) => ({
      method: "POST",
      path: `/v1/loans/${world.loanId}/payments`,
      body: {
        paidOn: today(),
        interestVnd: 0,
        principalVnd: 1_000,
        channel: caller.role === "GROUP_LEADER" ? "GROUP_COLLECTION" : "TRANSACTION_POINT",
      },
    }),
  },
  "POST /v1/loans/{loanId}/transactions/{transactionId}/reversal": {
    roles: OFFICERS,
    ok: 201,
    target: IN_GROUP,
    request: async ({ world, root, e2e }) => {
      const paid = await post(e2e.api, root, `/v1/loans/${world.loanId}/payments`, {
        paidOn: today(),
        interestVnd: 0,
        principalVnd: 1_000,
        channel: "TRANSACTION_POINT",
      });
      expectStatus(paid, 201);
      const { transactionId } = body<{ transactionId: string }>(paid);
      return {
        method: "POST",
        path: `/v1/loans/${world.loanId}/transactions/${transactionId}/reversal`,
        body: { reason: "Nhập nhầm" },
      };
    },
  },
  "GET /v1/members/{memberId}/loans": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/members/${world.a1.memberId}/loans` }),
  },
  "GET /v1/members/{memberId}/summary": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/members/${world.a1.memberId}/summary` }),
  },
  "POST /v1/groups/{groupId}/sync": {
    roles: [...OFFICERS, "GROUP_LEADER"],
    ok: 200,
    target: { scope: GROUP },
    leaderOwnGroupOnly: true,
    request: async ({ world, n }) => ({
      method: "POST",
      path: "/v1/groups/G-A1/sync",
      body: {
        deviceId: "phone-kecai-1",
        batchId: `batch-${n}`,
        entries: [
          {
            clientTxId: `sav-${n}`,
            kind: "SAVINGS_DEPOSIT",
            memberId: world.a1.memberId,
            amountVnd: 10_000,
            collectedAt: new Date().toISOString(),
          },
        ],
      },
    }),
  },
  "GET /v1/groups/{groupId}/reconciliation": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: GROUP },
    request: async () => ({ method: "GET", path: "/v1/groups/G-A1/reconciliation" }),
  },
  "GET /v1/groups/{groupId}/commission": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: GROUP },
    request: async () => ({ method: "GET", path: `/v1/groups/G-A1/commission?month=${monthOf(today())}` }),
  },
  "GET /v1/reports/portfolio": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: COMMUNE },
    request: async () => ({ method: "GET", path: `/v1/reports/portfolio?scope=${encodeURIComponent(COMMUNE)}` }),
  },
  "GET /v1/reports/entrustment": {
    roles: ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER"],
    ok: 200,
    target: { scope: COMMUNE },
    request: async () => ({
      method: "GET",
      path: `/v1/reports/entrustment?scope=${encodeURIComponent(COMMUNE)}&month=${monthOf(today())}`,
    }),
  },
  "GET /v1/programs": { roles: ALL, ok: 200, request: async () => ({ method: "GET", path: "/v1/programs" }) },
  "POST /v1/programs/{code}/rates": {
    roles: ["ADMIN"],
    ok: 201,
    // Each allowed call adds a later rate; a programme no loan here uses, so no figure moves.
    request: async ({ n }) => ({
      method: "POST",
      path: "/v1/programs/WATER_SANITATION/rates",
      body: { annualRateBps: 900, effectiveFrom: addDays(today(), 30 + n) },
    }),
  },
  "GET /v1/settings/fee-rates": {
    roles: OVERSIGHT,
    ok: 200,
    request: async () => ({ method: "GET", path: "/v1/settings/fee-rates" }),
  },
  "POST /v1/settings/fee-rates": {
    roles: ["ADMIN"],
    ok: 201,
    request: async ({ n }) => ({
      method: "POST",
      path: "/v1/settings/fee-rates",
      body: {
        kind: "COMMISSION",
        rateBps: 100,
        effectiveFrom: `${monthOf(addMonthsClamped(today(), n))}-01`,
      },
    }),
  },
  "POST /v1/credit-plans": {
    roles: OFFICERS,
    ok: 201,
    target: { scope: COMMUNE },
    districtOrAbove: true,
    request: async ({ n }) => ({
      method: "POST",
      path: "/v1/credit-plans",
      body: {
        communeCode: "MUONG-BANG",
        programCode: "NEAR_POOR",
        year: Number(today().slice(0, 4)),
        planVnd: 5_000_000_000 + n,
        reason: "Kế hoạch năm",
      },
    }),
  },
  "GET /v1/credit-plans": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: COMMUNE },
    request: async () => ({
      method: "GET",
      path: `/v1/credit-plans?scope=${encodeURIComponent(COMMUNE)}&year=${today().slice(0, 4)}`,
    }),
  },
  "GET /v1/credit-plans/history": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: COMMUNE },
    request: async () => ({
      method: "GET",
      path: `/v1/credit-plans/history?communeCode=MUONG-BANG&programCode=NEAR_POOR&year=${today().slice(0, 4)}`,
    }),
  },
  "POST /v1/loans/{loanId}/checks": {
    roles: ["ADMIN", "BANK_OFFICER", "ORG_OFFICER", "COMMUNE_OFFICER"],
    ok: 201,
    target: IN_GROUP,
    request: async ({ world }) => ({
      method: "POST",
      path: `/v1/loans/${world.loanId}/checks`,
      body: { checkedOn: today(), usedAsPurpose: true, note: "Bò khoẻ, đã phối giống" },
    }),
  },
  "GET /v1/loans/{loanId}/checks": {
    roles: OVERSIGHT,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/loans/${world.loanId}/checks` }),
  },
  "GET /v1/reports/unchecked-loans": {
    roles: OVERSIGHT,
    ok: 200,
    target: { scope: COMMUNE },
    request: async () => ({
      method: "GET",
      path: `/v1/reports/unchecked-loans?scope=${encodeURIComponent(COMMUNE)}`,
    }),
  },
  "GET /v1/receipts/{receiptId}": {
    roles: ALL,
    ok: 200,
    target: IN_GROUP,
    request: async ({ world }) => ({ method: "GET", path: `/v1/receipts/${world.receiptId}`, accept: "text/html" }),
  },
};

function covers(callerScope: string, resourceScope: string): boolean {
  return resourceScope === callerScope || resourceScope.startsWith(`${callerScope}/`);
}

/** The rule of the contract: wrong role 403; can't see the target 404; leaders outside their group 403. */
function expectedStatus(row: Row, caller: CallerSpec): number {
  if (row.roles === "open") return row.ok;
  if (!row.roles.includes(caller.role)) return 403;
  if (row.districtOrAbove && caller.role !== "ADMIN" && caller.scope.split("/").length > 2) return 403;
  // Programme and fee settings belong to no place: every allowed role sees them.
  const target = row.target;
  if (!target) return row.ok;
  const visible =
    caller.role === "ADMIN" ||
    (caller.role === "BORROWER"
      ? target.member !== undefined && caller.as === target.member
      : covers(caller.scope, target.scope));
  if (!visible) return 404;
  if (row.leaderOwnGroupOnly && caller.role === "GROUP_LEADER" && caller.scope !== target.scope) return 403;
  return row.ok;
}

describe("authorization matrix: every route × every role × own, sibling and parent scope", () => {
  let e2e: E2e;
  let root: string;
  let world: World;
  const tokens = new Map<string, string>();
  const successes = new Map<string, number>();
  let n = 0;

  beforeAll(async () => {
    e2e = await startE2e("e2e-authz");
    const { api } = e2e;
    root = await api.token("ADMIN", PROVINCE);
    await createCommune(api, root, "MUONG-BANG", "Mường Báng");
    await createCommune(api, root, "SINH-PHINH", "Sính Phình");
    await createGroup(api, root, "MUONG-BANG", "Tổ TK&VV Kê Cai A1", "G-A1");
    await createGroup(api, root, "MUONG-BANG", "Tổ TK&VV Kê Cai A2", "G-A2");
    await createGroup(api, root, "SINH-PHINH", "Tổ TK&VV Sính Phình B1", "G-B1");
    const a1Body = memberBody("G-A1", "Lò Thị Mai Riêng");
    const created = await post(api, root, "/v1/members", a1Body);
    expectStatus(created, 201);
    const a1 = body<MemberOut>(created);
    const a1b = await createMember(api, root, "G-A1", "Quàng Văn Chiến");
    const b1 = await createMember(api, root, "G-B1", "Giàng A Dính");
    await createMember(api, root, "G-A2", "Vàng Thị Dua");
    const loan = await activeLoan(api, root, a1, monthsAgo(3));
    const paidOn = monthsAgo(2);
    const paid = await post(api, root, `/v1/loans/${loan.loanId}/payments`, {
      paidOn,
      interestVnd: loan.payable(paidOn),
      principalVnd: 0,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(paid, 201);
    expectStatus(
      await post(api, root, `/v1/members/${a1.memberId}/savings/deposits`, { amountVnd: 100_000, on: paidOn }),
      201,
    );
    world = {
      a1,
      a1b,
      b1,
      loanId: loan.loanId,
      receiptId: body<{ receiptId: string }>(paid).receiptId,
      secrets: { nationalId: a1Body.nationalId, phone: a1Body.phone },
    };
    for (const caller of CALLERS) {
      const memberId = caller.as ? world[caller.as].memberId : undefined;
      tokens.set(caller.label, await api.token(caller.role, caller.scope, memberId));
    }
  });
  afterAll(() => e2e.api.close());

  it("has a row for every route the API serves, and none for a route it does not", () => {
    expect(Object.keys(MATRIX).sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  /** What the target holds that a denied caller must never be shown, unless the caller sent it. */
  function secretsOf(sent: string): string[] {
    const all = [
      world.a1.fullName,
      world.secrets.nationalId,
      world.secrets.phone,
      `********${world.secrets.nationalId.slice(-4)}`,
      "Tổ TK&amp;VV Kê Cai A1",
      "Tổ TK&VV Kê Cai A1",
      "Bản Tổ TK&VV Kê Cai A1",
      world.a1.memberId,
      "G-A1",
      world.loanId,
      world.receiptId,
    ];
    return all.filter((secret) => !sent.includes(secret));
  }

  async function send(request: Request, token: string | undefined, key = newKey()): Promise<HttpAnswer> {
    const init = jsonRequest(request.method, token, request.body, request.method === "POST" ? key : undefined);
    if (request.accept) (init.headers as Record<string, string>).accept = request.accept;
    return http(`${e2e.api.url}${request.path}`, init);
  }

  for (const route of ROUTES) {
    const key = routeKey(route);
    describe(key, () => {
      it.each(CALLERS)("$label", async (caller) => {
        const row = MATRIX[key];
        if (!row) throw new Error(`No matrix row for ${key}: say who may call it.`);
        const request = await row.request({ world, caller, root, e2e, n: ++n });
        const answer = await send(request, tokens.get(caller.label));
        const status = expectedStatus(row, caller);
        expect(answer.status, `${caller.label} ${key}: ${answer.text.slice(0, 300)}`).toBe(status);
        if (status >= 400) {
          expect(answer.headers.get("content-type")).toBe("application/problem+json");
          const sent = `${request.path} ${JSON.stringify(request.body ?? null)}`;
          for (const secret of secretsOf(sent)) expect(answer.text, `leaks ${secret}`).not.toContain(secret);
        } else {
          successes.set(key, (successes.get(key) ?? 0) + 1);
        }
      });

      if (!route.open) {
        it("refuses a caller without a token: 401", async () => {
          const row = MATRIX[key];
          if (!row) throw new Error(`No matrix row for ${key}: say who may call it.`);
          const request = await row.request({ world, caller: CALLERS[0]!, root, e2e, n: ++n });
          const answer = await send(request, undefined);
          expect(answer.status).toBe(401);
          expect(answer.headers.get("content-type")).toBe("application/problem+json");
          for (const secret of secretsOf(`${request.path} ${JSON.stringify(request.body ?? null)}`)) {
            expect(answer.text).not.toContain(secret);
          }
        });
      }
    });
  }

  it("answers an id out of the caller's scope exactly as an id that does not exist", async () => {
    const outsider = tokens.get("BANK_OFFICER of a sibling commune")!;
    const cases: [string, string, string][] = [
      ["/v1/members/{id}", world.a1.memberId, "M-00000000000000000000000000"],
      ["/v1/members/{id}/savings", world.a1.memberId, "M-00000000000000000000000000"],
      ["/v1/members/{id}/loans", world.a1.memberId, "M-00000000000000000000000000"],
      ["/v1/loans/{id}", world.loanId, "L-00000000000000000000000000"],
      ["/v1/loans/{id}/transactions", world.loanId, "L-00000000000000000000000000"],
      ["/v1/receipts/{id}", world.receiptId, "R-00000000000000000000000000"],
      ["/v1/groups/{id}", "G-A1", "G-NO-SUCH-GROUP"],
    ];
    const shape = (answer: HttpAnswer, id: string) => {
      const { correlationId: _c, ...problem } = answer.json as Record<string, unknown>;
      return { status: answer.status, problem: JSON.stringify(problem).replaceAll(id, "{id}") };
    };
    for (const [template, real, missing] of cases) {
      const hidden = await get(e2e.api, outsider, template.replace("{id}", real));
      const absent = await get(e2e.api, outsider, template.replace("{id}", missing));
      expect(hidden.status, template).toBe(404);
      expect(shape(hidden, real), template).toEqual(shape(absent, missing));
    }
  });

  it("left no trace of a denied write: the loan, the group and the savings hold only the allowed ones", async () => {
    const { api } = e2e;
    const count = (k: string) => successes.get(k) ?? 0;
    const callers = CALLERS.length;
    const payments = count("POST /v1/loans/{loanId}/payments");
    const reversals = count("POST /v1/loans/{loanId}/transactions/{transactionId}/reversal");
    // One payment before the matrix, and one the reversal cases each posted first (plus the 401 case's).
    const arranged = 1 + callers + 1;
    const transactions = await allTransactions(api, root, world.loanId);
    expect(transactions.filter((t) => t.kind === "PAYMENT")).toHaveLength(arranged + payments);
    expect(transactions.filter((t) => t.kind === "REVERSAL")).toHaveLength(reversals);
    expect(payments).toBe(
      CALLERS.filter((c) => expectedStatus(MATRIX["POST /v1/loans/{loanId}/payments"]!, c) === 201).length,
    );

    const group = body<{ memberCount: number }>(await get(api, root, "/v1/groups/G-A1"));
    expect(group.memberCount).toBe(2 + count("POST /v1/members"));

    const savings = body<{ balanceVnd: number }>(await get(api, root, `/v1/members/${world.a1.memberId}/savings`));
    const deposits = count("POST /v1/members/{memberId}/savings/deposits");
    const withdrawals = count("POST /v1/members/{memberId}/savings/withdrawals");
    const checks = body<{ items: unknown[] }>(await get(api, root, `/v1/loans/${world.loanId}/checks?limit=100`));
    expect(checks.items).toHaveLength(count("POST /v1/loans/{loanId}/checks"));
    const year = today().slice(0, 4);
    const plans = body<{ items: unknown[] }>(
      await get(api, root, `/v1/credit-plans/history?communeCode=MUONG-BANG&programCode=NEAR_POOR&year=${year}`),
    );
    expect(plans.items).toHaveLength(count("POST /v1/credit-plans"));

    const synced = count("POST /v1/groups/{groupId}/sync");
    expect(savings.balanceVnd).toBe(100_000 + deposits * 20_000 - withdrawals * 5_000 + synced * 10_000);
  });
});
