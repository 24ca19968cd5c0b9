/**
 * Set-up shared by the workflow suites (group leaders and oversight): an API on a fresh table, callers
 * holding a token each, the org tree, members and loans made through the public API, and loans rebuilt
 * by the credit engine from their postings alone, so report figures can be checked to the đồng against
 * a computation that never reads the table's loan items or aggregates.
 */
import { randomInt, randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { DevRole } from "../../scripts/lib/dev-keys.ts";
import {
  addDays,
  applyPayment,
  approve,
  type BusinessDate,
  classifiedOverdueVnd,
  createLoan,
  disburse,
  type Loan,
  loanView,
  maxDate,
  monthOf,
  type PaymentEffect,
  PROGRAMS,
  type Program,
  type ProgramCode,
  payableInterestOn,
  reversePayment,
} from "../../shared/domain/index.ts";
import { logger } from "../../shared/log/logger.ts";
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

export { expectProblem, expectStatus, newKey, today } from "../e2e/fixtures.ts";

import { expectStatus, newKey, today } from "../e2e/fixtures.ts";

// Request logs are the operators' record; in a suite they only bury the assertion that failed.
logger.setLogLevel("ERROR");

export type Workflow = { api: TestApi; table: FreshTable };

/** An API of its own on an empty table; one per test file, since the server sets TABLE_NAME process-wide. */
export async function startWorkflow(label: string): Promise<Workflow> {
  const table = await freshTable(label);
  const api = await startTestApi({ tableName: table.tableName });
  return { api, table };
}

/** The business date the server uses: postings after it are refused. */

export function firstOfMonth(month: string): BusinessDate {
  return `${month}-01`;
}

export function previousMonth(month: string): string {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

export { monthOf };

/**
 * An instant on a Vietnamese business date, as a phone records it (ISO with +07:00). Never later than
 * now, so a collection made "today" is not in the future when the suite runs just after midnight.
 */
export function collectedAt(date: BusinessDate, hhmm = "09:00"): string {
  const wanted = Date.parse(`${date}T${hhmm}:00+07:00`);
  const ms = Math.min(wanted, Date.now() - 1_000);
  const onDate = businessDateInVietnam(new Date(ms)) === date ? ms : wanted;
  return `${new Date(onDate + 7 * 3600_000).toISOString().slice(0, 19)}+07:00`;
}

/** Someone holding a token: every request of a suite goes through one of these. */
export type User = {
  token: string;
  get(path: string, accept?: string): Promise<HttpAnswer>;
  post(path: string, body: unknown, key?: string | null): Promise<HttpAnswer>;
  put(path: string, body: unknown): Promise<HttpAnswer>;
};

export async function userOf(api: TestApi, role: DevRole, scope: string, memberId?: string): Promise<User> {
  const token = await api.token(role, scope, memberId);
  return {
    token,
    get: (path, accept) =>
      http(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) } }),
    post: (path, body, key = newKey()) => http(`${api.url}${path}`, jsonRequest("POST", token, body, key ?? undefined)),
    put: (path, body) => http(`${api.url}${path}`, jsonRequest("PUT", token, body)),
  };
}

/** Fails with the response body in the message, which is what one needs to see when a step breaks. */

export async function ok<T = Record<string, unknown>>(
  answer: Promise<HttpAnswer>,
  status = 200,
  what = "",
): Promise<T> {
  const got = await answer;
  expectStatus(got, status, what);
  return got.json as T;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the order of the results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Small deterministic generator, so a failing random run can be replayed from its seed. */
export function seededRandom(seed: number): {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(xs: readonly T[]): T;
} {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
  };
}

export function seedFromEnv(): number {
  const given = Number(process.env.WORKFLOW_SEED);
  return Number.isSafeInteger(given) && given > 0 ? given : randomInt(1, 2 ** 31);
}

// ---------------------------------------------------------------------------------------------------
// The org tree, members and loans, made the way staff make them

export const PROVINCE = { code: "DB", name: "Điện Biên" };
export const DISTRICTS = {
  "TUA-CHUA": "Tủa Chùa",
  "DIEN-BIEN-DONG": "Điện Biên Đông",
} as const;

export async function createCommune(
  admin: User,
  code: string,
  name: string,
  district: keyof typeof DISTRICTS = "TUA-CHUA",
): Promise<string> {
  const created = await ok<{ path: string }>(
    admin.post("/v1/communes", {
      code,
      name,
      districtCode: district,
      provinceCode: PROVINCE.code,
      districtName: DISTRICTS[district],
      provinceName: PROVINCE.name,
    }),
    201,
    `commune ${code}`,
  );
  return created.path;
}

export type EntrustedOrg = "WOMEN_UNION" | "FARMERS_ASSOCIATION" | "VETERANS_ASSOCIATION" | "YOUTH_UNION";
export type GroupOut = {
  groupId: string;
  scope: string;
  name: string;
  communePath: string;
  entrustedOrg: EntrustedOrg;
};

export async function createGroup(
  staff: User,
  communeCode: string,
  name: string,
  entrustedOrg: EntrustedOrg = "WOMEN_UNION",
): Promise<GroupOut> {
  return ok<GroupOut>(
    staff.post("/v1/groups", { communeCode, villageName: `Bản ${name}`, name, entrustedOrg }),
    201,
    `group ${name}`,
  );
}

let serial = randomInt(100_000_000, 800_000_000);
function nationalId(): string {
  serial += 1;
  return `001${serial}`;
}
function phone(): string {
  return `09${String(randomInt(0, 100_000_000)).padStart(8, "0")}`;
}

const FAMILY = ["Lò", "Quàng", "Vàng", "Giàng", "Mùa", "Sùng", "Thào", "Lầu", "Cà", "Tòng"];
const GIVEN = ["Thị Mai", "A Dính", "Văn Chiến", "Thị Dua", "A Sử", "Thị Hoa", "Văn Pua", "Thị Sía", "Văn Tài"];
export function vietnameseName(n: number): string {
  return `${FAMILY[n % FAMILY.length]} ${GIVEN[Math.floor(n / FAMILY.length) % GIVEN.length]} ${n + 1}`;
}

export async function createMember(staff: User, groupId: string, fullName: string): Promise<string> {
  const created = await ok<{ memberId: string }>(
    staff.post("/v1/members", {
      groupId,
      fullName,
      nationalId: nationalId(),
      phone: phone(),
      householdCategory: "POOR",
    }),
    201,
    `member ${fullName}`,
  );
  return created.memberId;
}

export type LoanPlan = {
  programCode: ProgramCode;
  principalVnd: number;
  termMonths: number;
  installmentMonths: number;
};

export async function applyForLoan(staff: User, memberId: string, plan: LoanPlan): Promise<string> {
  const created = await ok<{ loanId: string }>(
    staff.post("/v1/loans", {
      memberId,
      programCode: plan.programCode,
      principalVnd: plan.principalVnd,
      disbursementPlan: { termMonths: plan.termMonths, principalInstallmentMonths: plan.installmentMonths },
      purpose: "Nuôi bò sinh sản",
    }),
    201,
    "loan application",
  );
  return created.loanId;
}

/** Application, approval and disbursement by a bank officer. */
export async function disbursedLoan(officer: User, memberId: string, plan: LoanPlan, disbursedOn: BusinessDate) {
  const loanId = await applyForLoan(officer, memberId, plan);
  await ok(officer.post(`/v1/loans/${loanId}/approve`, {}), 200, "approve");
  await ok(officer.post(`/v1/loans/${loanId}/disburse`, { disbursedOn }), 200, "disburse");
  return loanId;
}

// ---------------------------------------------------------------------------------------------------
// Loans as the API shows them, and as the credit engine rebuilds them from their postings

export type LoanOut = {
  loanId: string;
  memberId: string;
  groupId: string;
  programCode: ProgramCode;
  status: string;
  principalVnd: number;
  termMonths: number;
  principalInstallmentMonths: number;
  outstandingPrincipalVnd: number;
  overduePrincipalVnd: number;
  accruedInterestVnd: number;
  interestArrearsVnd: number;
  interestAccruedThrough: string | null;
  nextDue: { date: string; principalVnd: number } | null;
  disbursedOn: string | null;
};

export type TransactionOut = {
  transactionId: string;
  kind: "DISBURSEMENT" | "PAYMENT" | "REVERSAL";
  postedAt: string;
  valueDate: string;
  interestVnd: number;
  principalVnd: number;
  amountVnd: number;
  channel: string | null;
  receiptId: string | null;
  reversesTransactionId: string | null;
  actor: { sub: string; role: string; deviceId: string | null };
};

export function getLoan(user: User, loanId: string): Promise<LoanOut> {
  return ok<LoanOut>(user.get(`/v1/loans/${loanId}`), 200, `loan ${loanId}`);
}

/** Every posting on the loan, following cursors, in the order the API lists them (oldest first). */
export async function allTransactions(user: User, loanId: string): Promise<TransactionOut[]> {
  const items: TransactionOut[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : "?limit=100";
    const page = await ok<{ items: TransactionOut[]; nextCursor: string | null }>(
      user.get(`/v1/loans/${loanId}/transactions${query}`),
      200,
      "transactions",
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export function programOf(code: ProgramCode): Program {
  return PROGRAMS[code];
}

/** Collects postings in date order; a reversal follows the payment it reverses. */
function inPostingOrder(transactions: readonly TransactionOut[]): TransactionOut[] {
  return [...transactions].sort((a, b) => (a.valueDate < b.valueDate ? -1 : a.valueDate > b.valueDate ? 1 : 0));
}

/**
 * The loan the credit engine computes from its terms and its postings, without reading the loan item.
 * Payments on one day commute, so only the date order matters.
 */
export function rebuildLoan(terms: LoanOut, transactions: readonly TransactionOut[]): Loan {
  const program = programOf(terms.programCode);
  let loan = approve(
    createLoan(
      {
        loanId: terms.loanId,
        memberId: terms.memberId,
        groupId: terms.groupId,
        principalVnd: terms.principalVnd,
        termMonths: terms.termMonths,
        installmentPeriodMonths: terms.principalInstallmentMonths,
      },
      program,
    ),
  );
  const effects = new Map<string, PaymentEffect>();
  for (const t of inPostingOrder(transactions)) {
    if (t.kind === "DISBURSEMENT") loan = disburse(loan, program, t.valueDate);
    else if (t.kind === "PAYMENT") {
      const result = applyPayment(loan, program, {
        transactionId: t.transactionId,
        paidOn: t.valueDate,
        interestVnd: t.interestVnd,
        principalVnd: t.principalVnd,
      });
      effects.set(t.transactionId, result.effect);
      loan = result.loan;
    } else {
      const effect = effects.get(t.reversesTransactionId ?? "");
      if (!effect) throw new Error(`reversal ${t.transactionId} of an unknown payment`);
      const postedOn = businessDateInVietnam(new Date(t.postedAt));
      loan = reversePayment(loan, program, effect, maxDate(postedOn, effect.paidOn)).loan;
    }
  }
  return loan;
}

/** A loan's figures at the end of `asOf`, from the engine: what a reconciliation sheet shows per loan. */
export function figuresAsOf(loan: Loan, asOf: BusinessDate) {
  const program = programOf(loan.programCode);
  const payableNextDay = payableInterestOn(loan, program, addDays(asOf, 1));
  return {
    outstandingPrincipalVnd: loan.outstandingPrincipalVnd,
    overduePrincipalVnd: classifiedOverdueVnd(loan.installments, addDays(asOf, -1)),
    accruedInterestVnd: payableNextDay - loan.interestArrearsVnd,
    interestArrearsVnd: loan.interestArrearsVnd,
  };
}

/** The API's figures for a loan must be the engine's, to the đồng. */
export function expectLoanFigures(actual: LoanOut, loan: Loan, what = ""): void {
  const view = loanView(loan, programOf(loan.programCode), today());
  const pick = (
    v: Pick<
      LoanOut,
      "status" | "outstandingPrincipalVnd" | "overduePrincipalVnd" | "accruedInterestVnd" | "interestArrearsVnd"
    >,
  ) => ({
    status: v.status,
    outstandingPrincipalVnd: v.outstandingPrincipalVnd,
    overduePrincipalVnd: v.overduePrincipalVnd,
    accruedInterestVnd: v.accruedInterestVnd,
    interestArrearsVnd: v.interestArrearsVnd,
  });
  expect(pick(actual), what).toEqual(pick(view));
}

/** Interest and principal a loan's postings moved in a month, by value date (reversals count negative). */
export function flowsInMonth(transactions: readonly TransactionOut[], month: string) {
  let interestVnd = 0;
  let principalVnd = 0;
  let disbursedVnd = 0;
  for (const t of transactions) {
    if (monthOf(t.valueDate) !== month) continue;
    if (t.kind === "DISBURSEMENT") disbursedVnd += t.principalVnd;
    else {
      interestVnd += t.interestVnd;
      principalVnd += t.principalVnd;
    }
  }
  return { interestVnd, principalVnd, disbursedVnd };
}

// ---------------------------------------------------------------------------------------------------
// Offline collections

export type SyncKind = "INTEREST" | "SAVINGS_DEPOSIT" | "PRINCIPAL";
export type SyncEntry = {
  clientTxId: string;
  kind: SyncKind;
  memberId: string;
  loanId?: string;
  amountVnd: number;
  collectedAt: string;
};
export type SyncProblem = { type: string; title: string; status: number; detail: string };
export type SyncResult = {
  clientTxId: string;
  status: "POSTED" | "DUPLICATE" | "REJECTED";
  transactionId?: string;
  problem?: SyncProblem;
};
export type SyncAnswer = {
  batchId: string;
  posted: number;
  duplicates: number;
  rejected: number;
  results: SyncResult[];
};

export function syncBody(entries: readonly SyncEntry[], deviceId = "phone-1", batchId = `b-${randomUUID()}`) {
  return { deviceId, batchId, entries };
}

export async function savingsBalance(user: User, memberId: string): Promise<number> {
  const savings = await ok<{ balanceVnd: number }>(user.get(`/v1/members/${memberId}/savings?limit=100`));
  return savings.balanceVnd;
}

/** Half up to whole đồng, on exact integers: amount × bps / 10 000. */
export function feeHalfUp(amountVnd: number, rateBps: number): number {
  const product = BigInt(amountVnd) * BigInt(rateBps);
  const whole = product / 10_000n;
  return Number(product % 10_000n >= 5_000n ? whole + 1n : whole);
}
