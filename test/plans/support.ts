/**
 * Callers for the credit-plan and check suites: each holds a token whose subject the suite chose, so
 * a test can tell who the API says set a plan, overrode it, or recorded a check.
 */
import { type DevRole, mintToken } from "../../scripts/lib/dev-keys.ts";
import { addDays, type BusinessDate } from "../../shared/domain/index.ts";
import { logger } from "../../shared/log/logger.ts";
import { expectStatus, get, type LoanPlan, post } from "../e2e/fixtures.ts";
import type { HttpAnswer, TestApi } from "../support/index.ts";

// Request logs are the operators' record; in a suite they only bury the assertion that failed.
logger.setLogLevel("ERROR");

export type User = {
  sub: string;
  role: DevRole;
  scope: string;
  token: string;
  get(path: string): Promise<HttpAnswer>;
  post(path: string, body: unknown, key?: string | null): Promise<HttpAnswer>;
};

export async function userOf(
  api: TestApi,
  sub: string,
  role: DevRole,
  scope: string,
  extra: { memberId?: string; overrides?: string[] } = {},
): Promise<User> {
  const token = await mintToken({ sub, role, scope, ...extra }, api.keys);
  return {
    sub,
    role,
    scope,
    token,
    get: (path) => get(api, token, path),
    post: (path, body, key) => post(api, token, path, body, key),
  };
}

/** Application, approval and disbursement through the API; the disbursement's answer is returned as is. */
export async function applyAndApprove(officer: User, memberId: string, plan: LoanPlan): Promise<string> {
  const applied = await officer.post("/v1/loans", {
    memberId,
    programCode: plan.programCode,
    principalVnd: plan.principalVnd,
    disbursementPlan: { termMonths: plan.termMonths, principalInstallmentMonths: plan.installmentMonths },
    purpose: "Mua bò giống",
  });
  expectStatus(applied, 201, "loan application");
  const loanId = (applied.json as { loanId: string }).loanId;
  expectStatus(await officer.post(`/v1/loans/${loanId}/approve`, {}), 200, "approve");
  return loanId;
}

export function disburse(officer: User, loanId: string, disbursedOn: BusinessDate, overrideReason?: string) {
  return officer.post(`/v1/loans/${loanId}/disburse`, {
    disbursedOn,
    ...(overrideReason ? { planOverride: { reason: overrideReason } } : {}),
  });
}

export function daysBefore(date: BusinessDate, days: number): BusinessDate {
  return addDays(date, -days);
}

export function loanPlan(programCode: LoanPlan["programCode"], principalVnd: number): LoanPlan {
  return { programCode, principalVnd, termMonths: 24, installmentMonths: 6 };
}
