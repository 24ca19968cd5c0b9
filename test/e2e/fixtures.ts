/**
 * Set-up shared by the end-to-end suites: an API on a fresh table, requests with tokens and keys, the
 * org tree, members and loans made through the public API, and the loan as the credit engine computes
 * it, so every suite can check the API's figures to the đồng.
 */
import { randomInt, randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { DevRole } from "../../scripts/lib/dev-keys.ts";
import {
  addMonthsClamped,
  applyPayment,
  approve,
  type BusinessDate,
  createLoan,
  disburse,
  type Loan,
  type LoanView,
  loanView,
  type PaymentEffect,
  PROGRAMS,
  type Program,
  type ProgramCode,
  payableInterestOn,
  reversePayment,
} from "../../shared/domain/index.ts";
import { businessDateInVietnam } from "../../shared/time.ts";
import {
  type FreshTable,
  freshTable,
  type HttpAnswer,
  http,
  jsonRequest,
  startTestApi,
  type TestApi,
} from "../support/index.ts";

export type E2e = { api: TestApi; table: FreshTable };

/** An API of its own on an empty table; one per test file, since the server sets TABLE_NAME process-wide. */
export async function startE2e(label: string): Promise<E2e> {
  const table = await freshTable(label);
  const api = await startTestApi({ tableName: table.tableName });
  return { api, table };
}

/** The business date the server uses: payments and disbursements after it are refused. */
export function today(): BusinessDate {
  return businessDateInVietnam();
}

/** A date `months` whole months before today (clamped at month ends), so the suites age with the calendar. */
export function monthsAgo(months: number): BusinessDate {
  return addMonthsClamped(today(), -months);
}

export function newKey(): string {
  return `k-${randomUUID()}`;
}

export function post(
  api: TestApi,
  token: string,
  path: string,
  body: unknown,
  key: string | null = newKey(),
): Promise<HttpAnswer> {
  return http(`${api.url}${path}`, jsonRequest("POST", token, body, key ?? undefined));
}

export function put(api: TestApi, token: string, path: string, body: unknown): Promise<HttpAnswer> {
  return http(`${api.url}${path}`, jsonRequest("PUT", token, body));
}

export function get(api: TestApi, token: string, path: string, accept?: string): Promise<HttpAnswer> {
  return http(`${api.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) },
  });
}

/** Fails with the response body in the message, which is what one needs to see when a step breaks. */
export function expectStatus(answer: HttpAnswer, status: number, what = ""): void {
  expect(answer.status, `${what} ${answer.text.slice(0, 600)}`).toBe(status);
}

export function expectProblem(answer: HttpAnswer, status: number, type?: string): void {
  expectStatus(answer, status);
  expect(answer.headers.get("content-type")).toBe("application/problem+json");
  expect(answer.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (type) expect((answer.json as { type: string }).type).toBe(`urn:policy-credit:problem:${type}`);
}

export function body<T = Record<string, unknown>>(answer: HttpAnswer): T {
  return answer.json as T;
}

// Ids that look like real ones: 12-digit citizen ids, Vietnamese mobile numbers.
let serial = randomInt(100_000_000, 800_000_000);
export function nationalId(): string {
  serial += 1;
  return `001${serial}`;
}
export function phone(): string {
  return `09${String(randomInt(0, 100_000_000)).padStart(8, "0")}`;
}

const FAMILY = ["Lò", "Quàng", "Vàng", "Giàng", "Mùa", "Sùng", "Thào", "Lầu"];
const GIVEN = ["Thị Mai", "A Dính", "Văn Chiến", "Thị Dua", "A Sử", "Thị Hoa", "Văn Pua", "Thị Sía"];
export function vietnameseName(n: number): string {
  return `${FAMILY[n % FAMILY.length]} ${GIVEN[Math.floor(n / FAMILY.length) % GIVEN.length]} ${n}`;
}

export type Org = { province: string; district: string };
export const DIEN_BIEN: Org = { province: "DB", district: "TUA-CHUA" };

export async function createCommune(api: TestApi, token: string, code: string, name: string, org = DIEN_BIEN) {
  const answer = await post(api, token, "/v1/communes", {
    code,
    name,
    districtCode: org.district,
    provinceCode: org.province,
    districtName: "Tủa Chùa",
    provinceName: "Điện Biên",
  });
  expectStatus(answer, 201, `commune ${code}`);
  return body<{ path: string; code: string }>(answer);
}

export type GroupOut = { groupId: string; scope: string; name: string; memberCount: number; communePath: string };

export async function createGroup(
  api: TestApi,
  token: string,
  communeCode: string,
  name: string,
  groupId?: string,
): Promise<GroupOut> {
  const answer = await post(api, token, "/v1/groups", {
    communeCode,
    villageName: `Bản ${name}`,
    name,
    entrustedOrg: "WOMEN_UNION",
    ...(groupId ? { groupId } : {}),
  });
  expectStatus(answer, 201, `group ${name}`);
  return body<GroupOut>(answer);
}

export type MemberOut = { memberId: string; groupId: string; scope: string; fullName: string };

export function memberBody(groupId: string, fullName: string) {
  return { groupId, fullName, nationalId: nationalId(), phone: phone(), householdCategory: "POOR" };
}

export async function createMember(api: TestApi, token: string, groupId: string, fullName: string) {
  const answer = await post(api, token, "/v1/members", memberBody(groupId, fullName));
  expectStatus(answer, 201, `member ${fullName}`);
  return body<MemberOut>(answer);
}

export type LoanPlan = {
  programCode: ProgramCode;
  principalVnd: number;
  termMonths: number;
  installmentMonths: number;
};
export const POOR_30M: LoanPlan = {
  programCode: "POOR",
  principalVnd: 30_000_000,
  termMonths: 24,
  installmentMonths: 6,
};

export function loanBody(memberId: string, plan: LoanPlan = POOR_30M) {
  return {
    memberId,
    programCode: plan.programCode,
    principalVnd: plan.principalVnd,
    disbursementPlan: { termMonths: plan.termMonths, principalInstallmentMonths: plan.installmentMonths },
    purpose: "Nuôi bò sinh sản",
  };
}

export async function applyForLoan(api: TestApi, token: string, memberId: string, plan: LoanPlan = POOR_30M) {
  const answer = await post(api, token, "/v1/loans", loanBody(memberId, plan));
  expectStatus(answer, 201, "loan application");
  return body<{ loanId: string; status: string }>(answer).loanId;
}

/**
 * A loan taken through application, approval and disbursement by the API, with its twin in the credit
 * engine. `officer` must be allowed to approve and disburse.
 */
export async function activeLoan(
  api: TestApi,
  officer: string,
  member: MemberOut,
  disbursedOn: BusinessDate,
  plan: LoanPlan = POOR_30M,
): Promise<ExpectedLoan> {
  const loanId = await applyForLoan(api, officer, member.memberId, plan);
  expectStatus(await post(api, officer, `/v1/loans/${loanId}/approve`, {}), 200, "approve");
  expectStatus(await post(api, officer, `/v1/loans/${loanId}/disburse`, { disbursedOn }), 200, "disburse");
  const expected = new ExpectedLoan({ loanId, memberId: member.memberId, groupId: member.groupId }, plan);
  expected.approve();
  expected.disburse(disbursedOn);
  return expected;
}

export type LoanOut = LoanView & { purpose: string; termMonths: number; principalInstallmentMonths: number };

/** The loan the credit engine computes from the same steps the API was given, independently of the table. */
export class ExpectedLoan {
  loan: Loan;
  readonly program: Program;
  private readonly effects = new Map<string, PaymentEffect>();

  constructor(ids: { loanId: string; memberId: string; groupId: string }, plan: LoanPlan = POOR_30M) {
    this.program = PROGRAMS[plan.programCode];
    this.loan = createLoan(
      {
        ...ids,
        principalVnd: plan.principalVnd,
        termMonths: plan.termMonths,
        installmentPeriodMonths: plan.installmentMonths,
      },
      this.program,
    );
  }

  get loanId(): string {
    return this.loan.loanId;
  }

  approve(): void {
    this.loan = approve(this.loan);
  }

  disburse(on: BusinessDate): void {
    this.loan = disburse(this.loan, this.program, on);
  }

  payable(on: BusinessDate): number {
    return payableInterestOn(this.loan, this.program, on);
  }

  pay(transactionId: string, paidOn: BusinessDate, interestVnd: number, principalVnd: number): void {
    const result = applyPayment(this.loan, this.program, { transactionId, paidOn, interestVnd, principalVnd });
    this.effects.set(transactionId, result.effect);
    this.loan = result.loan;
  }

  reverse(transactionId: string, on: BusinessDate = today()): void {
    const effect = this.effects.get(transactionId);
    if (!effect) throw new Error(`no payment ${transactionId} to reverse`);
    this.loan = reversePayment(this.loan, this.program, effect, on > effect.paidOn ? on : effect.paidOn).loan;
  }

  view(asOf: BusinessDate = today()): LoanView {
    return loanView(this.loan, this.program, asOf);
  }
}

/** The API's loan must be the engine's, figure for figure, to the đồng. */
export function expectLoanMatches(actual: unknown, expected: ExpectedLoan, what = ""): void {
  const view = expected.view();
  const got = actual as LoanOut;
  const figures = (v: LoanView) => ({
    status: v.status,
    outstandingPrincipalVnd: v.outstandingPrincipalVnd,
    overduePrincipalVnd: v.overduePrincipalVnd,
    accruedInterestVnd: v.accruedInterestVnd,
    interestArrearsVnd: v.interestArrearsVnd,
  });
  expect(figures(got), what).toEqual(figures(view));
  expect(got, what).toMatchObject(view);
}

export async function getLoan(api: TestApi, token: string, loanId: string): Promise<LoanOut> {
  const answer = await get(api, token, `/v1/loans/${loanId}`);
  expectStatus(answer, 200, `loan ${loanId}`);
  return body<LoanOut>(answer);
}

export type TransactionOut = {
  transactionId: string;
  kind: "DISBURSEMENT" | "PAYMENT" | "REVERSAL";
  valueDate: string;
  interestVnd: number;
  principalVnd: number;
  amountVnd: number;
  receiptId: string | null;
  reversesTransactionId: string | null;
  channel: string | null;
  allocation: { kind: string; installmentSeq?: number; amountVnd: number }[];
};

/** Every posting on the loan, following cursors, oldest first. */
export async function allTransactions(api: TestApi, token: string, loanId: string): Promise<TransactionOut[]> {
  const items: TransactionOut[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : "?limit=100";
    const answer = await get(api, token, `/v1/loans/${loanId}/transactions${query}`);
    expectStatus(answer, 200, "transactions");
    const page = body<{ items: TransactionOut[]; nextCursor: string | null }>(answer);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Requests fired together, so the server sees them at once. */
export function together<T>(count: number, make: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => make(index)));
}

export function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

export type Role = DevRole;

/**
 * Interest by the closed form, without the engine: Σ balance × rate (bps) × days / (10,000 × 365),
 * rounded half up once (Circular 14/2017, ACT_365).
 */
export function closedFormInterestVnd(...terms: [balanceVnd: number, annualRateBps: number, days: number][]): number {
  let numerator = 0n;
  for (const [balance, bps, days] of terms) numerator += BigInt(balance) * BigInt(bps) * BigInt(days);
  const denominator = 10_000n * 365n;
  return Number((numerator * 2n + denominator) / (2n * denominator));
}
