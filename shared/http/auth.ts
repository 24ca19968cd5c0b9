import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { problems } from "./problem.ts";

export const ROLES = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER", "BORROWER"] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from the JWT claims API Gateway has already verified. */
export type Caller = {
  sub: string;
  role: Role;
  /** Org path: `DB`, `DB/TUA-CHUA`, `DB/TUA-CHUA/MUONG-BANG`, `DB/TUA-CHUA/MUONG-BANG/G-KECAI-01`. */
  scope: string;
  memberId?: string;
  /** Explicit rights beyond the role, e.g. CREDIT_PLAN to disburse over a commune's plan. */
  overrides?: string[];
};

type JwtClaims = Record<string, string | number | boolean | string[]>;

export function claimsOf(event: APIGatewayProxyEventV2): JwtClaims | undefined {
  const ctx = event.requestContext as APIGatewayProxyEventV2["requestContext"] & {
    authorizer?: { jwt?: { claims?: JwtClaims } };
  };
  return ctx.authorizer?.jwt?.claims;
}

const SCOPE_PATTERN = /^[A-Z0-9][A-Z0-9-]{0,63}(\/[A-Z0-9][A-Z0-9-]{0,63}){0,3}$/;

export function isScopePath(value: string): boolean {
  return SCOPE_PATTERN.test(value);
}

/** Reads the caller, refusing a token that lacks the claims every route relies on. */
export function callerFrom(event: APIGatewayProxyEventV2): Caller {
  const claims = claimsOf(event);
  const sub = claims?.sub;
  const role = claims?.["custom:role"];
  const scope = claims?.["custom:scope"];
  if (typeof sub !== "string" || typeof role !== "string" || typeof scope !== "string") {
    throw problems.unauthorized("The token lacks the sub, custom:role or custom:scope claim.");
  }
  if (!(ROLES as readonly string[]).includes(role)) throw problems.unauthorized(`Unknown role ${role}.`);
  if (!isScopePath(scope)) throw problems.unauthorized("The token's scope is not an org path.");
  const memberId = claims?.["custom:memberId"];
  if (role === "BORROWER" && typeof memberId !== "string") {
    throw problems.unauthorized("A borrower's token must carry custom:memberId.");
  }
  const overrides = claims?.["custom:overrides"];
  return {
    sub,
    role: role as Role,
    scope,
    ...(typeof memberId === "string" && memberId ? { memberId } : {}),
    ...(typeof overrides === "string" && overrides ? { overrides: overrides.split(",").map((o) => o.trim()) } : {}),
  };
}

/** A resource at `resourceScope` is visible to a caller whose scope is the same path or an ancestor. */
export function scopeCovers(callerScope: string, resourceScope: string): boolean {
  return resourceScope === callerScope || resourceScope.startsWith(`${callerScope}/`);
}

export function canSee(caller: Caller, resourceScope: string): boolean {
  return caller.role === "ADMIN" || scopeCovers(caller.scope, resourceScope);
}

/** Wrong role for a write: 403. Checked before anything is read, so it reveals nothing. */
export function requireRole(caller: Caller, roles: readonly Role[]): void {
  if (!roles.includes(caller.role)) throw problems.forbidden(`The ${caller.role} role may not do this.`);
}

/**
 * Out-of-scope reads answer 404, exactly like a missing id, so nobody can probe which ids exist.
 */
export function requireVisible(caller: Caller, resourceScope: string | undefined, what: string): asserts resourceScope {
  if (resourceScope === undefined || !canSee(caller, resourceScope)) throw problems.notFound(what);
}

/** A borrower sees only records of its own member id; other roles go by scope. */
export function requireOwnMemberOrScope(
  caller: Caller,
  memberId: string,
  resourceScope: string | undefined,
  what: string,
) {
  if (caller.role === "BORROWER") {
    if (caller.memberId !== memberId) throw problems.notFound(what);
    return;
  }
  requireVisible(caller, resourceScope, what);
}

/** The scope a report asks for, defaulting to the caller's own; one outside the caller's reach is a 404. */
export function scopeFor(caller: Caller, asked: string | undefined): string {
  const scope = asked ?? caller.scope;
  requireVisible(caller, scope, `Scope ${scope}`);
  return scope;
}

/** Group leaders act for their own group only: 403 for any other, even one they can see. */
export function requireOwnGroup(
  caller: Caller,
  scope: unknown,
  detail = "Group leaders act for their own group only.",
) {
  if (caller.role === "GROUP_LEADER" && caller.scope !== scope) throw problems.forbidden(detail);
}
