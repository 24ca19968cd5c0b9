import { isAfter } from "../domain/dates.ts";
import { UnknownProgram } from "../domain/errors.ts";
import type { Loan } from "../domain/loan-state.ts";
import { decodeUnits, encodeUnits } from "../domain/money.ts";
import { isProgramCode, PROGRAMS, type Program } from "../domain/programs.ts";
import { loanView as domainLoanView } from "../domain/view.ts";
import type { Item } from "./items.ts";
import { keys } from "./keys.ts";
import type { TransactItem } from "./write.ts";

/** Where a loan sits in the org tree; copied onto the loan so postings can update aggregates blind. */
export type LoanPlacement = { scope: string; communePath: string; entrustedOrg: string };

/** Job shards spread active loans over GSI3 partitions; the count is a setting. */
export function shardCount(): number {
  const n = Number(process.env.JOB_SHARDS ?? "16");
  return Number.isInteger(n) && n > 0 && n <= 4096 ? n : 16;
}

/**
 * A commune's loans share one shard, sorted by program, so a page of the nightly jobs covers one or two
 * (commune, program) books and commits a journal of a few items, not one per loan. Shards stay even at
 * scale because each holds many communes (≈ 40 of ~10,000 in 256 shards).
 */
function shardOf(communePath: string, shards: number): number {
  let h = 2166136261;
  for (let i = 0; i < communePath.length; i++) h = Math.imul(h ^ communePath.charCodeAt(i), 16777619) >>> 0;
  return h % shards;
}

const SHARDED = new Set(["ACTIVE", "OVERDUE", "FROZEN"]);

/** The loan item: domain fields, exact accrued units as a decimal string, placement and index keys. */
export type LoanExtras = { version: number; purpose: string; createdAt: string; memberName: string; groupName: string };

export function loanToItem(loan: Loan, placement: LoanPlacement, extra: LoanExtras): Item {
  const item: Item = {
    ...keys.loan(loan.loanId),
    type: "LOAN",
    ...loan,
    accruedUnits: encodeUnits(loan.accruedUnits),
    installments: loan.installments.map((i) => ({ ...i })),
    scope: placement.scope,
    communePath: placement.communePath,
    entrustedOrg: placement.entrustedOrg,
    purpose: extra.purpose,
    createdAt: extra.createdAt,
    memberName: extra.memberName,
    groupName: extra.groupName,
    version: extra.version,
    GSI1PK: keys.memberLoans(loan.memberId),
    GSI1SK: `LOAN#${loan.loanId}`,
    GSI2PK: keys.groupBook(loan.groupId),
    GSI2SK: keys.bookLoan(loan.memberId, loan.loanId),
  };
  if (SHARDED.has(loan.status)) {
    item.GSI3PK = keys.jobShard(shardOf(placement.communePath, shardCount()));
    item.GSI3SK = `${placement.communePath}#${loan.programCode}#${loan.loanId}`;
  }
  return item;
}

export function loanFromItem(item: Item): Loan {
  const {
    PK: _pk,
    SK: _sk,
    type: _t,
    GSI1PK: _1,
    GSI1SK: _2,
    GSI2PK: _3,
    GSI2SK: _4,
    GSI3PK: _5,
    GSI3SK: _6,
    ...rest
  } = item;
  return { ...(rest as unknown as Loan), accruedUnits: decodeUnits(item.accruedUnits as string) };
}

export function placementOf(item: Item): LoanPlacement {
  return {
    scope: item.scope as string,
    communePath: item.communePath as string,
    entrustedOrg: item.entrustedOrg as string,
  };
}

/**
 * A whole-item put guarded by the version read, which is how every loan change is written: the
 * loan's index keys follow its status (it leaves the job shards when closed).
 */
/** Attributes a loan item carries besides the domain's Loan; every rewrite keeps them. */
const CARRIED = [
  "recentAccruals",
  "lastPayment",
  "approvedAt",
  "approvedBy",
  "disbursedBy",
  "checkedOn",
  // The business date whose overdue transfer last moved the loan.
  "overdueMovedFor",
] as const;

export function putLoan(loan: Loan, previous: Item, extra: Item = {}): TransactItem {
  const item = loanToItem(loan, placementOf(previous), {
    version: (previous.version as number) + 1,
    purpose: previous.purpose as string,
    createdAt: previous.createdAt as string,
    memberName: previous.memberName as string,
    groupName: previous.groupName as string,
  });
  for (const k of CARRIED) if (previous[k] !== undefined) item[k] = previous[k];
  Object.assign(item, extra);
  return {
    Put: {
      Item: item,
      ConditionExpression: "#v = :v",
      ExpressionAttributeNames: { "#v": "version" },
      ExpressionAttributeValues: { ":v": previous.version },
    },
  };
}

/** The program in force: a stored copy when rates were changed through the API, else the catalogue. */
export function programFrom(code: string, stored: Item | undefined): Program {
  if (stored?.program) return stored.program as Program;
  if (!isProgramCode(code)) throw new UnknownProgram(code);
  return PROGRAMS[code];
}

/** The loan as the API shows it: the domain's figures plus what the loan item carries besides. */
export function loanViewFromItem(item: Item, program: Program, today: string) {
  const loan = loanFromItem(item);
  const asOf = loan.disbursedOn && isAfter(loan.disbursedOn, today) ? loan.disbursedOn : today;
  return {
    ...domainLoanView(loan, program, asOf),
    purpose: item.purpose as string,
    termMonths: loan.termMonths,
    principalInstallmentMonths: loan.installmentPeriodMonths,
    createdAt: item.createdAt as string,
  };
}
