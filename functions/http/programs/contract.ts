import * as z from "zod/mini";
import { FEE_KINDS } from "../../../shared/http/enums.ts";
import { defineContract } from "../../../shared/http/route.ts";
import { businessDate, programCode } from "../../../shared/http/schemas.ts";

const ALL_ROLES = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER", "BORROWER"] as const;
const bps = z.int().check(z.minimum(1), z.maximum(10_000));

export const programView = z.object({
  code: z.string(),
  name: z.string(),
  rates: z.array(z.object({ effectiveFrom: z.string(), annualRateBps: z.int() })),
  maxPrincipalVnd: z.nullable(z.int()),
  maxTermMonths: z.int(),
  dayCount: z.enum(["ACT_365", "MONTH_30"]),
  overdueRatePercent: z.int(),
});

export const listPrograms = defineContract({
  method: "GET",
  path: "/v1/programs",
  operationId: "listPrograms",
  summary: "Lending programs with their effective-dated rates",
  tags: ["programs"],
  roles: ALL_ROLES,
  responses: { 200: { description: "All programs", schema: z.object({ items: z.array(programView) }) } },
});

export const addRate = defineContract({
  method: "POST",
  path: "/v1/programs/{code}/rates",
  operationId: "addProgramRate",
  summary: "Add a rate effective from a date (today or later); applies to running loans from that day",
  tags: ["programs"],
  roles: ["ADMIN"],
  params: z.strictObject({ code: programCode }),
  body: z.strictObject({ annualRateBps: bps, effectiveFrom: businessDate }),
  responses: { 201: { description: "The program with its new rate history", schema: programView } },
  problems: [422],
});

const feeRate = z.object({
  kind: z.enum(FEE_KINDS),
  effectiveFrom: z.string(),
  programCode: z.nullable(z.string()),
  rateBps: z.int(),
  setBy: z.string(),
  setAt: z.string(),
});

export const listFeeRates = defineContract({
  method: "GET",
  path: "/v1/settings/fee-rates",
  operationId: "listFeeRates",
  summary: "Commission and entrustment-fee rates, effective-dated",
  tags: ["programs"],
  roles: ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER"],
  responses: { 200: { description: "All rates", schema: z.object({ items: z.array(feeRate) }) } },
});

export const setFeeRate = defineContract({
  method: "POST",
  path: "/v1/settings/fee-rates",
  operationId: "setFeeRate",
  summary: "Set the commission or entrustment-fee rate from the first day of a month",
  tags: ["programs"],
  roles: ["ADMIN"],
  body: z.strictObject({
    kind: z.enum(FEE_KINDS),
    rateBps: z.int().check(z.minimum(0), z.maximum(10_000)),
    effectiveFrom: businessDate.check(
      z.refine((d) => d.endsWith("-01"), { message: "must be the first day of a month" }),
    ),
    programCode: z.optional(programCode),
  }),
  responses: { 201: { description: "Recorded", schema: feeRate } },
  problems: [422],
});
