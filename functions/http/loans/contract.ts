import * as z from "zod/mini";
import { defineContract } from "../../../shared/http/route.ts";
import {
  amountVnd,
  businessDate,
  id,
  listQuery,
  listResponse,
  positiveAmountVnd,
  programCode,
  text,
} from "../../../shared/http/schemas.ts";

export const LOAN_STATUSES = [
  "PENDING_APPROVAL",
  "APPROVED",
  "ACTIVE",
  "OVERDUE",
  "CLOSED",
  "FROZEN",
  "WRITTEN_OFF",
] as const;
export const CHANNELS = ["GROUP_COLLECTION", "TRANSACTION_POINT", "BANK_TRANSFER"] as const;

const READERS = ["ADMIN", "BANK_OFFICER", "COMMUNE_OFFICER", "ORG_OFFICER", "GROUP_LEADER", "BORROWER"] as const;
const OFFICERS = ["ADMIN", "BANK_OFFICER"] as const;

export const loanView = z.object({
  loanId: z.string(),
  memberId: z.string(),
  groupId: z.string(),
  programCode: z.string(),
  status: z.enum(LOAN_STATUSES),
  purpose: z.string(),
  principalVnd: z.int(),
  termMonths: z.int(),
  principalInstallmentMonths: z.int(),
  outstandingPrincipalVnd: z.int(),
  overduePrincipalVnd: z.int(),
  accruedInterestVnd: z.int(),
  interestArrearsVnd: z.int(),
  interestAccruedThrough: z.nullable(z.string()),
  annualRateBps: z.nullable(z.int()),
  /** Null when 130% of the rate is not a whole bps (792 -> 1029.6); the exact value is in centi-bps. */
  overdueAnnualRateBps: z.nullable(z.int()),
  overdueAnnualRateCentiBps: z.nullable(z.int()),
  nextDue: z.nullable(z.object({ date: z.string(), principalVnd: z.int() })),
  disbursedOn: z.nullable(z.string()),
  maturityDate: z.nullable(z.string()),
  scheduleVersion: z.int(),
  createdAt: z.string(),
});

const loanParams = z.strictObject({ loanId: id });

export const createLoan = defineContract({
  method: "POST",
  path: "/v1/loans",
  operationId: "createLoan",
  summary: "Apply for a loan for a member; it waits for approval",
  tags: ["loans"],
  roles: [...OFFICERS, "GROUP_LEADER"],
  body: z.strictObject({
    memberId: id,
    programCode,
    principalVnd: positiveAmountVnd,
    disbursementPlan: z.strictObject({
      termMonths: z.int().check(z.minimum(1), z.maximum(360)),
      principalInstallmentMonths: z.int().check(z.minimum(1), z.maximum(360)),
    }),
    purpose: text(500),
  }),
  responses: {
    201: { description: "Created", schema: z.object({ loanId: z.string(), status: z.literal("PENDING_APPROVAL") }) },
  },
  problems: [422],
});

export const approveLoan = defineContract({
  method: "POST",
  path: "/v1/loans/{loanId}/approve",
  operationId: "approveLoan",
  summary: "Approve a pending loan",
  tags: ["loans"],
  roles: OFFICERS,
  params: loanParams,
  body: z.optional(z.strictObject({ note: z.optional(text(500)) })),
  responses: { 200: { description: "Approved", schema: loanView } },
  problems: [422],
});

export const disburseLoan = defineContract({
  method: "POST",
  path: "/v1/loans/{loanId}/disburse",
  operationId: "disburseLoan",
  summary: "Disburse an approved loan; fixes its schedule and starts interest",
  tags: ["loans"],
  roles: OFFICERS,
  params: loanParams,
  body: z.strictObject({
    disbursedOn: businessDate,
    /** Disburse over the commune's credit plan; needs the CREDIT_PLAN override right, and is recorded. */
    planOverride: z.optional(z.strictObject({ reason: text(500) })),
  }),
  responses: { 200: { description: "Disbursed", schema: loanView } },
  problems: [422],
});

export const getLoan = defineContract({
  method: "GET",
  path: "/v1/loans/{loanId}",
  operationId: "getLoan",
  summary: "A loan with its balances",
  tags: ["loans"],
  roles: READERS,
  params: loanParams,
  responses: { 200: { description: "The loan", schema: loanView } },
});

const installment = z.object({
  seq: z.int(),
  dueDate: z.string(),
  principalVnd: z.int(),
  paidVnd: z.int(),
  overdue: z.boolean(),
});

export const getSchedule = defineContract({
  method: "GET",
  path: "/v1/loans/{loanId}/schedule",
  operationId: "getLoanSchedule",
  summary: "The loan's current principal schedule, or an earlier version kept since a schedule change",
  tags: ["loans"],
  roles: READERS,
  params: loanParams,
  query: z.strictObject({
    /** An earlier version, as it stood when it was replaced; overdue flags are given on the current one only. */
    version: z.optional(
      z.pipe(
        z.string().check(z.regex(/^[1-9][0-9]{0,3}$/, "must be a whole number 1-9999")),
        z.transform((s) => Number(s)),
      ),
    ),
  }),
  responses: {
    200: {
      description: "The schedule",
      schema: z.object({
        loanId: z.string(),
        version: z.int(),
        installments: z.array(installment),
        /** Why the version was made (DISBURSEMENT, TERM_ADJUSTMENT, EXTENSION) and from when it applied. */
        reason: z.optional(z.string()),
        effectiveOn: z.optional(z.string()),
      }),
    },
  },
});

export const transactionView = z.object({
  transactionId: z.string(),
  loanId: z.string(),
  kind: z.enum([
    "DISBURSEMENT",
    "PAYMENT",
    "REVERSAL",
    "TERM_ADJUSTMENT",
    "EXTENSION",
    "FREEZE",
    "UNFREEZE",
    "WRITE_OFF",
  ]),
  postedAt: z.string(),
  valueDate: z.string(),
  interestVnd: z.int(),
  principalVnd: z.int(),
  amountVnd: z.int(),
  channel: z.nullable(z.string()),
  receiptId: z.nullable(z.string()),
  reversesTransactionId: z.nullable(z.string()),
  allocation: z.array(z.object({ kind: z.string(), installmentSeq: z.optional(z.int()), amountVnd: z.int() })),
  actor: z.object({ sub: z.string(), role: z.string(), deviceId: z.nullable(z.string()) }),
  /** Why a reversal, a schedule change or a change of debt class was made. */
  reason: z.optional(z.string()),
  /** The schedule version a term adjustment or an extension made. */
  scheduleVersion: z.optional(z.int()),
  /** What it moved: one installment's due date, or (without installmentSeq) the maturity. */
  scheduleChange: z.optional(
    z.object({ installmentSeq: z.optional(z.int()), fromDate: z.string(), toDate: z.string() }),
  ),
  /** Present on a disbursement made over the commune's credit plan with the CREDIT_PLAN right. */
  planOverride: z.optional(z.object({ sub: z.string(), role: z.string(), reason: z.string(), at: z.string() })),
});

export const listTransactions = defineContract({
  method: "GET",
  path: "/v1/loans/{loanId}/transactions",
  operationId: "listLoanTransactions",
  summary: "The loan's postings, oldest first; never edited, reversals are postings too",
  tags: ["loans"],
  roles: READERS,
  params: loanParams,
  query: listQuery,
  responses: { 200: { description: "A page", schema: listResponse(transactionView) } },
});

export const paymentBody = z.strictObject({
  paidOn: businessDate,
  interestVnd: amountVnd,
  principalVnd: amountVnd,
  channel: z.enum(CHANNELS),
  deviceId: z.optional(text(128)),
});

export const postPayment = defineContract({
  method: "POST",
  path: "/v1/loans/{loanId}/payments",
  operationId: "postPayment",
  summary: "Post a payment of interest and principal",
  tags: ["payments"],
  roles: [...OFFICERS, "GROUP_LEADER"],
  params: loanParams,
  body: paymentBody,
  responses: {
    201: {
      description: "Posted",
      schema: z.object({ transactionId: z.string(), receiptId: z.nullable(z.string()), loan: loanView }),
    },
  },
  problems: [422],
});

export const reversePosting = defineContract({
  method: "POST",
  path: "/v1/loans/{loanId}/transactions/{transactionId}/reversal",
  operationId: "reversePosting",
  summary: "Reverse a payment with a correcting entry; nothing is deleted",
  tags: ["payments"],
  roles: OFFICERS,
  params: z.strictObject({ loanId: id, transactionId: id }),
  body: z.strictObject({ reason: text(500) }),
  responses: {
    201: { description: "Reversed", schema: z.object({ transactionId: z.string(), loan: loanView }) },
  },
  problems: [422],
});

export const adjustTerm = defineContract({
  method: "POST",
  path: "/v1/loans/{loanId}/term-adjustments",
  operationId: "adjustTerm",
  summary: "Move one installment's due date (điều chỉnh kỳ hạn nợ); the maturity stays",
  tags: ["loans"],
  roles: OFFICERS,
  params: loanParams,
  body: z.strictObject({
    installmentSeq: z.int().check(z.minimum(1), z.maximum(1000)),
    newDueDate: businessDate,
    reason: text(500),
  }),
  responses: { 200: { description: "A new schedule version is in force from today", schema: loanView } },
  problems: [422],
});

export const extendLoan = defineContract({
  method: "POST",
  path: "/v1/loans/{loanId}/extensions",
  operationId: "extendLoan",
  summary: "Move the maturity later (gia hạn nợ); interest keeps running",
  tags: ["loans"],
  roles: OFFICERS,
  params: loanParams,
  body: z.strictObject({ newMaturityDate: businessDate, reason: text(500) }),
  responses: { 200: { description: "A new schedule version is in force from today", schema: loanView } },
  problems: [422],
});

function debtClassContract(path: string, operationId: string, summary: string) {
  return defineContract({
    method: "POST",
    path: `/v1/loans/{loanId}/${path}`,
    operationId,
    summary,
    tags: ["loans"],
    roles: OFFICERS,
    params: loanParams,
    body: z.strictObject({ reason: text(500) }),
    responses: { 200: { description: "In force from today", schema: loanView } },
    problems: [422],
  });
}

export const freezeLoan = debtClassContract(
  "freeze",
  "freezeLoan",
  "Freeze the debt (khoanh nợ) from today: nothing accrues and nothing more goes overdue",
);
export const unfreezeLoan = debtClassContract(
  "unfreeze",
  "unfreezeLoan",
  "End a freeze: interest runs again from today",
);
export const writeOffLoan = debtClassContract(
  "write-off",
  "writeOffLoan",
  "Write the loan off from today: balances stay on record, the loan leaves the portfolio",
);

export const listMemberLoans = defineContract({
  method: "GET",
  path: "/v1/members/{memberId}/loans",
  operationId: "listMemberLoans",
  summary: "A member's loans",
  tags: ["loans"],
  roles: READERS,
  params: z.strictObject({ memberId: id }),
  query: listQuery,
  responses: { 200: { description: "A page", schema: listResponse(loanView) } },
});

export const receiptView = z.object({
  receiptId: z.string(),
  transactionId: z.string(),
  loanId: z.string(),
  memberId: z.string(),
  memberName: z.string(),
  groupId: z.string(),
  groupName: z.string(),
  programCode: z.string(),
  paidOn: z.string(),
  interestVnd: z.int(),
  principalVnd: z.int(),
  totalVnd: z.int(),
  channel: z.string(),
  collector: z.object({ sub: z.string(), role: z.string() }),
  issuedAt: z.string(),
  reversed: z.boolean(),
});

export const getReceipt = defineContract({
  method: "GET",
  path: "/v1/receipts/{receiptId}",
  operationId: "getReceipt",
  summary: "An interest receipt (biên lai); printable with Accept: text/html",
  tags: ["payments"],
  roles: READERS,
  params: z.strictObject({ receiptId: id }),
  responses: { 200: { description: "The receipt", schema: receiptView, html: true } },
});

export const memberSummary = defineContract({
  method: "GET",
  path: "/v1/members/{memberId}/summary",
  operationId: "getMemberSummary",
  summary: "What a borrower's phone shows: loans, the next amount due, savings and the latest receipts",
  tags: ["members"],
  roles: READERS,
  params: z.strictObject({ memberId: id }),
  responses: {
    200: {
      description: "The member's summary",
      schema: z.object({
        memberId: z.string(),
        fullName: z.string(),
        groupId: z.string(),
        loans: z.array(loanView),
        nextDue: z.nullable(
          z.object({
            loanId: z.string(),
            date: z.string(),
            principalVnd: z.int(),
            interestVnd: z.int(),
            totalVnd: z.int(),
          }),
        ),
        savingsBalanceVnd: z.int(),
        lastReceipts: z.array(
          z.object({
            receiptId: z.string(),
            paidOn: z.string(),
            interestVnd: z.int(),
            principalVnd: z.int(),
            totalVnd: z.int(),
            /** The payment was reversed: the receipt stays in the history but records no money received. */
            reversed: z.boolean(),
          }),
        ),
      }),
    },
  },
});
