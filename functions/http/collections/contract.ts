import * as z from "zod/mini";
import { defineContract } from "../../../shared/http/route.ts";
import { businessDate, id, positiveAmountVnd, text } from "../../../shared/http/schemas.ts";

export const MAX_SYNC_ENTRIES = 500;
const groupParams = z.strictObject({ groupId: id });
const month = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be a month YYYY-MM"));

const syncEntry = z.strictObject({
  clientTxId: z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,128}$/, "must be 1-128 characters A-Z a-z 0-9 . _ : -")),
  kind: z.enum(["INTEREST", "SAVINGS_DEPOSIT", "PRINCIPAL"]),
  memberId: id,
  loanId: z.optional(id),
  amountVnd: positiveAmountVnd,
  collectedAt: z.iso.datetime({ offset: true }),
});

export const syncBatch = defineContract({
  method: "POST",
  path: "/v1/groups/{groupId}/sync",
  operationId: "syncGroupCollections",
  summary: "Upload collections recorded offline; each entry is posted or refused on its own",
  tags: ["collections"],
  roles: ["ADMIN", "BANK_OFFICER", "GROUP_LEADER"],
  params: groupParams,
  body: z.strictObject({
    deviceId: text(128),
    batchId: text(128),
    entries: z.array(syncEntry).check(z.minLength(1), z.maxLength(MAX_SYNC_ENTRIES)),
  }),
  responses: {
    200: {
      description: "One result per entry, in the order sent",
      schema: z.object({
        batchId: z.string(),
        posted: z.int(),
        duplicates: z.int(),
        rejected: z.int(),
        results: z.array(
          z.object({
            clientTxId: z.string(),
            status: z.enum(["POSTED", "DUPLICATE", "REJECTED"]),
            transactionId: z.optional(z.string()),
            // Problem details carry extension members (RFC 9457 section 3.2), e.g. payableVnd on a refusal.
            problem: z.optional(
              z.looseObject({ type: z.string(), title: z.string(), status: z.int(), detail: z.string() }),
            ),
          }),
        ),
      }),
    },
  },
});

const money = z.int();
const loanLine = z.object({
  loanId: z.string(),
  programCode: z.string(),
  status: z.string(),
  outstandingPrincipalVnd: money,
  overduePrincipalVnd: money,
  accruedInterestVnd: money,
  interestArrearsVnd: money,
});

export const reconciliation = defineContract({
  method: "GET",
  path: "/v1/groups/{groupId}/reconciliation",
  operationId: "getGroupReconciliation",
  summary: "Debt reconciliation (đối chiếu nợ) per member as of a date; printable with Accept: text/html",
  tags: ["collections"],
  roles: ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER"],
  params: groupParams,
  query: z.strictObject({ asOf: z.optional(businessDate) }),
  responses: {
    200: {
      description: "Rows per member and group totals equal to their sums",
      html: true,
      schema: z.object({
        groupId: z.string(),
        groupName: z.string(),
        asOf: z.string(),
        rows: z.array(
          z.object({
            memberId: z.string(),
            fullName: z.string(),
            loans: z.array(loanLine),
            outstandingPrincipalVnd: money,
            overduePrincipalVnd: money,
            accruedInterestVnd: money,
            interestArrearsVnd: money,
            savingsBalanceVnd: money,
            lastPayment: z.nullable(z.object({ on: z.string(), interestVnd: money, principalVnd: money })),
          }),
        ),
        totals: z.object({
          members: z.int(),
          loans: z.int(),
          outstandingPrincipalVnd: money,
          overduePrincipalVnd: money,
          accruedInterestVnd: money,
          interestArrearsVnd: money,
          savingsBalanceVnd: money,
        }),
        itemsRead: z.int(),
      }),
    },
  },
  problems: [422],
});

export const commission = defineContract({
  method: "GET",
  path: "/v1/groups/{groupId}/commission",
  operationId: "getGroupCommission",
  summary: "The group leader's commission statement for a month",
  tags: ["collections"],
  roles: ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER"],
  params: groupParams,
  query: z.strictObject({ month }),
  responses: {
    200: {
      description: "Interest collected per program and the commission on it",
      schema: z.object({
        groupId: z.string(),
        month: z.string(),
        lines: z.array(
          z.object({
            programCode: z.string(),
            interestCollectedVnd: money,
            payments: z.int(),
            rateBps: z.int(),
            commissionVnd: money,
          }),
        ),
        totalInterestCollectedVnd: money,
        totalCommissionVnd: money,
      }),
    },
  },
});

export const MONTH = month;
