import * as z from "zod/mini";
import { defineContract } from "../../../shared/http/route.ts";
import { businessDate, id, listQuery, positiveAmountVnd, text } from "../../../shared/http/schemas.ts";

const params = z.strictObject({ memberId: id });
const movementBody = z.strictObject({
  amountVnd: positiveAmountVnd,
  on: businessDate,
  deviceId: z.optional(text(128)),
});
const movementOut = z.object({
  transactionId: z.string(),
  memberId: z.string(),
  kind: z.enum(["DEPOSIT", "WITHDRAWAL"]),
  amountVnd: z.int(),
  on: z.string(),
  balanceVnd: z.int(),
});

/** Deposits and withdrawals differ only in direction, so they share one shape. */
function movementContract(path: string, operationId: string, summary: string) {
  return defineContract({
    method: "POST",
    path,
    operationId,
    summary,
    tags: ["savings"],
    roles: ["ADMIN", "BANK_OFFICER", "GROUP_LEADER"],
    params,
    body: movementBody,
    responses: { 201: { description: "Recorded", schema: movementOut } },
    problems: [422],
  });
}

export const deposit = movementContract(
  "/v1/members/{memberId}/savings/deposits",
  "depositSavings",
  "Record a savings deposit (at least VND 5,000)",
);

export const withdraw = movementContract(
  "/v1/members/{memberId}/savings/withdrawals",
  "withdrawSavings",
  "Record a savings withdrawal; never below zero",
);

export const getSavings = defineContract({
  method: "GET",
  path: "/v1/members/{memberId}/savings",
  operationId: "getSavings",
  summary: "A member's savings balance and latest movements",
  tags: ["savings"],
  roles: ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER", "BORROWER"],
  params,
  query: listQuery,
  responses: {
    200: {
      description: "Balance and a page of movements, newest first",
      schema: z.object({
        memberId: z.string(),
        balanceVnd: z.int(),
        lastMovementOn: z.nullable(z.string()),
        items: z.array(
          z.object({
            transactionId: z.string(),
            kind: z.enum(["DEPOSIT", "WITHDRAWAL"]),
            amountVnd: z.int(),
            on: z.string(),
            balanceAfterVnd: z.int(),
            postedAt: z.string(),
          }),
        ),
        nextCursor: z.nullable(z.string()),
      }),
    },
  },
});
