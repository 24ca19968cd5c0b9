/**
 * Every HTTP route and the Lambda function that serves it. The CDK stack wires API Gateway from this
 * list, the local server dispatches from it, and the OpenAPI document is checked against it, so a
 * route exists in one place only.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/** DynamoDB actions a function may use on the table; the stack grants exactly these. */
export type TableAction =
  | "dynamodb:GetItem"
  | "dynamodb:BatchGetItem"
  | "dynamodb:Query"
  | "dynamodb:PutItem"
  | "dynamodb:UpdateItem"
  | "dynamodb:ConditionCheckItem"
  | "dynamodb:BatchWriteItem";

export type FunctionDef = {
  /** Short name, unique: becomes part of the Lambda's name. */
  name: string;
  /** Module path from the project root; it exports `handler`. */
  entry: string;
  tableActions: TableAction[];
  memoryMb?: number;
  timeoutSeconds?: number;
};

export type RouteDef = {
  method: HttpMethod;
  /** API Gateway path template, e.g. `/v1/loans/{loanId}`. */
  path: string;
  function: string;
  /** Open routes skip the JWT authorizer (health and docs only). */
  open?: boolean;
};

const READ: TableAction[] = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"];
const WRITE: TableAction[] = [...READ, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"];

export const HTTP_FUNCTIONS: FunctionDef[] = [
  { name: "system", entry: "functions/http/system/handler.ts", tableActions: [] },
  { name: "groups", entry: "functions/http/groups/handler.ts", tableActions: WRITE },
  { name: "savings", entry: "functions/http/savings/handler.ts", tableActions: WRITE },
  { name: "loans", entry: "functions/http/loans/handler.ts", tableActions: WRITE },
  {
    name: "collections",
    entry: "functions/http/collections/handler.ts",
    tableActions: WRITE,
    timeoutSeconds: 29,
    memoryMb: 1024,
  },
  {
    name: "reports",
    entry: "functions/http/reports/handler.ts",
    tableActions: READ,
    timeoutSeconds: 29,
    memoryMb: 512,
  },
  { name: "programs", entry: "functions/http/programs/handler.ts", tableActions: WRITE },
  { name: "plans", entry: "functions/http/plans/handler.ts", tableActions: WRITE, timeoutSeconds: 29 },
];

export const ROUTES: RouteDef[] = [
  { method: "GET", path: "/v1/health", function: "system", open: true },
  { method: "GET", path: "/v1/openapi.json", function: "system", open: true },
  { method: "GET", path: "/docs", function: "system", open: true },
  { method: "POST", path: "/v1/communes", function: "groups" },
  { method: "POST", path: "/v1/groups", function: "groups" },
  { method: "GET", path: "/v1/groups/{groupId}", function: "groups" },
  { method: "PUT", path: "/v1/groups/{groupId}/leader", function: "groups" },
  { method: "POST", path: "/v1/members", function: "groups" },
  { method: "GET", path: "/v1/members/{memberId}", function: "groups" },
  { method: "GET", path: "/v1/groups/{groupId}/members", function: "groups" },
  { method: "PUT", path: "/v1/members/{memberId}/sms-preference", function: "groups" },
  { method: "POST", path: "/v1/members/{memberId}/savings/deposits", function: "savings" },
  { method: "POST", path: "/v1/members/{memberId}/savings/withdrawals", function: "savings" },
  { method: "GET", path: "/v1/members/{memberId}/savings", function: "savings" },
  { method: "POST", path: "/v1/loans", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/approve", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/disburse", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/term-adjustments", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/extensions", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/freeze", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/unfreeze", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/write-off", function: "loans" },
  { method: "GET", path: "/v1/loans/{loanId}", function: "loans" },
  { method: "GET", path: "/v1/loans/{loanId}/schedule", function: "loans" },
  { method: "GET", path: "/v1/loans/{loanId}/transactions", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/payments", function: "loans" },
  { method: "POST", path: "/v1/loans/{loanId}/transactions/{transactionId}/reversal", function: "loans" },
  { method: "GET", path: "/v1/members/{memberId}/loans", function: "loans" },
  { method: "GET", path: "/v1/receipts/{receiptId}", function: "loans" },
  { method: "GET", path: "/v1/members/{memberId}/summary", function: "loans" },
  { method: "POST", path: "/v1/groups/{groupId}/sync", function: "collections" },
  { method: "GET", path: "/v1/groups/{groupId}/reconciliation", function: "collections" },
  { method: "GET", path: "/v1/groups/{groupId}/commission", function: "collections" },
  { method: "GET", path: "/v1/reports/portfolio", function: "reports" },
  { method: "GET", path: "/v1/reports/entrustment", function: "reports" },
  { method: "GET", path: "/v1/programs", function: "programs" },
  { method: "POST", path: "/v1/programs/{code}/rates", function: "programs" },
  { method: "GET", path: "/v1/settings/fee-rates", function: "programs" },
  { method: "POST", path: "/v1/settings/fee-rates", function: "programs" },
  { method: "POST", path: "/v1/credit-plans", function: "plans" },
  { method: "GET", path: "/v1/credit-plans", function: "plans" },
  { method: "GET", path: "/v1/credit-plans/history", function: "plans" },
  { method: "POST", path: "/v1/loans/{loanId}/checks", function: "plans" },
  { method: "GET", path: "/v1/loans/{loanId}/checks", function: "plans" },
  { method: "GET", path: "/v1/reports/unchecked-loans", function: "plans" },
];

export const TABLE_ACCESS = { READ, WRITE } as const;

export function routeKey(route: Pick<RouteDef, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
