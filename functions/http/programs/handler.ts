import { feeRateKey, feeRateView, readFeeRates } from "../../../shared/db/fees.ts";
import { queryAll } from "../../../shared/db/items.ts";
import { keys } from "../../../shared/db/keys.ts";
import { programFrom } from "../../../shared/db/loans.ts";
import { idempotentTransaction, writeResult } from "../../../shared/db/write.ts";
import { addRateChange, PROGRAM_CODES, type Program } from "../../../shared/domain/programs.ts";
import { httpFunction } from "../../../shared/http/handler.ts";
import { problems } from "../../../shared/http/problem.ts";
import { implement } from "../../../shared/http/route.ts";
import { businessDateInVietnam } from "../../../shared/time.ts";
import * as c from "./contract.ts";

const listPrograms = implement(c.listPrograms, async () => {
  const stored = new Map<string, Program>();
  for await (const page of queryAll({ index: "GSI1", partition: "PROGRAMS" })) {
    for (const item of page.items) stored.set(item.code as string, item.program as Program);
  }
  const items = PROGRAM_CODES.map((code) => stored.get(code) ?? programFrom(code, undefined));
  return { status: 200, body: { items } };
});

/**
 * A rate change is stored as the whole program, guarded by version. It may start today at the
 * earliest: nights already accrued are never repriced.
 */
const addRate = implement(c.addRate, async ({ params, body, caller, idempotency }) => {
  const today = businessDateInVietnam();
  if (body.effectiveFrom < today) {
    throw problems.unprocessable(
      "RATE_IN_PAST",
      `A rate may start today (${today}) or later; interest before it is already accrued.`,
    );
  }
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [keys.program(params.code)],
    plan: ([stored]) => {
      const program = addRateChange(programFrom(params.code, stored), body);
      const item = {
        ...keys.program(params.code),
        type: "PROGRAM",
        code: params.code,
        program,
        version: ((stored?.version as number | undefined) ?? 0) + 1,
        updatedBy: caller.sub,
        updatedAt: new Date().toISOString(),
        GSI1PK: "PROGRAMS",
        GSI1SK: params.code,
      };
      const condition = stored
        ? {
            ConditionExpression: "#v = :v",
            ExpressionAttributeNames: { "#v": "version" },
            ExpressionAttributeValues: { ":v": stored.version },
          }
        : { ConditionExpression: "attribute_not_exists(PK)" };
      return { writes: [{ Put: { Item: item, ...condition } }], response: { status: 201, body: program } };
    },
  });
  return writeResult(outcome);
});

const listFeeRates = implement(c.listFeeRates, async () => ({ status: 200, body: { items: await readFeeRates() } }));

const setFeeRate = implement(c.setFeeRate, async ({ body, caller, idempotency }) => {
  const key = feeRateKey(body.kind, body.effectiveFrom, body.programCode ?? null);
  const outcome = await idempotentTransaction({
    idempotency: { sub: caller.sub, ...idempotency! },
    read: [key],
    plan: ([existing]) => {
      if (existing) {
        throw problems.conflict(
          "RATE_EXISTS",
          `A ${body.kind} rate from ${body.effectiveFrom} is already set; rates are never overwritten.`,
        );
      }
      const item = {
        ...key,
        type: "FEE_RATE",
        kind: body.kind,
        effectiveFrom: body.effectiveFrom,
        programCode: body.programCode ?? null,
        rateBps: body.rateBps,
        setBy: caller.sub,
        setAt: new Date().toISOString(),
      };
      return {
        writes: [{ Put: { Item: item, ConditionExpression: "attribute_not_exists(PK)" } }],
        response: { status: 201, body: feeRateView(item) },
      };
    },
  });
  return writeResult(outcome);
});

export const handler = httpFunction([listPrograms, addRate, listFeeRates, setFeeRate]);
