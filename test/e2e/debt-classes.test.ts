/**
 * Frozen debt (khoanh nợ), its end, and write-off, as a bank officer records them after a disaster: the
 * loan changes class from today with its reason in the postings; interest is brought to yesterday and
 * journaled first; the portfolio keeps a frozen loan and drops a written-off one, and the nightly
 * cross-check still finds every aggregate equal to its loans.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkAggregates } from "../../shared/jobs/aggregate-check.ts";
import { logger } from "../../shared/log/logger.ts";
import {
  activeLoan,
  allTransactions,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectStatus,
  get,
  getLoan,
  type MemberOut,
  monthsAgo,
  newKey,
  post,
  startE2e,
  today,
} from "./fixtures.ts";

type Portfolio = {
  programs: { programCode: string; borrowers: number; outstandingVnd: number; overdueVnd: number }[];
  totals: { borrowers: number; outstandingVnd: number };
};

const COMMUNE = "DB/TUA-CHUA/SIN-SUOI-HO";

describe("freezing and writing off a loan", () => {
  let e2e: E2e;
  let officer: string;
  let member: MemberOut;

  beforeAll(async () => {
    e2e = await startE2e("e2e-debt-classes");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "SIN-SUOI-HO", "Sín Suối Hồ");
    const group = await createGroup(e2e.api, officer, "SIN-SUOI-HO", "Tổ TK&VV Sín Suối Hồ 1");
    member = await createMember(e2e.api, officer, group.groupId, "Vàng A Sử");
  });
  afterAll(async () => {
    await e2e.api.close();
  });

  async function portfolio(): Promise<Portfolio> {
    const answer = await get(e2e.api, officer, `/v1/reports/portfolio?scope=${encodeURIComponent(COMMUNE)}`);
    expectStatus(answer, 200, "portfolio");
    return answer.json as Portfolio;
  }

  async function noDrift() {
    logger.setLogLevel("SILENT");
    try {
      expect((await checkAggregates()).differences).toEqual([]);
    } finally {
      logger.setLogLevel("ERROR");
    }
  }

  it("freezes a loan from today, keeps it in the portfolio, and thaws it with interest running again", async () => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(2));
    const before = await getLoan(api, officer, expected.loanId);
    const portfolioBefore = await portfolio();

    const key = newKey();
    const frozen = await post(api, officer, `/v1/loans/${expected.loanId}/freeze`, { reason: "Lũ quét" }, key);
    expectStatus(frozen, 200, "freeze");
    expect(frozen.json).toMatchObject({
      status: "FROZEN",
      outstandingPrincipalVnd: before.outstandingPrincipalVnd,
      // Brought to yesterday, exactly as the engine accrues it; nothing accrues from today.
      accruedInterestVnd: expected.payable(today()),
    });
    const replay = await post(api, officer, `/v1/loans/${expected.loanId}/freeze`, { reason: "Lũ quét" }, key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json).toEqual(frozen.json);
    expect(await portfolio()).toEqual(portfolioBefore);

    // Freezing twice is not a transition the engine knows.
    const twice = await post(api, officer, `/v1/loans/${expected.loanId}/freeze`, { reason: "again" });
    expectStatus(twice, 409, "freeze a frozen loan");
    expect(twice.json).toMatchObject({ type: "urn:policy-credit:problem:invalid-transition", from: "FROZEN" });

    const thawed = await post(api, officer, `/v1/loans/${expected.loanId}/unfreeze`, { reason: "Hết hạn khoanh" });
    expectStatus(thawed, 200, "unfreeze");
    expect(thawed.json).toMatchObject({ status: "ACTIVE", outstandingPrincipalVnd: before.outstandingPrincipalVnd });

    const events = (await allTransactions(api, officer, expected.loanId)).filter((t) => t.kind !== "DISBURSEMENT");
    expect(events).toMatchObject([
      { kind: "FREEZE", reason: "Lũ quét", amountVnd: 0, valueDate: today() },
      { kind: "UNFREEZE", reason: "Hết hạn khoanh", amountVnd: 0, valueDate: today() },
    ]);
    await noDrift();
  });

  it("shows a frozen loan's overdue in the group's reconciliation as the loan holds it", async () => {
    const { api } = e2e;
    const group = await createGroup(api, officer, "SIN-SUOI-HO", "Tổ TK&VV Sín Suối Hồ 3");
    const borrower = await createMember(api, officer, group.groupId, "Sùng A Tủa");
    // Its first installment fell due a month ago; a freeze stops classification where it stands.
    const old = await activeLoan(api, officer, borrower, monthsAgo(7));
    expectStatus(await post(api, officer, `/v1/loans/${old.loanId}/freeze`, { reason: "Sạt lở đất" }), 200);
    const loan = await getLoan(api, officer, old.loanId);
    const answer = await get(api, officer, `/v1/groups/${group.groupId}/reconciliation?asOf=${today()}`);
    expectStatus(answer, 200, "reconciliation");
    const sheet = answer.json as {
      rows: { loans: { loanId: string; overduePrincipalVnd: number }[] }[];
      totals: { overduePrincipalVnd: number };
    };
    const line = sheet.rows.flatMap((r) => r.loans).find((l) => l.loanId === old.loanId)!;
    expect(line.overduePrincipalVnd).toBe(loan.overduePrincipalVnd);
    expect(sheet.totals.overduePrincipalVnd).toBe(loan.overduePrincipalVnd);
  });

  it("writes a loan off: balances stay on the loan, the portfolio and the household count drop it", async () => {
    const { api } = e2e;
    const kept = await activeLoan(api, officer, member, monthsAgo(3));
    const lost = await activeLoan(api, officer, member, monthsAgo(3));
    const loan = await getLoan(api, officer, lost.loanId);
    const before = await portfolio();
    const poorBefore = before.programs.find((p) => p.programCode === "POOR")!;

    const written = await post(api, officer, `/v1/loans/${lost.loanId}/write-off`, { reason: "Người vay đã mất" });
    expectStatus(written, 200, "write-off");
    expect(written.json).toMatchObject({
      status: "WRITTEN_OFF",
      outstandingPrincipalVnd: loan.outstandingPrincipalVnd,
    });

    const after = await portfolio();
    const poorAfter = after.programs.find((p) => p.programCode === "POOR")!;
    expect(poorAfter.borrowers).toBe(poorBefore.borrowers - 1);
    expect(poorAfter.outstandingVnd).toBe(poorBefore.outstandingVnd - loan.outstandingPrincipalVnd);
    expect(poorAfter.overdueVnd).toBe(poorBefore.overdueVnd - loan.overduePrincipalVnd);
    // The household still has the other loan, so it is still counted once.
    expect(after.totals.borrowers).toBe(before.totals.borrowers);
    expect((await getLoan(api, officer, kept.loanId)).status).toBe("ACTIVE");

    // Nothing moves a written-off loan back into another class.
    expectStatus(
      await post(api, officer, `/v1/loans/${lost.loanId}/freeze`, { reason: "x" }),
      409,
      "freeze written off",
    );
    await noDrift();
  });

  it("drops the household from the count when its only loan is written off", async () => {
    const { api } = e2e;
    const group = await createGroup(api, officer, "SIN-SUOI-HO", "Tổ TK&VV Sín Suối Hồ 2");
    const alone = await createMember(api, officer, group.groupId, "Thào A Dình");
    const before = await portfolio();
    const only = await activeLoan(api, officer, alone, monthsAgo(1));
    expect((await portfolio()).totals.borrowers).toBe(before.totals.borrowers + 1);
    expectStatus(await post(api, officer, `/v1/loans/${only.loanId}/write-off`, { reason: "Chuyển đi nơi khác" }), 200);
    expect((await portfolio()).totals.borrowers).toBe(before.totals.borrowers);
    await noDrift();
  });
});
