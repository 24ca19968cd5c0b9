/**
 * A payment through the local API against the engine doing the same two round trips directly: the
 * difference is what the HTTP layer, authorization, validation and planning cost per payment.
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  TransactGetItemsCommand,
  type TransactGetItemsCommandInput,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from "@aws-sdk/client-dynamodb";
import { addDays } from "../../shared/domain/dates.ts";
import { businessDateInVietnam } from "../../shared/time.ts";
import type { Engine } from "../lib/engine.ts";
import { type BenchApi, memberBody, startBenchApi } from "./api.ts";
import { type Line, median, quantile, ratioOf } from "./report.ts";

const SECTION = "payment";
const WARMUP = 20;
const BLOCK = 25;
/** Latency targets, as multiples of the engine's own time for the same reads and writes. */
const MEDIAN_TARGET = 3;
const P95_TARGET = 4;
const ROUND_TRIPS_TARGET = 2;

type TransactItem = NonNullable<TransactWriteItemsCommandInput["TransactItems"]>[number];
type Key = Record<string, AttributeValue>;

export async function benchPayment(engine: Engine, options: { payments: number }): Promise<Line[]> {
  const api = await startBenchApi(engine, "bench-payment");
  try {
    const officer = await api.token("BANK_OFFICER", "DB");
    const today = businessDateInVietnam();
    const loanId = await activeLoan(api, officer, addDays(today, -90));

    let n = 0;
    const pay = async () => {
      const before = api.meter.attempts;
      const answer = await api.call(
        officer,
        "POST",
        `/v1/loans/${loanId}/payments`,
        {
          paidOn: today,
          interestVnd: 1_000,
          principalVnd: 0,
          channel: "TRANSACTION_POINT",
        },
        `bench-pay-${++n}-${Date.now()}`,
      );
      api.expect(answer, 201, `payment ${n}`);
      return { ms: answer.ms, roundTrips: api.meter.attempts - before };
    };

    for (let i = 0; i < WARMUP; i++) await pay();
    // The shape to replay: what the handler itself sent for its last warm payment.
    const read = api.meter.lastInput.get("TransactGetItemsCommand") as TransactGetItemsCommandInput | undefined;
    const write = api.meter.lastInput.get("TransactWriteItemsCommand") as TransactWriteItemsCommandInput | undefined;
    if (!read?.TransactItems || !write?.TransactItems) throw new Error("the payment sent no transaction to replay");
    const replay = rawReplay(api.raw, read, write);
    for (let i = 0; i < 5; i++) await replay();

    const apiMs: number[] = [];
    const rawMs: number[] = [];
    const roundTrips: number[] = [];
    // Alternating blocks keep the engine's growth and the machine's background load out of the ratio.
    while (apiMs.length < options.payments) {
      for (let i = 0; i < BLOCK && apiMs.length < options.payments; i++) {
        const { ms, roundTrips: trips } = await pay();
        apiMs.push(ms);
        roundTrips.push(trips);
      }
      for (let i = 0; i < BLOCK && rawMs.length < options.payments; i++) rawMs.push(await replay());
    }

    const kinds = new Map<string, number>();
    for (const item of write.TransactItems) {
      const kind = Object.keys(item)[0] ?? "?";
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const writeShape = `${write.TransactItems.length}: ${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(", ")}`;
    const apiMedian = median(apiMs);
    const rawMedian = median(rawMs);
    const apiP95 = quantile(apiMs, 0.95);
    const rawP95 = quantile(rawMs, 0.95);
    const tripsMedian = median(roundTrips);
    const tripsMean = roundTrips.reduce((a, b) => a + b, 0) / roundTrips.length;
    const tripsMax = Math.max(...roundTrips);
    const medianRatio = ratioOf(apiMedian, rawMedian);
    const p95Ratio = ratioOf(apiP95, rawP95);
    return [
      {
        section: SECTION,
        name: `payment latency median (${options.payments} POSTs)`,
        value: apiMedian,
        unit: "ms",
        baseline: rawMedian,
        ratio: medianRatio,
        target: `≤ ${MEDIAN_TARGET}×`,
        pass: medianRatio !== null && medianRatio <= MEDIAN_TARGET,
        note:
          `baseline: TransactGet(${read.TransactItems.length}) + TransactWrite(${writeShape}) replayed from the handler's ` +
          "own inputs on a separate SDK client, in alternating blocks of 25",
      },
      {
        section: SECTION,
        name: "payment latency p95",
        value: apiP95,
        unit: "ms",
        baseline: rawP95,
        ratio: p95Ratio,
        target: `≤ ${P95_TARGET}×`,
        pass: p95Ratio !== null && p95Ratio <= P95_TARGET,
      },
      {
        section: SECTION,
        name: "payment round trips (median per payment)",
        value: tripsMedian,
        unit: "",
        baseline: 2,
        ratio: ratioOf(tripsMedian, 2),
        target: `≤ ${ROUND_TRIPS_TARGET}`,
        pass: tripsMedian <= ROUND_TRIPS_TARGET,
        note: `mean ${tripsMean.toFixed(3)}, max ${tripsMax} (HTTP requests to the table per payment, counted in the handlers' client)`,
      },
    ];
  } finally {
    await api.close();
  }
}

async function activeLoan(api: BenchApi, officer: string, disbursedOn: string): Promise<string> {
  // Commune codes are unique across the country, so each run takes a new one.
  const communeCode = `PAY-${Date.now().toString(36).toUpperCase()}`;
  api.expect(
    await api.call(officer, "POST", "/v1/communes", {
      code: communeCode,
      name: "Xã Bench",
      districtCode: "BENCH-PAY",
      provinceCode: "DB",
    }),
    201,
    "commune",
  );
  const group = api.expect(
    await api.call(officer, "POST", "/v1/groups", {
      communeCode,
      villageName: "Bản Bench",
      name: "Tổ TK&VV Bench",
      entrustedOrg: "WOMEN_UNION",
    }),
    201,
    "group",
  );
  const member = api.expect(
    await api.call(officer, "POST", "/v1/members", memberBody(group.groupId as string, 1)),
    201,
    "member",
  );
  const loan = api.expect(
    await api.call(officer, "POST", "/v1/loans", {
      memberId: member.memberId,
      programCode: "POOR",
      principalVnd: 50_000_000,
      disbursementPlan: { termMonths: 36, principalInstallmentMonths: 6 },
      purpose: "Nuôi bò sinh sản",
    }),
    201,
    "loan",
  );
  const loanId = loan.loanId as string;
  api.expect(await api.call(officer, "POST", `/v1/loans/${loanId}/approve`, {}), 200, "approve");
  api.expect(await api.call(officer, "POST", `/v1/loans/${loanId}/disburse`, { disbursedOn }), 200, "disburse");
  return loanId;
}

/**
 * The handler's own read and write, sent again on a plain client: new keys for the items it creates
 * (so every condition passes as it did for the handler), the loan rewritten from what was just read
 * under the same version guard, the aggregate ADDs as they were.
 */
function rawReplay(
  raw: DynamoDBClient,
  read: TransactGetItemsCommandInput,
  write: TransactWriteItemsCommandInput,
): () => Promise<number> {
  let n = 0;
  return async () => {
    const tag = `#bench-replay-${++n}`;
    const started = performance.now();
    const got = await raw.send(
      new TransactGetItemsCommand({
        TransactItems: (read.TransactItems ?? []).map((t) => {
          const key = t.Get!.Key as Key;
          return pkOf(key).startsWith("IDEM#") ? { Get: { ...t.Get!, Key: renamed(key, tag) } } : t;
        }),
      }),
    );
    const loan = (got.Responses ?? []).map((r) => r?.Item).find((item) => item && pkOf(item).startsWith("LOAN#"));
    if (!loan?.version?.N) throw new Error("the replayed read found no loan");
    const version = Number(loan.version.N);
    await raw.send(
      new TransactWriteItemsCommand({
        TransactItems: (write.TransactItems ?? []).map((t) => replayItem(t, tag, loan, version)),
      }),
    );
    return performance.now() - started;
  };
}

function replayItem(item: TransactItem, tag: string, loan: Key, version: number): TransactItem {
  const put = item.Put;
  if (!put) return item;
  if (put.ConditionExpression?.includes("attribute_not_exists")) {
    return { Put: { ...put, Item: renamed(put.Item as Key, tag) } };
  }
  const names = put.ExpressionAttributeNames ?? {};
  const placeholder = Object.entries(names).find(([, name]) => name === "version")?.[0];
  const valueName = placeholder
    ? new RegExp(`${placeholder} = (:\\w+)`).exec(put.ConditionExpression ?? "")?.[1]
    : undefined;
  if (!valueName) throw new Error(`cannot replay a put guarded by: ${put.ConditionExpression}`);
  return {
    Put: {
      ...put,
      Item: { ...loan, version: { N: String(version + 1) } },
      ExpressionAttributeValues: { ...put.ExpressionAttributeValues, [valueName]: { N: String(version) } },
    },
  };
}

function pkOf(item: Key): string {
  return item.PK?.S ?? "";
}

function renamed(item: Key, tag: string): Key {
  return { ...item, SK: { S: `${item.SK?.S ?? ""}${tag}` } };
}
