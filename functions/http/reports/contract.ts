import * as z from "zod/mini";
import { defineContract } from "../../../shared/http/route.ts";
import { businessDate, scopePath } from "../../../shared/http/schemas.ts";
import { MONTH } from "../collections/contract.ts";

const OVERSIGHT = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER"] as const;
const money = z.int();

export const portfolio = defineContract({
  method: "GET",
  path: "/v1/reports/portfolio",
  operationId: "getPortfolio",
  summary: "Portfolio by program for the caller's scope or a sub-scope, from aggregates",
  tags: ["reports"],
  roles: OVERSIGHT,
  query: z.strictObject({ scope: z.optional(scopePath), asOf: z.optional(businessDate) }),
  responses: {
    200: {
      description:
        "Balances now; flows (interest collected, repaid, disbursed) for the month of asOf. Per program, borrowers counts active loans; totals.borrowers counts households once each.",
      schema: z.object({
        scope: z.string(),
        level: z.enum(["PROVINCE", "DISTRICT", "COMMUNE", "GROUP"]),
        asOf: z.string(),
        month: z.string(),
        programs: z.array(
          z.object({
            programCode: z.string(),
            borrowers: z.int(),
            outstandingVnd: money,
            overdueVnd: money,
            overdueRatioBps: z.int(),
            interestCollectedVnd: money,
            principalRepaidVnd: money,
            disbursedVnd: money,
          }),
        ),
        totals: z.object({
          borrowers: z.int(),
          outstandingVnd: money,
          overdueVnd: money,
          overdueRatioBps: z.int(),
          interestCollectedVnd: money,
        }),
        itemsRead: z.int(),
      }),
    },
  },
  problems: [422],
});

export const entrustment = defineContract({
  method: "GET",
  path: "/v1/reports/entrustment",
  operationId: "getEntrustmentStatement",
  summary: "Monthly entrustment-fee statement per mass organisation in a scope",
  tags: ["reports"],
  roles: ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER"],
  query: z.strictObject({ scope: z.optional(scopePath), month: MONTH }),
  responses: {
    200: {
      description: "Interest collected through each organisation's groups and the fee on it",
      schema: z.object({
        scope: z.string(),
        month: z.string(),
        organisations: z.array(
          z.object({
            entrustedOrg: z.string(),
            lines: z.array(
              z.object({ programCode: z.string(), interestCollectedVnd: money, rateBps: z.int(), feeVnd: money }),
            ),
            totalInterestCollectedVnd: money,
            totalFeeVnd: money,
          }),
        ),
        itemsRead: z.int(),
      }),
    },
  },
  // A group's scope is refused: statements are per commune or wider.
  problems: [422],
});
