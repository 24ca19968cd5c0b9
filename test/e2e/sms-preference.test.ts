/**
 * A member can stop SMS reminders, and the borrower can do it from the phone. The nightly reminder job
 * reads the same flag (test/jobs/reminders.test.ts shows an opted-out member gets nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectProblem,
  expectStatus,
  get,
  type MemberOut,
  put,
  startE2e,
} from "./fixtures.ts";

describe("SMS preference", () => {
  let e2e: E2e;
  let officer: string;
  let member: MemberOut;
  let other: MemberOut;

  beforeAll(async () => {
    e2e = await startE2e("e2e-sms-preference");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "MUONG-BANG", "Mường Báng");
    const group = await createGroup(e2e.api, officer, "MUONG-BANG", "Tổ TK&VV Kể Cải 1");
    member = await createMember(e2e.api, officer, group.groupId, "Lầu A Già");
    other = await createMember(e2e.api, officer, group.groupId, "Giàng Thị Dua");
  });
  afterAll(() => e2e.api.close());

  it("a borrower opts out from the phone, and the member record says so", async () => {
    const borrower = await e2e.api.token("BORROWER", member.scope, member.memberId);
    const answer = await put(e2e.api, borrower, `/v1/members/${member.memberId}/sms-preference`, { smsOptOut: true });
    expectStatus(answer, 200);
    expect(body<{ smsOptOut: boolean }>(answer).smsOptOut).toBe(true);
    const read = await get(e2e.api, officer, `/v1/members/${member.memberId}`);
    expect(body<{ smsOptOut: boolean }>(read).smsOptOut).toBe(true);
  });

  it("an officer opts the member back in", async () => {
    const answer = await put(e2e.api, officer, `/v1/members/${member.memberId}/sms-preference`, { smsOptOut: false });
    expectStatus(answer, 200);
    expect(body<{ smsOptOut: boolean }>(answer).smsOptOut).toBe(false);
  });

  it("a borrower cannot change another member's preference, and cannot tell that member exists", async () => {
    const borrower = await e2e.api.token("BORROWER", member.scope, member.memberId);
    const answer = await put(e2e.api, borrower, `/v1/members/${other.memberId}/sms-preference`, { smsOptOut: true });
    expectProblem(answer, 404);
    const read = await get(e2e.api, officer, `/v1/members/${other.memberId}`);
    expect(body<{ smsOptOut: boolean }>(read).smsOptOut).toBe(false);
  });

  it("a body that is not a boolean is a 400 with its path", async () => {
    const answer = await put(e2e.api, officer, `/v1/members/${member.memberId}/sms-preference`, { smsOptOut: "yes" });
    expectProblem(answer, 400);
    expect(JSON.stringify(answer.json)).toContain("body.smsOptOut");
  });
});
