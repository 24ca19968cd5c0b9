/**
 * Whatever a client sends, a bad request gets a 4xx problem document and changes nothing; never a 5xx.
 * Bodies are generated: a valid body broken in one to four places (a wrong type, a negative, fractional
 * or huge amount, an impossible date, an unknown field, a megabyte string, a missing field), or no
 * object at all.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, DomainError } from "../../shared/domain/index.ts";
import type { HttpAnswer } from "../support/index.ts";
import { http } from "../support/index.ts";
import {
  activeLoan,
  allTransactions,
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  type ExpectedLoan,
  expectLoanMatches,
  expectProblem,
  type GroupOut,
  get,
  getLoan,
  type MemberOut,
  monthsAgo,
  nationalId,
  newKey,
  phone,
  post,
  startE2e,
  today,
} from "./fixtures.ts";

type Fields = Record<string, { valid: fc.Arbitrary<unknown>; invalid: fc.Arbitrary<unknown> }>;

const MEGABYTE_ASCII = "x".repeat(1_000_000);
const MEGABYTE_UNICODE = "Mường Báng ắ ".repeat(90_000);

/** Values that are wrong whatever the field: wrong JSON types. */
const wrongType = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }),
);

const badMoney = fc.oneof(
  fc.integer({ min: -1_000_000_000_000, max: -1 }),
  fc.double({ min: -1e9, max: 1e9, noNaN: true }).filter((x) => !Number.isInteger(x)),
  fc.integer({ min: 1_000_000_000_001, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ min: 1e16, max: 1e300, noNaN: true }),
  fc.constantFrom("1000", "1.000", "1,000", "1e3", "", "١٠٠٠", "một nghìn"),
  wrongType,
);

/** Money that must be positive: the same, and zero. */
const badPositiveMoney = fc.oneof(fc.constant(0), badMoney);

const badDate = fc.oneof(
  fc.constantFrom(
    "2026-02-30",
    "2026-02-29",
    "2025-13-01",
    "2025-00-10",
    "2025-04-31",
    "2026-1-1",
    "20260101",
    "01/02/2026",
    "2026-02-01T00:00:00+07:00",
    "",
    "hôm qua",
    "２０２６-０１-０１",
  ),
  fc.string({ maxLength: 12 }).filter((s) => !/^\d{4}-\d\d-\d\d$/.test(s)),
  fc.integer(),
  wrongType,
);

const badText = fc.oneof(
  fc.constantFrom("", "   ", "Lò\u0000Mai", "Lò\nMai", "\u007f", "x".repeat(501), MEGABYTE_ASCII, MEGABYTE_UNICODE),
  fc.integer(),
  wrongType,
);

const badId = fc.oneof(
  fc.constantFrom("", "m-1", "Mễ-1", "../../etc/passwd", "M 1", "-M1", "A".repeat(65), MEGABYTE_ASCII),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).filter((s) => !/^[A-Z0-9][A-Z0-9-]{0,63}$/.test(s)),
  fc.integer(),
  wrongType,
);

const badEnum = (allowed: readonly string[]) =>
  fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) => !allowed.includes(s)),
    fc.constantFrom(...allowed.map((a) => a.toLowerCase()), ...allowed.map((a) => ` ${a}`)),
    fc.integer(),
    wrongType,
  );

/** An unknown field name: anything but a real one (and not `__proto__`, which JSON would silently drop). */
const unknownField = (known: string[]) =>
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 15 }).filter((k) => !known.includes(k) && k !== "__proto__");

type Mutation =
  | { op: "set"; name: string; value: unknown }
  | { op: "delete"; name: string }
  | { op: "extra"; name: string; value: unknown };

/** A valid body broken in one to four places, or something that is not a JSON object at all. */
function brokenBodies(fields: Fields): fc.Arbitrary<unknown> {
  const names = Object.keys(fields);
  const valid = fc.record(Object.fromEntries(names.map((n) => [n, fields[n]!.valid])));
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc
      .constantFrom(...names)
      .chain((name) => fields[name]!.invalid.map((value): Mutation => ({ op: "set", name, value }))),
    fc.constantFrom(...names).map((name): Mutation => ({ op: "delete", name })),
    fc
      .tuple(unknownField(names), fc.jsonValue({ maxDepth: 2 }))
      .map(([name, value]): Mutation => ({ op: "extra", name, value })),
  );
  const broken = fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([base, mutations]) => {
    const out: Record<string, unknown> = { ...base };
    for (const m of mutations) {
      if (m.op === "delete") delete out[m.name];
      else out[m.name] = m.value;
    }
    return out;
  });
  const notAnObject = fc.oneof(
    fc.constant(null),
    fc.integer(),
    fc.string({ maxLength: 20 }),
    fc.boolean(),
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
    valid.map((v) => [v]),
  );
  return fc.oneof({ weight: 9, arbitrary: broken }, { weight: 1, arbitrary: notAnObject });
}

const CHANNELS = ["GROUP_COLLECTION", "TRANSACTION_POINT", "BANK_TRANSFER"];
const CATEGORIES = ["POOR", "NEAR_POOR", "ESCAPED_POVERTY", "POLICY_BENEFICIARY", "OTHER"];

/** A 4xx problem document, with validation errors listed when it is a 400; never a 401/403 for this caller. */
function expectRefused(answer: HttpAnswer, sent: unknown): void {
  const what = `${JSON.stringify(sent)?.slice(0, 300)} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, what).toBeGreaterThanOrEqual(400);
  expect(answer.status, what).toBeLessThan(500);
  expect([401, 403], what).not.toContain(answer.status);
  expect(answer.headers.get("content-type"), what).toBe("application/problem+json");
  const problem = answer.json as { status: number; type: string; errors?: { path: string; message: string }[] };
  expect(problem.status, what).toBe(answer.status);
  if (problem.type === "urn:policy-credit:problem:validation-failed") {
    expect(problem.errors?.length, what).toBeGreaterThan(0);
    for (const error of problem.errors!) {
      expect(error.path, what).toMatch(/^(body|headers|path|query)/);
      expect(error.message, what).toBeTruthy();
    }
  }
}

describe("bad input", () => {
  let e2e: E2e;
  let officer: string;
  let group: GroupOut;
  let member: MemberOut;
  let expected: ExpectedLoan;
  let tried = 0;
  const statuses: Record<number, number> = {};

  beforeAll(async () => {
    e2e = await startE2e("e2e-bad-input");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "MUONG-BANG", "Mường Báng");
    group = await createGroup(e2e.api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    member = await createMember(e2e.api, officer, group.groupId, "Lò Thị Mai");
    expected = await activeLoan(e2e.api, officer, member, monthsAgo(2));
    const saved = await post(e2e.api, officer, `/v1/members/${member.memberId}/savings/deposits`, {
      amountVnd: 50_000,
      on: today(),
    });
    expect(saved.status).toBe(201);
  });
  afterAll(() => e2e.api.close());

  async function fuzz(path: string, bodies: fc.Arbitrary<unknown>, numRuns: number): Promise<void> {
    await fc.assert(
      fc.asyncProperty(bodies, async (sent) => {
        tried += 1;
        const answer = await post(e2e.api, officer, path, sent);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        expectRefused(answer, sent);
      }),
      { numRuns },
    );
  }

  it("refuses broken payment bodies", async () => {
    const paidOn = fc.constantFrom(today(), monthsAgo(1));
    const bodies = brokenBodies({
      paidOn: { valid: paidOn, invalid: badDate },
      interestVnd: { valid: fc.integer({ min: 0, max: 100_000 }), invalid: badMoney },
      principalVnd: { valid: fc.integer({ min: 1, max: 1_000_000 }), invalid: badMoney },
      channel: { valid: fc.constantFrom(...CHANNELS), invalid: badEnum(CHANNELS) },
    });
    await fuzz(`/v1/loans/${expected.loanId}/payments`, bodies, 100);
  });

  it("refuses broken member bodies", async () => {
    const bodies = brokenBodies({
      groupId: { valid: fc.constant(group.groupId), invalid: badId },
      fullName: { valid: fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }), invalid: badText },
      nationalId: {
        valid: fc.constant(null).map(() => nationalId()),
        invalid: fc.oneof(
          fc.constantFrom("12345678", "1234567890123", "00112233445a", "０１２３４５６７８９０１", ""),
          fc.integer({ min: 100_000_000_000, max: 999_999_999_999 }),
          wrongType,
        ),
      },
      phone: {
        valid: fc.constant(null).map(() => phone()),
        invalid: fc.oneof(
          fc.constantFrom("0123456789", "+1 555 0100", "091234567", "09123456789", ""),
          fc.integer(),
          wrongType,
        ),
      },
      householdCategory: { valid: fc.constantFrom(...CATEGORIES), invalid: badEnum(CATEGORIES) },
    });
    await fuzz("/v1/members", bodies, 80);
  });

  it("refuses broken loan applications", async () => {
    const plan = fc.record({
      termMonths: fc.constantFrom(12, 24, 36),
      principalInstallmentMonths: fc.constantFrom(6, 12),
    });
    const badPlan = fc.oneof(
      fc.record({
        termMonths: fc.oneof(fc.constantFrom(0, -12, 361, 12.5), badMoney),
        principalInstallmentMonths: fc.constantFrom(6, 12),
      }),
      fc.record({
        termMonths: fc.constant(24),
        principalInstallmentMonths: fc.oneof(fc.constantFrom(0, 1.5, 400), wrongType),
      }),
      fc.constant({ termMonths: 24 }),
      fc.constant({ termMonths: 24, principalInstallmentMonths: 6, graceMonths: 3 }),
      wrongType,
    );
    const bodies = brokenBodies({
      memberId: { valid: fc.constant(member.memberId), invalid: badId },
      programCode: {
        valid: fc.constantFrom("POOR", "NEAR_POOR"),
        invalid: fc.oneof(fc.constantFrom("poor", "", "POOR!", "NGHÈO", "P".repeat(40)), fc.integer(), wrongType),
      },
      principalVnd: { valid: fc.integer({ min: 1_000_000, max: 50_000_000 }), invalid: badPositiveMoney },
      disbursementPlan: { valid: plan, invalid: badPlan },
      purpose: { valid: fc.string({ unit: "grapheme", minLength: 1, maxLength: 100 }), invalid: badText },
    });
    await fuzz("/v1/loans", bodies, 80);
  });

  it("refuses broken savings deposits and withdrawals", async () => {
    const fields: Fields = {
      amountVnd: { valid: fc.integer({ min: 5_000, max: 40_000 }), invalid: badPositiveMoney },
      on: { valid: fc.constant(today()), invalid: badDate },
    };
    await fuzz(`/v1/members/${member.memberId}/savings/deposits`, brokenBodies(fields), 50);
    await fuzz(`/v1/members/${member.memberId}/savings/withdrawals`, brokenBodies(fields), 50);
  });

  it("refuses broken offline sync batches", async () => {
    const entry = (n: number) => ({
      clientTxId: `c-${n}`,
      kind: "SAVINGS_DEPOSIT",
      memberId: member.memberId,
      amountVnd: 10_000,
      collectedAt: new Date().toISOString(),
    });
    const brokenEntry = brokenBodies({
      clientTxId: {
        valid: fc.constant("c-1"),
        invalid: fc.oneof(fc.constantFrom("", "có dấu", "x".repeat(129)), wrongType),
      },
      kind: { valid: fc.constant("INTEREST"), invalid: badEnum(["INTEREST", "SAVINGS_DEPOSIT", "PRINCIPAL"]) },
      memberId: { valid: fc.constant(member.memberId), invalid: badId },
      amountVnd: { valid: fc.constant(10_000), invalid: badPositiveMoney },
      collectedAt: {
        valid: fc.constant(new Date().toISOString()),
        invalid: fc.oneof(badDate, fc.constantFrom(today(), "2026-02-30T10:00:00+07:00", "1733300000")),
      },
    });
    const bodies = brokenBodies({
      deviceId: { valid: fc.constant("phone-1"), invalid: badText },
      batchId: { valid: fc.constant("batch-1"), invalid: badText },
      entries: {
        valid: fc.constant([entry(1)]),
        invalid: fc.oneof(
          fc.constant([]),
          fc.constant(Array.from({ length: 501 }, (_, i) => entry(i))),
          fc.array(brokenEntry, { minLength: 1, maxLength: 3 }),
          wrongType,
        ),
      },
    });
    await fuzz(`/v1/groups/${group.groupId}/sync`, bodies, 40);
  });

  it("refuses a body that is not JSON with 400 problem+json", async () => {
    const path = `${e2e.api.url}/v1/loans/${expected.loanId}/payments`;
    for (const text of ["{", "{'paidOn': '2026-01-01'}", '{"paidOn": }', "[1,2", "nul", "\u0000", '{"a":1}{"b":2}']) {
      tried += 1;
      const answer = await http(path, {
        method: "POST",
        headers: {
          authorization: `Bearer ${officer}`,
          "content-type": "application/json",
          "idempotency-key": newKey(),
        },
        body: text,
      });
      expectProblem(answer, 400, "malformed-json");
    }
  });

  it("refuses a POST without a usable Idempotency-Key with 400, and posts nothing", async () => {
    const payment = { paidOn: today(), interestVnd: 0, principalVnd: 1_000, channel: "TRANSACTION_POINT" };
    const path = `/v1/loans/${expected.loanId}/payments`;
    for (const key of [null, "x".repeat(129), "has space", ""]) {
      tried += 1;
      const answer = await post(e2e.api, officer, path, payment, key);
      expectProblem(answer, 400, "validation-failed");
      expect(body<{ errors: { path: string }[] }>(answer).errors[0]!.path).toBe("headers.idempotency-key");
    }
  });

  it("refuses bad ids, limits and cursors in paths and queries with 400", async () => {
    const { api } = e2e;
    const other = await activeLoan(api, officer, member, monthsAgo(1));
    const foreign = body<{ nextCursor: string }>(
      await get(api, officer, `/v1/loans/${other.loanId}/transactions?limit=1`),
    );
    expect(foreign.nextCursor).toBeTruthy();
    const loanPath = `/v1/loans/${expected.loanId}/transactions`;
    for (const query of [
      "?limit=0",
      "?limit=101",
      "?limit=-1",
      "?limit=abc",
      "?limit=1.5",
      "?cursor=garbage",
      "?sort=asc",
    ]) {
      tried += 1;
      expectRefused(await get(api, officer, `${loanPath}${query}`), query);
    }
    // A cursor from another loan's list is refused rather than read against this one.
    tried += 1;
    expectProblem(await get(api, officer, `${loanPath}?cursor=${encodeURIComponent(foreign.nextCursor)}`), 400);
    for (const id of ["lowercase", "%E1%BA%AF", "A%20B", "-A"]) {
      tried += 1;
      expectRefused(await get(api, officer, `/v1/loans/${id}`), id);
    }
  });

  it(`tried enough inputs, and none of them changed a thing`, async () => {
    const { api } = e2e;
    console.log(`[bad-input] ${tried} inputs tried; answers by status: ${JSON.stringify(statuses)}`);
    expect(tried).toBeGreaterThanOrEqual(300);

    const transactions = await allTransactions(api, officer, expected.loanId);
    expect(transactions.map((t) => t.kind)).toEqual(["DISBURSEMENT"]);
    expectLoanMatches(await getLoan(api, officer, expected.loanId), expected, "untouched");
    const groupNow = body<GroupOut>(await get(api, officer, `/v1/groups/${group.groupId}`));
    expect(groupNow.memberCount).toBe(1);
    const savings = body<{ balanceVnd: number; items: unknown[] }>(
      await get(api, officer, `/v1/members/${member.memberId}/savings`),
    );
    expect(savings).toMatchObject({ balanceVnd: 50_000 });
    expect(savings.items).toHaveLength(1);
    const loans = body<{ items: unknown[] }>(await get(api, officer, `/v1/members/${member.memberId}/loans`));
    // The one under test and the one whose cursor was borrowed; no application got through.
    expect(loans.items).toHaveLength(2);
  });

  it("takes a well-formed payment exactly when the credit engine does, whatever its amounts and date", async () => {
    const { api } = e2e;
    const payer = await createMember(api, officer, group.groupId, "Sùng A Pua");
    const loan = await activeLoan(api, officer, payer, monthsAgo(12));
    const current = () => loan.loan;
    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          // Per mille of what is payable or outstanding, a little beyond it too; sometimes absurdly much.
          interestPerMille: fc.oneof(fc.integer({ min: 0, max: 1_010 }), fc.constant(1_000_000_000)),
          principalPerMille: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(1_001), fc.constant(0)),
          daysAfterLast: fc.integer({ min: -3, max: 9 }),
          channel: fc.constantFrom(...CHANNELS),
        }),
        async (draw) => {
          tried += 1;
          const last = current().lastPostingOn ?? current().disbursedOn!;
          const paidOn = addDays(last, draw.daysAfterLast);
          const payable =
            paidOn >= last && paidOn <= today() && current().status !== "CLOSED" ? loan.payable(paidOn) : 0;
          const interestVnd = Math.min(Math.floor((payable * draw.interestPerMille) / 1_000), 1_000_000_000_000);
          const principalVnd = Math.floor((current().outstandingPrincipalVnd * draw.principalPerMille) / 1_000);
          const payment = { paidOn, interestVnd, principalVnd, channel: draw.channel };
          const answer = await post(api, officer, `/v1/loans/${loan.loanId}/payments`, payment);

          let engine: number;
          if (paidOn > today()) engine = 422;
          else {
            try {
              loan.pay(
                body<{ transactionId: string }>(answer).transactionId ?? "T-PROBE",
                paidOn,
                interestVnd,
                principalVnd,
              );
              engine = 201;
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              engine = error.httpStatus;
            }
          }
          const what = `${JSON.stringify(payment)} -> ${answer.status} ${answer.text.slice(0, 200)}`;
          outcomes[answer.status] = (outcomes[answer.status] ?? 0) + 1;
          expect(answer.status, what).toBe(engine);
          if (answer.status !== 201) expectRefused(answer, payment);
          expectLoanMatches(await getLoan(api, officer, loan.loanId), loan, what);
        },
      ),
      { numRuns: 120 },
    );
    console.log(`[bad-input] well-formed payments by status: ${JSON.stringify(outcomes)}`);
    expect(outcomes[201]).toBeGreaterThan(10);
  });
});
