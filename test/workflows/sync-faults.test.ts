/**
 * A sync cut short by the data store part-way through the batch: the leader's phone gets a failure,
 * and nothing more is posted behind its back; sending the same batch again posts what was left, and
 * every collection ends up on the books exactly once.
 */
import { InternalServerError } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sdkStore } from "../../scripts/lib/sdk-store.ts";
import { setDocumentClient } from "../../shared/db/client.ts";
import { addDays, addMonthsClamped } from "../../shared/domain/index.ts";
import { faultableDocumentClient, timedOut } from "../support/faults.ts";
import {
  allTransactions,
  collectedAt,
  createCommune,
  createGroup,
  createMember,
  disbursedLoan,
  expectLoanFigures,
  type GroupOut,
  getLoan,
  type LoanPlan,
  mapLimit,
  newKey,
  ok,
  rebuildLoan,
  type SyncAnswer,
  type SyncEntry,
  savingsBalance,
  startWorkflow,
  syncBody,
  type TransactionOut,
  today,
  type User,
  userOf,
  vietnameseName,
  type Workflow,
} from "./support.ts";

const POOR_20M: LoanPlan = { programCode: "POOR", principalVnd: 20_000_000, termMonths: 24, installmentMonths: 6 };
/** The write that fails: well inside the batch, after some entries are already on the books. */
const FAILING_WRITE = 12;

function storeFailed(): Error {
  return new InternalServerError({ message: "Internal server error", $metadata: {} });
}

const FAULTS = [
  { name: "the data store fails one write", commits: false, error: storeFailed },
  { name: "one write commits and its answer is lost", commits: true, error: timedOut },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a sync interrupted part-way through", () => {
  let wf: Workflow;
  let officer: User;
  let leader: User;
  let group: GroupOut;
  let real: DynamoDBDocumentClient;
  let faulty: DynamoDBDocumentClient;
  let stub: AwsClientStub<DynamoDBDocumentClient>;

  /** Every command the handlers send reaches the engine; the failing write is armed on top. */
  function passThrough(onWrite: (input: TransactWriteCommand["input"]) => Promise<unknown>) {
    stub.reset();
    stub.on(GetCommand).callsFake((input) => real.send(new GetCommand(input)));
    stub.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
    stub.on(PutCommand).callsFake((input) => real.send(new PutCommand(input)));
    stub.on(UpdateCommand).callsFake((input) => real.send(new UpdateCommand(input)));
    stub.on(TransactGetCommand).callsFake((input) => real.send(new TransactGetCommand(input)));
    stub.on(TransactWriteCommand).callsFake(onWrite);
  }

  beforeAll(async () => {
    wf = await startWorkflow("wf-sync-faults");
    const admin = await userOf(wf.api, "ADMIN", "DB");
    officer = await userOf(wf.api, "BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(admin, "SIN-CHAI", "Sín Chải");
    group = await createGroup(officer, "SIN-CHAI", "Tổ TK&VV Sín Chải 2");
    leader = await userOf(wf.api, "GROUP_LEADER", group.scope);
    real = faultableDocumentClient();
    faulty = faultableDocumentClient();
    stub = mockClient(faulty);
  });
  afterEach(() => setDocumentClient(undefined));
  afterAll(async () => {
    stub.restore();
    await wf.api.close();
  });

  it.each(FAULTS)("$name: the phone is told, and re-sending posts each entry exactly once", async (fault) => {
    const disbursedOn = addMonthsClamped(today(), -2);
    const borrowers = await mapLimit(Array.from({ length: 10 }), 4, async (_, i) => {
      const memberId = await createMember(officer, group.groupId, vietnameseName(i + 20 * FAULTS.indexOf(fault)));
      return { memberId, loanId: await disbursedLoan(officer, memberId, POOR_20M, disbursedOn) };
    });
    const tag = `f${FAULTS.indexOf(fault)}`;
    const entries: SyncEntry[] = borrowers.flatMap((b, i) => [
      ...[-20, -15, -10].map((n, w) => ({
        clientTxId: `${tag}-m${i}-int-${w}`,
        kind: "INTEREST" as const,
        ...b,
        amountVnd: 15_000 + 1_000 * w,
        collectedAt: collectedAt(addDays(today(), n)),
      })),
      {
        clientTxId: `${tag}-m${i}-sav`,
        kind: "SAVINGS_DEPOSIT" as const,
        memberId: b.memberId,
        amountVnd: 30_000,
        collectedAt: collectedAt(addDays(today(), -10)),
      },
    ]);
    const request = syncBody(entries, "phone-leader");
    const path = `/v1/groups/${group.groupId}/sync`;
    const key = newKey();

    let writes = 0;
    passThrough(async (input) => {
      writes++;
      if (writes !== FAILING_WRITE) return real.send(new TransactWriteCommand(input));
      if (fault.commits) await real.send(new TransactWriteCommand(input));
      throw fault.error();
    });
    setDocumentClient(sdkStore(faulty));
    const first = await leader.post(path, request, key);
    expect(first.status, first.text).toBeGreaterThanOrEqual(500);
    expect(first.status).toBeLessThan(600);
    expect(first.headers.get("content-type")).toBe("application/problem+json");
    expect(first.text).not.toMatch(/TimeoutError|InternalServerError|TransactWrite|dynamo/i);

    // Once the phone has its answer, the books stop moving: nothing is posted that the phone was not told of.
    const writesAtAnswer = writes;
    await sleep(400);
    expect(writes, "writes after the failure was answered").toBe(writesAtAnswer);

    const postingsOf = async (loanId: string) =>
      (await allTransactions(officer, loanId)).filter((t) => t.kind === "PAYMENT");
    let onBooks = 0;
    for (const b of borrowers) {
      onBooks += (await postingsOf(b.loanId)).length;
      if ((await savingsBalance(officer, b.memberId)) > 0) onBooks++;
    }
    // Everything written before the failure stays, and so does the failed write if it committed.
    expect(onBooks).toBeGreaterThanOrEqual(FAILING_WRITE - 1 + (fault.commits ? 1 : 0));
    expect(onBooks).toBeLessThan(entries.length);

    // The data store is back; the phone sends the same batch with the same key.
    const retry = await ok<SyncAnswer>(leader.post(path, request, key));
    expect(retry.rejected).toBe(0);
    expect(retry.duplicates).toBe(onBooks);
    expect(retry.posted).toBe(entries.length - onBooks);
    expect(retry.results.map((r) => r.clientTxId)).toEqual(entries.map((e) => e.clientTxId));
    const again = await leader.post(path, request, key);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(retry);

    const transactionOf = new Map(retry.results.map((r) => [r.clientTxId, r.transactionId]));
    for (const b of borrowers) {
      const mine = entries.filter((e) => e.loanId === b.loanId);
      const postings = await postingsOf(b.loanId);
      expect(postings.map((t) => t.transactionId).sort()).toEqual(
        mine.map((e) => transactionOf.get(e.clientTxId)).sort(),
      );
      const terms = await getLoan(officer, b.loanId);
      const disbursement = (await allTransactions(officer, b.loanId)).filter((t) => t.kind === "DISBURSEMENT");
      const intended: TransactionOut[] = mine.map((e) => ({
        ...postings.find((t) => t.transactionId === transactionOf.get(e.clientTxId))!,
        valueDate: e.collectedAt.slice(0, 10),
        interestVnd: e.amountVnd,
        principalVnd: 0,
      }));
      expectLoanFigures(terms, rebuildLoan(terms, [...disbursement, ...intended]), `loan of ${b.memberId}`);
      expect(await savingsBalance(officer, b.memberId)).toBe(30_000);
    }
  });
});
