/**
 * Faults the local engine cannot produce on demand, injected between the handlers and the engine: a
 * throttled call, a transaction conflict, and a commit whose answer never came back. In each case the
 * client sends the same request again with the same Idempotency-Key, and the loan ends with exactly one
 * posting, the one the engine would compute.
 */
import { ThrottlingException, TransactionConflictException } from "@aws-sdk/client-dynamodb";
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
import { faultableDocumentClient, timedOut } from "../support/faults.ts";
import {
  activeLoan,
  allTransactions,
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectLoanMatches,
  expectStatus,
  getLoan,
  type MemberOut,
  monthsAgo,
  newKey,
  post,
  startE2e,
  today,
} from "./fixtures.ts";

function throttled(): Error {
  return new ThrottlingException({ message: "Rate of requests exceeds the allowed throughput.", $metadata: {} });
}

function conflict(): Error {
  return new TransactionConflictException({
    message: "Transaction is ongoing for the item",
    $metadata: {},
  });
}

/** What the SDK throws when the socket gives up: the request may or may not have been applied. */
type Fault = {
  name: string;
  /**
   * Arms the fault on the client the handlers use; `real` reaches the engine. Re-arming a command
   * replaces its pass-through, so each fault ends by passing later calls on again.
   */
  arm: (stub: AwsClientStub<DynamoDBDocumentClient>, real: DynamoDBDocumentClient) => void;
  /** The first answer's status, as a client sees it. */
  firstStatus: (status: number) => boolean;
  /** Whether the first attempt's posting reached the table although the client may not know it. */
  committedOnFirst: boolean;
  /** Whether the server retried on its own, so the first answer is already the posting. */
  firstIsPosting: boolean;
  /** TransactWrite calls the server made for the first request. */
  writes: number;
};

const FAULTS: Fault[] = [
  {
    name: "the transactional write is throttled once",
    arm: (stub, real) => {
      stub
        .on(TransactWriteCommand)
        .callsFakeOnce(() => Promise.reject(throttled()))
        .callsFake((input) => real.send(new TransactWriteCommand(input)));
    },
    firstStatus: (s) => s === 429,
    committedOnFirst: false,
    firstIsPosting: false,
    writes: 1,
  },
  {
    name: "the consistent read before the write is throttled once",
    arm: (stub, real) => {
      stub
        .on(TransactGetCommand)
        .callsFakeOnce(() => Promise.reject(throttled()))
        .callsFake((input) => real.send(new TransactGetCommand(input)));
    },
    firstStatus: (s) => s === 429,
    committedOnFirst: false,
    firstIsPosting: false,
    writes: 0,
  },
  {
    name: "the transactional write meets a TransactionConflict once",
    arm: (stub, real) => {
      stub
        .on(TransactWriteCommand)
        .callsFakeOnce(() => Promise.reject(conflict()))
        .callsFake((input) => real.send(new TransactWriteCommand(input)));
    },
    firstStatus: (s) => s === 201,
    committedOnFirst: true,
    firstIsPosting: true,
    writes: 2,
  },
  {
    name: "the write commits and then its answer is lost to a timeout",
    arm: (stub, real) => {
      stub
        .on(TransactWriteCommand)
        .callsFakeOnce(async (input) => {
          await real.send(new TransactWriteCommand(input));
          throw timedOut();
        })
        .callsFake((input) => real.send(new TransactWriteCommand(input)));
    },
    firstStatus: (s) => s >= 500 && s < 600,
    committedOnFirst: true,
    firstIsPosting: false,
    writes: 1,
  },
];

describe("injected faults between the API and the table", () => {
  let e2e: E2e;
  let officer: string;
  let member: MemberOut;
  let real: DynamoDBDocumentClient;
  let faulty: DynamoDBDocumentClient;
  let stub: AwsClientStub<DynamoDBDocumentClient>;

  /** Every command the handlers send goes to the engine unless a fault claims it first. */
  function passThrough() {
    stub.reset();
    stub.on(GetCommand).callsFake((input) => real.send(new GetCommand(input)));
    stub.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
    stub.on(PutCommand).callsFake((input) => real.send(new PutCommand(input)));
    stub.on(UpdateCommand).callsFake((input) => real.send(new UpdateCommand(input)));
    stub.on(TransactGetCommand).callsFake((input) => real.send(new TransactGetCommand(input)));
    stub.on(TransactWriteCommand).callsFake((input) => real.send(new TransactWriteCommand(input)));
  }

  beforeAll(async () => {
    e2e = await startE2e("e2e-faults");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "MUONG-BANG", "Mường Báng");
    const group = await createGroup(e2e.api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    member = await createMember(e2e.api, officer, group.groupId, "Lò Thị Mai");
    real = faultableDocumentClient();
    faulty = faultableDocumentClient();
    stub = mockClient(faulty);
  });
  afterEach(() => setDocumentClient(undefined));
  afterAll(async () => {
    stub.restore();
    await e2e.api.close();
  });

  it.each(FAULTS)("$name: the client's retry leaves exactly one posting", async (fault) => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(2));
    const before = await getLoan(api, officer, expected.loanId);
    const paidOn = today();
    const interestVnd = expected.payable(paidOn);
    const payment = { paidOn, interestVnd, principalVnd: 3_000_000, channel: "TRANSACTION_POINT" };
    const path = `/v1/loans/${expected.loanId}/payments`;
    const key = newKey();

    passThrough();
    fault.arm(stub, real);
    setDocumentClient(sdkStore(faulty));
    const first = await post(api, officer, path, payment, key);
    expect(fault.firstStatus(first.status), `first answer ${first.status} ${first.text}`).toBe(true);
    if (first.status !== 201) {
      expect(first.headers.get("content-type")).toBe("application/problem+json");
      // Nothing about the table's internals reaches the client.
      expect(first.text).not.toMatch(/Throttling|TimeoutError|TransactWrite|dynamo/i);
    }
    if (first.status === 429) expect(Number(first.headers.get("retry-after"))).toBeGreaterThan(0);
    // The handlers really went through the faulty client, and the server retried only a conflict.
    expect(stub.commandCalls(TransactGetCommand).length).toBeGreaterThan(0);
    expect(stub.commandCalls(TransactWriteCommand)).toHaveLength(fault.writes);

    const afterFirst = (await allTransactions(api, officer, expected.loanId)).filter((t) => t.kind === "PAYMENT");
    expect(afterFirst).toHaveLength(fault.committedOnFirst ? 1 : 0);
    if (!fault.committedOnFirst) expect(await getLoan(api, officer, expected.loanId)).toEqual(before);

    // The fault has passed; the client sends the same request with the same key.
    const retry = await post(api, officer, path, payment, key);
    expectStatus(retry, 201, "retry");
    const replayed = fault.committedOnFirst;
    expect(retry.headers.get("idempotent-replayed")).toBe(replayed ? "true" : null);
    if (fault.firstIsPosting) expect(retry.json).toEqual(first.json);
    const again = await post(api, officer, path, payment, key);
    expectStatus(again, 201, "second retry");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.json).toEqual(retry.json);

    const payments = (await allTransactions(api, officer, expected.loanId)).filter((t) => t.kind === "PAYMENT");
    expect(payments).toHaveLength(1);
    const posted = body<{ transactionId: string }>(retry);
    expect(payments[0]!.transactionId).toBe(posted.transactionId);
    expected.pay(posted.transactionId, paidOn, interestVnd, 3_000_000);
    expectLoanMatches(await getLoan(api, officer, expected.loanId), expected, fault.name);
  });

  it("a TransactionConflict on every attempt ends in 409, with nothing posted and the key still usable", async () => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(2));
    const before = await getLoan(api, officer, expected.loanId);
    const payment = { paidOn: today(), interestVnd: 0, principalVnd: 1_000_000, channel: "TRANSACTION_POINT" };
    const path = `/v1/loans/${expected.loanId}/payments`;
    const key = newKey();

    passThrough();
    stub.on(TransactWriteCommand).callsFake(() => Promise.reject(conflict()));
    setDocumentClient(sdkStore(faulty));
    const refused = await post(api, officer, path, payment, key);
    expectStatus(refused, 409);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(stub.commandCalls(TransactWriteCommand).length).toBeGreaterThan(1);
    setDocumentClient(undefined);
    expect(await getLoan(api, officer, expected.loanId)).toEqual(before);

    const retry = await post(api, officer, path, payment, key);
    expectStatus(retry, 201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    const payments = (await allTransactions(api, officer, expected.loanId)).filter((t) => t.kind === "PAYMENT");
    expect(payments).toHaveLength(1);
    expected.pay(body<{ transactionId: string }>(retry).transactionId, payment.paidOn, 0, 1_000_000);
    expectLoanMatches(await getLoan(api, officer, expected.loanId), expected, "after retries ran out");
  });
});
