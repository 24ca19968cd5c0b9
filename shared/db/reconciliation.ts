import { addDays, isBefore } from "../domain/dates.ts";
import { classifiedOverdueVnd } from "../domain/loan-state.ts";
import { payableInterestOn } from "../domain/payment.ts";
import { problems } from "../http/problem.ts";
import { hydrate, type Item, queryAll } from "./items.ts";
import { keys } from "./keys.ts";
import { loanFromItem } from "./loans.ts";
import { loadProgram } from "./programs.ts";

const OPEN = new Set(["ACTIVE", "OVERDUE", "FROZEN", "WRITTEN_OFF"]);

export type LoanLine = {
  loanId: string;
  programCode: string;
  status: string;
  outstandingPrincipalVnd: number;
  overduePrincipalVnd: number;
  accruedInterestVnd: number;
  interestArrearsVnd: number;
};

/** A loan's figures at the end of `asOf`, from the loan item alone (no transactions are read). */
export async function loanLineAsOf(item: Item, asOf: string): Promise<LoanLine | undefined> {
  const loan = loanFromItem(item);
  if (!OPEN.has(loan.status) || !loan.disbursedOn || isBefore(asOf, loan.disbursedOn)) return undefined;
  if (loan.lastPostingOn && isBefore(addDays(asOf, 1), loan.lastPostingOn)) {
    throw problems.unprocessable(
      "AS_OF_BEFORE_LAST_POSTING",
      `Loan ${loan.loanId} has postings after ${asOf}; reconcile as of ${addDays(loan.lastPostingOn, -1)} or later.`,
    );
  }
  const program = await loadProgram(loan.programCode);
  const payable = payableInterestOn(loan, program, addDays(asOf, 1));
  return {
    loanId: loan.loanId,
    programCode: loan.programCode,
    status: loan.status,
    outstandingPrincipalVnd: loan.outstandingPrincipalVnd,
    // An installment due on asOf is still in term that day; it is overdue from the next. A frozen or
    // written-off loan is classified no further, so it shows what it holds, as the loan and the portfolio do.
    overduePrincipalVnd:
      loan.status === "FROZEN" || loan.status === "WRITTEN_OFF"
        ? loan.overduePrincipalVnd
        : classifiedOverdueVnd(loan.installments, addDays(asOf, -1)),
    accruedInterestVnd: payable - loan.interestArrearsVnd,
    interestArrearsVnd: loan.interestArrearsVnd,
  };
}

/**
 * Đối chiếu nợ: per member, what the group owes and holds as of a date. It reads the group's members
 * and its book (loans and savings accounts), O(members), never the postings.
 */
export async function reconcileGroup(groupId: string, asOf: string) {
  const members = new Map<string, Item>();
  for await (const page of queryAll({ index: "GSI1", partition: keys.groupMembers(groupId) })) {
    for (const m of page.items) members.set(m.memberId as string, m);
  }
  const loans = new Map<string, LoanLine[]>();
  const savings = new Map<string, number>();
  const lastPayment = new Map<string, { on: string; interestVnd: number; principalVnd: number }>();
  let itemsRead = members.size;
  for await (const page of queryAll({ index: "GSI2", partition: keys.groupBook(groupId) })) {
    const items = await hydrate(page.items);
    itemsRead += items.length;
    for (const item of items) {
      const memberId = item.memberId as string;
      if (item.type === "SAVINGS") {
        savings.set(memberId, item.balanceVnd as number);
        continue;
      }
      const line = await loanLineAsOf(item, asOf);
      if (line) loans.set(memberId, [...(loans.get(memberId) ?? []), line]);
      const paid = item.lastPayment as { on: string; interestVnd: number; principalVnd: number } | null | undefined;
      if (paid && paid.on <= asOf && (!lastPayment.has(memberId) || lastPayment.get(memberId)!.on < paid.on)) {
        lastPayment.set(memberId, { on: paid.on, interestVnd: paid.interestVnd, principalVnd: paid.principalVnd });
      }
    }
  }
  const sum = (lines: LoanLine[], k: keyof LoanLine) => lines.reduce((t, l) => t + (l[k] as number), 0);
  const rows = [...members.values()]
    .sort((a, b) => String(a.fullName).localeCompare(String(b.fullName), "vi"))
    .map((m) => {
      const lines = loans.get(m.memberId as string) ?? [];
      return {
        memberId: m.memberId as string,
        fullName: m.fullName as string,
        loans: lines,
        outstandingPrincipalVnd: sum(lines, "outstandingPrincipalVnd"),
        overduePrincipalVnd: sum(lines, "overduePrincipalVnd"),
        accruedInterestVnd: sum(lines, "accruedInterestVnd"),
        interestArrearsVnd: sum(lines, "interestArrearsVnd"),
        savingsBalanceVnd: savings.get(m.memberId as string) ?? 0,
        lastPayment: lastPayment.get(m.memberId as string) ?? null,
      };
    });
  const total = (
    k:
      | "outstandingPrincipalVnd"
      | "overduePrincipalVnd"
      | "accruedInterestVnd"
      | "interestArrearsVnd"
      | "savingsBalanceVnd",
  ) => rows.reduce((t, r) => t + r[k], 0);
  return {
    groupId,
    asOf,
    rows,
    totals: {
      members: rows.length,
      loans: rows.reduce((t, r) => t + r.loans.length, 0),
      outstandingPrincipalVnd: total("outstandingPrincipalVnd"),
      overduePrincipalVnd: total("overduePrincipalVnd"),
      accruedInterestVnd: total("accruedInterestVnd"),
      interestArrearsVnd: total("interestArrearsVnd"),
      savingsBalanceVnd: total("savingsBalanceVnd"),
    },
    itemsRead,
  };
}
