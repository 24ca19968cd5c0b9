/**
 * A missed principal instalment, as a borrower and a bank officer see it through the API: after the
 * nightly jobs the loan shows the instalment overdue and interest accrued at the overdue rate, and the
 * late payment at the transaction point brings it back in term. The API's figures are the engine's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accrue, addDays, addMonthsClamped, classifyOverdue, daysBetween } from "../../shared/domain/index.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";
import { logger } from "../../shared/log/logger.ts";
import {
  activeLoan,
  body,
  closedFormInterestVnd,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  type ExpectedLoan,
  expectLoanMatches,
  expectStatus,
  get,
  getLoan,
  type LoanPlan,
  type MemberOut,
  monthsAgo,
  post,
  startE2e,
  today,
} from "./fixtures.ts";

const TWELVE_MONTHS_TWO_INSTALMENTS: LoanPlan = {
  programCode: "POOR",
  principalVnd: 30_000_000,
  termMonths: 12,
  installmentMonths: 6,
};

/** The night after `date` closes it, at 00:30 in Vietnam. */
function nightAfter(date: string): Date {
  return new Date(`${addDays(date, 1)}T00:30:00+07:00`);
}

describe("a missed instalment", () => {
  let e2e: E2e;
  let officer: string;
  let member: MemberOut;
  let expected: ExpectedLoan;
  const disbursedOn = monthsAgo(7);
  const firstDue = addMonthsClamped(disbursedOn, 6);
  const yesterday = addDays(today(), -1);

  beforeAll(async () => {
    // The shard logs are the operators' record; here they would bury a failing assertion.
    logger.setLogLevel("ERROR");
    e2e = await startE2e("e2e-overdue");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "MUONG-BANG", "Mường Báng");
    const group = await createGroup(e2e.api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    member = await createMember(e2e.api, officer, group.groupId, "Lò Thị Mai");
    expected = await activeLoan(e2e.api, officer, member, disbursedOn, TWELVE_MONTHS_TWO_INSTALMENTS);
  });
  afterAll(() => e2e.api.close());

  it("shows as overdue after the nightly jobs, with interest at 130% on the overdue part", async () => {
    const { api } = e2e;
    const accrual = await runJobInProcess("accrue-interest", {
      businessDate: yesterday,
      now: () => nightAfter(yesterday),
    });
    expect(accrual.deadLetters).toBe(0);
    const classification = await runJobInProcess("classify-overdue", {
      businessDate: yesterday,
      now: () => nightAfter(yesterday),
    });
    expect(classification.deadLetters).toBe(0);

    expected.loan = accrue(expected.loan, expected.program, yesterday).loan;
    expected.loan = classifyOverdue(expected.loan, yesterday).loan;
    const loan = await getLoan(api, officer, expected.loanId);
    expectLoanMatches(loan, expected, "after the nights");
    expect(loan).toMatchObject({
      status: "OVERDUE",
      overduePrincipalVnd: 15_000_000,
      outstandingPrincipalVnd: 30_000_000,
      interestAccruedThrough: yesterday,
      overdueAnnualRateBps: 858,
      nextDue: { date: firstDue, principalVnd: 15_000_000 },
    });
    // 6.6% on all 30,000,000 every day, and 1.98% more on the overdue 15,000,000 from the day after it fell due.
    expect(loan.accruedInterestVnd).toBe(
      closedFormInterestVnd(
        [30_000_000, 660, daysBetween(disbursedOn, today())],
        [15_000_000, 198, daysBetween(firstDue, yesterday)],
      ),
    );

    const schedule = body<{ installments: { seq: number; overdue: boolean }[] }>(
      await get(api, officer, `/v1/loans/${expected.loanId}/schedule`),
    );
    expect(schedule.installments.map((i) => i.overdue)).toEqual([true, false]);

    // Running the same night again changes nothing.
    await runJobInProcess("accrue-interest", { businessDate: yesterday, now: () => nightAfter(yesterday) });
    await runJobInProcess("classify-overdue", { businessDate: yesterday, now: () => nightAfter(yesterday) });
    expect(await getLoan(api, officer, expected.loanId)).toEqual(loan);
  });

  it("returns to term when the late instalment and its interest are paid", async () => {
    const { api } = e2e;
    const paidOn = today();
    const interestVnd = expected.payable(paidOn);
    const answer = await post(api, officer, `/v1/loans/${expected.loanId}/payments`, {
      paidOn,
      interestVnd,
      principalVnd: 15_000_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(answer, 201);
    const posted = body<{ transactionId: string }>(answer);
    expected.pay(posted.transactionId, paidOn, interestVnd, 15_000_000);
    const loan = await getLoan(api, officer, expected.loanId);
    expectLoanMatches(loan, expected, "after the late payment");
    expect(loan).toMatchObject({
      status: "ACTIVE",
      overduePrincipalVnd: 0,
      outstandingPrincipalVnd: 15_000_000,
      interestArrearsVnd: 0,
      accruedInterestVnd: 0,
    });
    const transactions = body<{ items: { allocation: { kind: string; amountVnd: number }[] }[] }>(
      await get(api, officer, `/v1/loans/${expected.loanId}/transactions`),
    );
    expect(transactions.items.at(-1)!.allocation).toContainEqual({
      kind: "PRINCIPAL_OVERDUE",
      installmentSeq: 1,
      amountVnd: 15_000_000,
    });
  });
});
