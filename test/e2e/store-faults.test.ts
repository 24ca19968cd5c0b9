/**
 * Faults on the wire between the shipped store and the engine: the store's own HTTP transport is
 * wrapped, so the request signing, the retries and the error parsing the functions deploy are the ones
 * under test. A payment must end with exactly one posting whatever the network does to it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodeTransport, type Transport, type TransportResponse } from "../../shared/aws/client.ts";
import { setDocumentClient } from "../../shared/db/client.ts";
import { HttpStore } from "../../shared/db/http-store.ts";
import { testEndpoint } from "../support/engine.ts";
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

const engine = nodeTransport();

function throttledAnswer(): TransportResponse {
  return {
    status: 400,
    headers: { "content-type": "application/x-amz-json-1.0" },
    body: JSON.stringify({
      __type: "com.amazonaws.dynamodb.v20120810#ThrottlingException",
      message: "Rate of requests exceeds the allowed throughput.",
    }),
  };
}

type Wire = {
  /** What happens to the nth TransactWriteItems request (from 1); undefined passes it to the engine. */
  write: (n: number, request: Parameters<Transport>[0]) => Promise<TransportResponse> | undefined;
};

describe("faults on the wire under the shipped store", () => {
  let e2e: E2e;
  let officer: string;
  let member: MemberOut;
  let writes: number;
  /** The ClientRequestToken of each TransactWriteItems attempt. */
  let tokens: string[];

  function storeWith(wire: Wire): HttpStore {
    writes = 0;
    tokens = [];
    return new HttpStore({
      endpoint: testEndpoint(),
      region: "ap-southeast-1",
      credentials: () => ({ accessKeyId: "local", secretAccessKey: "local" }),
      sleep: async () => {},
      transport: (request) => {
        if (request.headers["x-amz-target"] !== "DynamoDB_20120810.TransactWriteItems") return engine(request);
        writes++;
        tokens.push((JSON.parse(request.body) as { ClientRequestToken: string }).ClientRequestToken);
        return wire.write(writes, request) ?? engine(request);
      },
    });
  }

  beforeAll(async () => {
    e2e = await startE2e("e2e-store-faults");
    const admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
    await createCommune(e2e.api, admin, "XA-NHE", "Xá Nhè");
    const group = await createGroup(e2e.api, officer, "XA-NHE", "Tổ TK&VV Xá Nhè 1");
    member = await createMember(e2e.api, officer, group.groupId, "Sùng Thị Dế");
  });
  afterEach(() => setDocumentClient(undefined));
  afterAll(async () => {
    await e2e.api.close();
  });

  const CASES: { name: string; wire: Wire; writes: number }[] = [
    {
      name: "a throttled write is retried by the store and posts once",
      wire: { write: (n) => (n === 1 ? Promise.resolve(throttledAnswer()) : undefined) },
      writes: 2,
    },
    {
      name: "a connection reset before the write is retried and posts once",
      wire: {
        write: (n) =>
          n === 1 ? Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })) : undefined,
      },
      writes: 2,
    },
    {
      name: "a write that commits and loses its answer is confirmed by its retry, not posted twice",
      wire: {
        write: (n, request) =>
          n === 1
            ? engine(request).then(() => {
                const lost = new Error("No answer within 3000 ms");
                lost.name = "TimeoutError";
                throw lost;
              })
            : undefined,
      },
      // The retry carries the first attempt's ClientRequestToken, so the table answers it as the commit.
      writes: 2,
    },
  ];

  it.each(CASES)("$name", async ({ wire, writes: expectedWrites }) => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(2));
    const paidOn = today();
    const interestVnd = expected.payable(paidOn);
    const payment = { paidOn, interestVnd, principalVnd: 2_000_000, channel: "TRANSACTION_POINT" };
    const key = newKey();

    setDocumentClient(storeWith(wire));
    const first = await post(api, officer, `/v1/loans/${expected.loanId}/payments`, payment, key);
    setDocumentClient(undefined);
    expectStatus(first, 201, "first answer");
    expect(writes).toBe(expectedWrites);
    // Every attempt of one call is the same transaction to the table.
    expect(new Set(tokens).size).toBe(1);
    expect(first.headers.get("idempotent-replayed")).toBeNull();

    const again = await post(api, officer, `/v1/loans/${expected.loanId}/payments`, payment, key);
    expectStatus(again, 201, "retry");
    expect(again.json).toEqual(first.json);
    const payments = (await allTransactions(api, officer, expected.loanId)).filter((t) => t.kind === "PAYMENT");
    expect(payments).toHaveLength(1);
    expected.pay(body<{ transactionId: string }>(first).transactionId, paidOn, interestVnd, 2_000_000);
    expectLoanMatches(await getLoan(api, officer, expected.loanId), expected, "after the fault");
  });

  it("throttling on every attempt answers 429 with Retry-After, posts nothing, and the key stays usable", async () => {
    const { api } = e2e;
    const expected = await activeLoan(api, officer, member, monthsAgo(1));
    const before = await getLoan(api, officer, expected.loanId);
    const payment = { paidOn: today(), interestVnd: 0, principalVnd: 1_000_000, channel: "TRANSACTION_POINT" };
    const key = newKey();

    setDocumentClient(storeWith({ write: () => Promise.resolve(throttledAnswer()) }));
    const refused = await post(api, officer, `/v1/loans/${expected.loanId}/payments`, payment, key);
    setDocumentClient(undefined);
    expectStatus(refused, 429, "throttled");
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.text).not.toMatch(/Throttling|TransactWrite|dynamo/i);
    // The store's own three attempts, then the handler gives up.
    expect(writes).toBe(3);
    expect(await getLoan(api, officer, expected.loanId)).toEqual(before);

    const retry = await post(api, officer, `/v1/loans/${expected.loanId}/payments`, payment, key);
    expectStatus(retry, 201, "after the throttling passed");
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    const payments = (await allTransactions(api, officer, expected.loanId)).filter((t) => t.kind === "PAYMENT");
    expect(payments).toHaveLength(1);
  });
});
