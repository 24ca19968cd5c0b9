import * as z from "zod/mini";
import { defineContract } from "../../../shared/http/route.ts";
import {
  businessDate,
  code,
  id,
  listQuery,
  listResponse,
  positiveAmountVnd,
  programCode,
  scopePath,
  text,
} from "../../../shared/http/schemas.ts";

const OVERSIGHT = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER"] as const;
const year = z.int().check(z.minimum(2000), z.maximum(2100));
const yearQuery = z.pipe(
  z.string().check(z.regex(/^\d{4}$/, "must be a year YYYY")),
  z.transform((s) => Number(s)),
);
const money = z.int();
const nullableMoney = z.nullable(z.int());

const planVersion = z.object({
  communePath: z.string(),
  programCode: z.string(),
  year: z.int(),
  version: z.int(),
  planVnd: money,
  reason: z.nullable(z.string()),
  setBy: z.string(),
  setAt: z.string(),
});

export const setPlan = defineContract({
  method: "POST",
  path: "/v1/credit-plans",
  operationId: "setCreditPlan",
  summary: "Set or revise a commune's plan for a program and year; every revision is kept",
  tags: ["credit plans"],
  roles: ["ADMIN", "BANK_OFFICER"],
  body: z.strictObject({
    communeCode: code,
    programCode,
    year,
    planVnd: positiveAmountVnd,
    reason: z.optional(text(500)),
  }),
  responses: { 201: { description: "The new current version", schema: planVersion } },
  problems: [422],
});

const planLine = z.object({
  programCode: z.string(),
  planVnd: nullableMoney,
  disbursedVnd: money,
  repaidVnd: money,
  availableVnd: nullableMoney,
  utilisationBps: z.nullable(z.int()),
});

export const getPlans = defineContract({
  method: "GET",
  path: "/v1/credit-plans",
  operationId: "getCreditPlans",
  summary: "Plan against actual per program for a scope and year: plan, disbursed, repaid, available, utilisation",
  tags: ["credit plans"],
  roles: OVERSIGHT,
  query: z.strictObject({ scope: z.optional(scopePath), year: yearQuery }),
  responses: {
    200: {
      description: "Per program, summed over the communes in scope, and per commune",
      schema: z.object({
        scope: z.string(),
        year: z.int(),
        programs: z.array(planLine),
        communes: z.array(z.object({ communePath: z.string(), programs: z.array(planLine) })),
        itemsRead: z.int(),
      }),
    },
  },
});

export const planHistory = defineContract({
  method: "GET",
  path: "/v1/credit-plans/history",
  operationId: "getCreditPlanHistory",
  summary: "Every version of a commune's plan for a program and year, oldest first",
  tags: ["credit plans"],
  roles: OVERSIGHT,
  query: z.strictObject({ communeCode: code, programCode, year: yearQuery }),
  responses: { 200: { description: "The versions", schema: z.object({ items: z.array(planVersion) }) } },
});

const checkView = z.object({
  checkId: z.string(),
  loanId: z.string(),
  checkedOn: z.string(),
  usedAsPurpose: z.boolean(),
  note: z.nullable(z.string()),
  photoKeys: z.array(z.string()),
  checker: z.object({ sub: z.string(), role: z.string() }),
  recordedAt: z.string(),
});

export const recordCheck = defineContract({
  method: "POST",
  path: "/v1/loans/{loanId}/checks",
  operationId: "recordLoanCheck",
  summary: "Record a post-disbursement check: was the loan used for its purpose",
  tags: ["checks"],
  roles: ["ADMIN", "BANK_OFFICER", "ORG_OFFICER", "COMMUNE_OFFICER"],
  params: z.strictObject({ loanId: id }),
  body: z.strictObject({
    checkedOn: businessDate,
    usedAsPurpose: z.boolean(),
    note: z.optional(text(2000)),
    /** Object-store keys of photos uploaded elsewhere; the table never holds binaries. */
    photoKeys: z.optional(
      z
        .array(z.string().check(z.regex(/^[A-Za-z0-9!_.*'()/-]{1,512}$/, "must be an object key")))
        .check(z.maxLength(10)),
    ),
  }),
  responses: { 201: { description: "Recorded", schema: checkView } },
  problems: [422],
});

export const listChecks = defineContract({
  method: "GET",
  path: "/v1/loans/{loanId}/checks",
  operationId: "listLoanChecks",
  summary: "Post-disbursement checks of a loan",
  tags: ["checks"],
  roles: OVERSIGHT,
  params: z.strictObject({ loanId: id }),
  query: listQuery,
  responses: { 200: { description: "A page of checks", schema: listResponse(checkView) } },
});

export const uncheckedLoans = defineContract({
  method: "GET",
  path: "/v1/reports/unchecked-loans",
  operationId: "getUncheckedLoans",
  summary: "Loans disbursed more than the threshold ago with no post-disbursement check",
  tags: ["checks", "reports"],
  roles: OVERSIGHT,
  query: z.strictObject({
    scope: z.optional(scopePath),
    asOf: z.optional(businessDate),
    limit: listQuery.shape.limit,
    cursor: listQuery.shape.cursor,
  }),
  responses: {
    200: {
      description: "Unchecked loans past the threshold",
      schema: z.object({
        scope: z.string(),
        asOf: z.string(),
        thresholdDays: z.int(),
        items: z.array(
          z.object({
            loanId: z.string(),
            memberId: z.string(),
            memberName: z.string(),
            groupId: z.string(),
            programCode: z.string(),
            principalVnd: money,
            disbursedOn: z.string(),
            daysSinceDisbursement: z.int(),
          }),
        ),
        nextCursor: z.nullable(z.string()),
      }),
    },
  },
});
