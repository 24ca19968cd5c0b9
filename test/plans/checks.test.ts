/**
 * Post-disbursement checks (kiểm tra sau cho vay): an officer visits the household and records whether
 * the loan went to its purpose, with photos kept in the object store. The district watches the loans
 * that have gone past the threshold with no check yet; that list has to be exact, in scope, and page
 * through a district without losing or repeating a loan.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BusinessDate, daysBetween, isAfter } from "../../shared/domain/index.ts";
import {
  createCommune,
  createGroup,
  createMember,
  type E2e,
  ExpectedLoan,
  expectProblem,
  expectStatus,
  getLoan,
  startE2e,
  today,
} from "../e2e/fixtures.ts";
import type { HttpAnswer } from "../support/index.ts";
import { applyAndApprove, daysBefore, disburse, loanPlan, type User, userOf } from "./support.ts";

const DISTRICT = "DB/TUA-CHUA";
const MB = "DB/TUA-CHUA/MUONG-BANG";
const SC = "DB/TUA-CHUA/SIN-CHAI";
const PLAN = loanPlan("POOR", 12_000_000);
/** The date the suite reckons from; reports are asked as of it, so a run across midnight still agrees. */
const TODAY = today();

type Check = {
  checkId: string;
  loanId: string;
  checkedOn: string;
  usedAsPurpose: boolean;
  note: string | null;
  photoKeys: string[];
  checker: { sub: string; role: string };
  recordedAt: string;
};
type Unchecked = {
  loanId: string;
  memberId: string;
  memberName: string;
  groupId: string;
  programCode: string;
  principalVnd: number;
  disbursedOn: string;
  daysSinceDisbursement: number;
};
type Report = { scope: string; asOf: string; thresholdDays: number; items: Unchecked[]; nextCursor: string | null };

type Loan = {
  name: string;
  loanId: string;
  memberId: string;
  memberName: string;
  groupId: string;
  communePath: string;
  groupScope: string;
  disbursedOn: BusinessDate | null;
  checkedOn: BusinessDate[];
  closed: boolean;
};

describe("post-disbursement checks", () => {
  let e2e: E2e;
  let admin: User;
  let officer: User;
  let communeOfficer: User;
  let orgOfficer: User;
  let siblingOfficer: User;
  const loans = new Map<string, Loan>();
  const groupsByName = new Map<string, { groupId: string; scope: string; communePath: string }>();
  let serial = 0;

  const loan = (name: string) => loans.get(name)!;

  async function addLoan(name: string, group: string, daysAgo: number | null) {
    const g = groupsByName.get(group)!;
    serial += 1;
    const memberName = `Sùng Thị Sía ${serial}`;
    const member = await createMember(e2e.api, officer.token, g.groupId, memberName);
    const loanId = await applyAndApprove(officer, member.memberId, PLAN);
    const disbursedOn = daysAgo === null ? null : daysBefore(TODAY, daysAgo);
    if (disbursedOn) expectStatus(await disburse(officer, loanId, disbursedOn), 200, `disburse ${name}`);
    loans.set(name, {
      name,
      loanId,
      memberId: member.memberId,
      memberName,
      groupId: g.groupId,
      communePath: g.communePath,
      groupScope: g.scope,
      disbursedOn,
      checkedOn: [],
      closed: false,
    });
  }

  async function recordCheck(by: User, name: string, body: Record<string, unknown>): Promise<HttpAnswer> {
    const answer = await by.post(`/v1/loans/${loan(name).loanId}/checks`, body);
    if (answer.status === 201) loan(name).checkedOn.push(body.checkedOn as BusinessDate);
    return answer;
  }

  /** Who the report must list: disbursed, still being repaid, past the threshold, and not checked by asOf. */
  function expectedUnchecked(inScope: (l: Loan) => boolean, asOf: BusinessDate, thresholdDays: number) {
    return [...loans.values()]
      .filter((l) => inScope(l) && l.disbursedOn !== null && !l.closed && !isAfter(l.disbursedOn, asOf))
      .filter((l) => daysBetween(l.disbursedOn!, asOf) > thresholdDays)
      .filter((l) => !l.checkedOn.some((d) => !isAfter(d, asOf)))
      .map(
        (l): Unchecked => ({
          loanId: l.loanId,
          memberId: l.memberId,
          memberName: l.memberName,
          groupId: l.groupId,
          programCode: PLAN.programCode,
          principalVnd: PLAN.principalVnd,
          disbursedOn: l.disbursedOn!,
          daysSinceDisbursement: daysBetween(l.disbursedOn!, asOf),
        }),
      )
      .sort((a, b) => a.loanId.localeCompare(b.loanId));
  }

  const sorted = (items: Unchecked[]) => [...items].sort((a, b) => a.loanId.localeCompare(b.loanId));
  const inDistrict = () => true;
  const inCommune = (path: string) => (l: Loan) => l.communePath === path;

  async function report(by: User, query: string): Promise<Report> {
    const answer = await by.get(`/v1/reports/unchecked-loans?${query}`);
    expectStatus(answer, 200, `unchecked ${query}`);
    return answer.json as Report;
  }

  /** Follows the cursor to the end; no page may be longer than asked, and none may repeat a loan. */
  async function allPages(by: User, query: string, limit: number) {
    const items: Unchecked[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Report = await report(
        by,
        `${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
      expect(pages, "the cursor must come to an end").toBeLessThan(40);
    } while (cursor);
    expect(new Set(items.map((i) => i.loanId)).size, "a loan listed twice").toBe(items.length);
    return { items, pages };
  }

  beforeAll(async () => {
    e2e = await startE2e("plans-checks");
    admin = await userOf(e2e.api, "admin-1", "ADMIN", "DB");
    officer = await userOf(e2e.api, "officer-tua-chua", "BANK_OFFICER", DISTRICT);
    communeOfficer = await userOf(e2e.api, "commune-muong-bang", "COMMUNE_OFFICER", MB);
    orgOfficer = await userOf(e2e.api, "women-union-muong-bang", "ORG_OFFICER", MB);
    siblingOfficer = await userOf(e2e.api, "commune-sin-chai", "COMMUNE_OFFICER", SC);
    await createCommune(e2e.api, admin.token, "MUONG-BANG", "Mường Báng");
    await createCommune(e2e.api, admin.token, "SIN-CHAI", "Sín Chải");
    for (const [name, communeCode] of [
      ["Ke Cải", "MUONG-BANG"],
      ["Pá Lếch", "MUONG-BANG"],
      ["Háng Á", "SIN-CHAI"],
      // A group with no loans yet: the report must page past it.
      ["Sín Chải 2", "SIN-CHAI"],
      ["Tả Phìn", "SIN-CHAI"],
    ] as const) {
      const group = await createGroup(e2e.api, officer.token, communeCode, `Tổ TK&VV ${name}`);
      groupsByName.set(name, { groupId: group.groupId, scope: group.scope, communePath: group.communePath });
    }
    // Days since disbursement, chosen around the default 30-day threshold and a 60-day one.
    for (const [name, group, daysAgo] of [
      ["d10", "Ke Cải", 10],
      ["d30", "Ke Cải", 30],
      ["d31", "Ke Cải", 31],
      ["d90", "Ke Cải", 90],
      ["d40", "Pá Lếch", 40],
      ["d61", "Pá Lếch", 61],
      ["checked early", "Pá Lếch", 75],
      ["checked late", "Pá Lếch", 80],
      ["repaid", "Pá Lếch", 45],
      ["pending", "Pá Lếch", null],
      ["d50", "Háng Á", 50],
      ["d100", "Háng Á", 100],
      ["d120", "Háng Á", 120],
      ["d33", "Tả Phìn", 33],
    ] as const) {
      await addLoan(name, group, daysAgo);
    }
    // One loan repaid in full: nothing is left out on it to check.
    const repaid = loan("repaid");
    const twin = new ExpectedLoan(repaid, PLAN);
    twin.approve();
    twin.disburse(repaid.disbursedOn!);
    const paidOn = daysBefore(TODAY, 1);
    const closing = await officer.post(`/v1/loans/${repaid.loanId}/payments`, {
      paidOn,
      interestVnd: twin.payable(paidOn),
      principalVnd: PLAN.principalVnd,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(closing, 201, "repaid in full");
    expect((await getLoan(e2e.api, officer.token, repaid.loanId)).status).toBe("CLOSED");
    repaid.closed = true;
  });
  afterAll(() => e2e.api.close());

  describe("recording checks", () => {
    it("records a check with its photos' object keys and lists a loan's checks by date", async () => {
      const early = loan("checked early");
      const photoKeys = [
        `checks/MUONG-BANG/${early.loanId}/chuong-bo-1.jpg`,
        `checks/MUONG-BANG/${early.loanId}/bo-giong(2).jpg`,
      ];
      const later = await recordCheck(orgOfficer, "checked early", {
        checkedOn: daysBefore(TODAY, 20),
        usedAsPurpose: false,
        note: "Hộ đã bán một con bò",
      });
      expectStatus(later, 201, "second visit");
      const first = await recordCheck(officer, "checked early", {
        checkedOn: early.disbursedOn,
        usedAsPurpose: true,
        note: "Đã mua 2 con bò giống, chuồng trại đủ",
        photoKeys,
      });
      expectStatus(first, 201, "visit on the day of disbursement");
      expect(first.json).toEqual({
        checkId: expect.any(String),
        loanId: early.loanId,
        checkedOn: early.disbursedOn,
        usedAsPurpose: true,
        note: "Đã mua 2 con bò giống, chuồng trại đủ",
        photoKeys,
        checker: { sub: officer.sub, role: "BANK_OFFICER" },
        recordedAt: expect.any(String),
      });
      expect(Date.parse((first.json as Check).recordedAt)).not.toBeNaN();
      expect(later.json).toMatchObject({
        photoKeys: [],
        note: "Hộ đã bán một con bò",
        usedAsPurpose: false,
        checker: { sub: orgOfficer.sub, role: "ORG_OFFICER" },
      });

      // Oldest visit first, whatever order they were typed in; the commune and the group can read them.
      const leader = await userOf(e2e.api, "leader-pa-lech", "GROUP_LEADER", early.groupScope);
      for (const reader of [officer, communeOfficer, leader]) {
        const listed = await reader.get(`/v1/loans/${early.loanId}/checks`);
        expectStatus(listed, 200, "checks");
        expect(listed.json).toEqual({ items: [first.json, later.json], nextCursor: null });
      }
      const page1 = await officer.get(`/v1/loans/${early.loanId}/checks?limit=1`);
      const p1 = page1.json as { items: Check[]; nextCursor: string };
      expect(p1.items).toEqual([first.json]);
      const page2 = await officer.get(
        `/v1/loans/${early.loanId}/checks?limit=1&cursor=${encodeURIComponent(p1.nextCursor)}`,
      );
      expect((page2.json as { items: Check[] }).items).toEqual([later.json]);

      // A phone resending the same visit (same key, same body) records it once.
      const visit = { checkedOn: daysBefore(TODAY, 3), usedAsPurpose: true };
      const sent = await recordCheck(communeOfficer, "checked late", visit);
      expectStatus(sent, 201, "commune officer's visit");
      const resent = await communeOfficer.post(`/v1/loans/${loan("checked late").loanId}/checks`, visit, "visit-1");
      const again = await communeOfficer.post(`/v1/loans/${loan("checked late").loanId}/checks`, visit, "visit-1");
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.json).toEqual(resent.json);
      const lateChecks = await officer.get(`/v1/loans/${loan("checked late").loanId}/checks`);
      expect((lateChecks.json as { items: Check[] }).items.map((c) => c.checkId)).toEqual(
        expect.arrayContaining([(sent.json as Check).checkId, (resent.json as Check).checkId]),
      );
      expect((lateChecks.json as { items: Check[] }).items).toHaveLength(2);
    });

    it("refuses a check dated before the disbursement, in the future, or on a loan not yet disbursed", async () => {
      const d10 = loan("d10");
      const before = await recordCheck(officer, "d10", { checkedOn: daysBefore(TODAY, 11), usedAsPurpose: true });
      expectProblem(before, 422, "check-before-disbursement");
      const future = await recordCheck(officer, "d10", { checkedOn: daysBefore(TODAY, -2), usedAsPurpose: true });
      expectProblem(future, 422, "check-in-future");
      const pending = await recordCheck(officer, "pending", { checkedOn: daysBefore(TODAY, 1), usedAsPurpose: true });
      expectProblem(pending, 422, "not-disbursed");

      for (const photoKeys of [["anh chup.jpg"], Array.from({ length: 11 }, (_, i) => `checks/${i}.jpg`)]) {
        const bad = await recordCheck(officer, "d10", {
          checkedOn: daysBefore(TODAY, 1),
          usedAsPurpose: true,
          photoKeys,
        });
        expectProblem(bad, 400, "validation-failed");
      }
      const listed = await officer.get(`/v1/loans/${d10.loanId}/checks`);
      expect(listed.json).toEqual({ items: [], nextCursor: null });
    });

    it("lets neither the borrower nor the group leader record a check, nor another commune see the loan", async () => {
      const d31 = loan("d31");
      const borrower = await userOf(e2e.api, "borrower-d31", "BORROWER", d31.groupScope, { memberId: d31.memberId });
      const leader = await userOf(e2e.api, "leader-ke-cai", "GROUP_LEADER", d31.groupScope);
      const visit = { checkedOn: daysBefore(TODAY, 1), usedAsPurpose: true };
      expectProblem(await recordCheck(borrower, "d31", visit), 403, "forbidden");
      expectProblem(await recordCheck(leader, "d31", visit), 403, "forbidden");
      expectProblem(await recordCheck(siblingOfficer, "d31", visit), 404, "not-found");
      expectProblem(await siblingOfficer.get(`/v1/loans/${d31.loanId}/checks`), 404, "not-found");
      const listed = await officer.get(`/v1/loans/${d31.loanId}/checks`);
      expect(listed.json).toEqual({ items: [], nextCursor: null });
    });
  });

  describe("the unchecked-loans report", () => {
    const saved = process.env.CHECK_THRESHOLD_DAYS;
    afterEach(() => {
      if (saved === undefined) delete process.env.CHECK_THRESHOLD_DAYS;
      else process.env.CHECK_THRESHOLD_DAYS = saved;
    });

    it("lists exactly the loans more than 30 days out with no check, in the caller's scope", async () => {
      delete process.env.CHECK_THRESHOLD_DAYS;
      const district = await report(officer, `scope=${DISTRICT}&asOf=${TODAY}`);
      expect(district).toMatchObject({ scope: DISTRICT, asOf: TODAY, thresholdDays: 30, nextCursor: null });
      const expected = expectedUnchecked(inDistrict, TODAY, 30);
      expect(sorted(district.items)).toEqual(expected);
      // Exactly 30 days is not yet late; 31 is. Checked, repaid and undisbursed loans are not listed.
      expect(expected.map((i) => i.daysSinceDisbursement).sort((a, b) => a - b)).toEqual([
        31, 33, 40, 50, 61, 90, 100, 120,
      ]);

      const commune = await report(communeOfficer, `asOf=${TODAY}`);
      expect(commune.scope).toBe(MB);
      expect(sorted(commune.items)).toEqual(expectedUnchecked(inCommune(MB), TODAY, 30));
      const sibling = await report(siblingOfficer, `asOf=${TODAY}`);
      expect(sorted(sibling.items)).toEqual(expectedUnchecked(inCommune(SC), TODAY, 30));
      expectProblem(await communeOfficer.get(`/v1/reports/unchecked-loans?scope=${SC}`), 404, "not-found");
      expectProblem(await communeOfficer.get(`/v1/reports/unchecked-loans?scope=${DISTRICT}`), 404, "not-found");

      const group = loan("d40").groupScope;
      const leader = await userOf(e2e.api, "leader-pa-lech-2", "GROUP_LEADER", group);
      const own = await report(leader, `asOf=${TODAY}`);
      expect(sorted(own.items)).toEqual(expectedUnchecked((l) => l.groupScope === group, TODAY, 30));
      const borrower = await userOf(e2e.api, "borrower-d40", "BORROWER", group, { memberId: loan("d40").memberId });
      expectProblem(await borrower.get("/v1/reports/unchecked-loans"), 403, "forbidden");
    });

    it("reports as of the business date by default and follows the threshold setting", async () => {
      delete process.env.CHECK_THRESHOLD_DAYS;
      const plain = await report(officer, `scope=${DISTRICT}`);
      expect(sorted(plain.items)).toEqual(expectedUnchecked(inDistrict, plain.asOf as BusinessDate, 30));

      process.env.CHECK_THRESHOLD_DAYS = "60";
      const sixty = await report(officer, `scope=${DISTRICT}&asOf=${TODAY}`);
      expect(sixty.thresholdDays).toBe(60);
      const expected = expectedUnchecked(inDistrict, TODAY, 60);
      expect(sorted(sixty.items)).toEqual(expected);
      expect(expected.map((i) => i.daysSinceDisbursement).sort((a, b) => a - b)).toEqual([61, 90, 100, 120]);
    });

    it("as of an earlier date, counts a loan checked only afterwards as unchecked", async () => {
      delete process.env.CHECK_THRESHOLD_DAYS;
      const asOf = daysBefore(TODAY, 20);
      const then = await report(officer, `scope=${DISTRICT}&asOf=${asOf}`);
      const expected = expectedUnchecked(inDistrict, asOf, 30);
      expect(sorted(then.items)).toEqual(expected);
      expect(expected.find((i) => i.loanId === loan("checked late").loanId)?.daysSinceDisbursement).toBe(60);
      expect(expected.some((i) => i.loanId === loan("checked early").loanId)).toBe(false);
    });

    it("drops a loan from the list once it is checked", async () => {
      delete process.env.CHECK_THRESHOLD_DAYS;
      expectStatus(
        await recordCheck(communeOfficer, "d31", {
          checkedOn: daysBefore(TODAY, 2),
          usedAsPurpose: true,
          photoKeys: ["checks/d31/ruong-ngo.jpg"],
        }),
        201,
        "check of d31",
      );
      const after = await report(communeOfficer, `asOf=${TODAY}`);
      expect(after.items.map((i) => i.loanId)).not.toContain(loan("d31").loanId);
      expect(sorted(after.items)).toEqual(expectedUnchecked(inCommune(MB), TODAY, 30));
    });

    it("pages through the district without losing or repeating a loan", async () => {
      delete process.env.CHECK_THRESHOLD_DAYS;
      const expected = expectedUnchecked(inDistrict, TODAY, 30);
      expect(expected.length).toBeGreaterThan(4);
      for (const limit of [1, 2, 4, 100]) {
        const { items, pages } = await allPages(officer, `scope=${DISTRICT}&asOf=${TODAY}`, limit);
        expect(sorted(items), `limit ${limit}`).toEqual(expected);
        expect(pages, `limit ${limit}`).toBeGreaterThanOrEqual(Math.ceil(expected.length / limit));
      }
    });

    it("refuses a cursor it did not issue for that very report", async () => {
      const query = `scope=${DISTRICT}&asOf=${TODAY}&limit=1`;
      const first = await report(officer, query);
      const cursor = first.nextCursor!;
      expect(cursor).toEqual(expect.any(String));
      const [payload, mac] = cursor.split(".") as [string, string];
      const decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      // Pointing the cursor at a later group, keeping the signature, must not skip loans unnoticed.
      const forgedPayload = Buffer.from(
        JSON.stringify({ ...decoded, k: { ...decoded.k, g: decoded.k.g + 1 } }),
      ).toString("base64url");
      const flipped = `${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
      const forged = ["not-a-cursor", `${forgedPayload}.${mac}`, `${payload}.${flipped}`, `${payload}.${mac}.extra`];
      for (const bad of forged) {
        const answer = await officer.get(`/v1/reports/unchecked-loans?${query}&cursor=${encodeURIComponent(bad)}`);
        expectProblem(answer, 400, "validation-failed");
        expect((answer.json as { errors: { path: string }[] }).errors).toContainEqual(
          expect.objectContaining({ path: "query.cursor" }),
        );
      }
      // A genuine cursor is still refused for another scope or another date.
      for (const other of [
        `scope=${MB}&asOf=${TODAY}&limit=1`,
        `scope=${DISTRICT}&asOf=${daysBefore(TODAY, 1)}&limit=1`,
      ]) {
        const answer = await officer.get(`/v1/reports/unchecked-loans?${other}&cursor=${encodeURIComponent(cursor)}`);
        expectProblem(answer, 400, "validation-failed");
      }
    });
  });
});
