/**
 * The API against its own published document. Every operation in /v1/openapi.json is called with
 * requests generated from the schemas the document gives for its path, query and body: mostly valid
 * ones, aimed part of the time at the records of a small seeded fixture so handlers go past "not
 * found", and the rest broken in one place. Whatever was sent, the answer must be documented:
 * never a 5xx, every 4xx a problem document, every 2xx a body that fits the schema for its status.
 * The schemas are read from the served document only, so a contract that drifts from the code fails.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevRole } from "../../scripts/lib/dev-keys.ts";
import {
  activeLoan,
  allTransactions,
  applyForLoan,
  body,
  createCommune,
  createGroup,
  createMember,
  type E2e,
  expectStatus,
  get,
  type MemberOut,
  monthsAgo,
  newKey,
  post,
  startE2e,
  today,
} from "../e2e/fixtures.ts";
import { http } from "../support/index.ts";
import { asText, brokenValue, optionalRecord, type Pools, type SchemaContext, validValue } from "./arbitraries.ts";
import { type JsonSchema, validate } from "./json-schema.ts";

type Parameter = { name: string; in: "path" | "query" | "header"; required?: boolean; schema: JsonSchema };
type MediaTypes = Record<string, { schema?: JsonSchema }>;
type Operation = {
  operationId: string;
  security?: unknown[];
  "x-roles"?: DevRole[];
  parameters?: Parameter[];
  requestBody?: { content: MediaTypes };
  responses: Record<string, { content?: MediaTypes }>;
};
type OpenApi = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };
type Target = { method: string; path: string; op: Operation };

type Body = { kind: "json"; value: unknown } | { kind: "raw"; text: string } | { kind: "none" };
type Case = {
  mode: "valid" | "broken path" | "broken query" | "broken body" | "raw body";
  params: Record<string, string>;
  query: Record<string, string>;
  body: Body;
  role: DevRole | undefined;
  html: boolean;
};

/** Bodies no JSON Schema describes but every client can send. */
const RAW_BODIES = [
  "",
  "{",
  '{"a":1,}',
  "null",
  "[]",
  '"text"',
  "{'single':'quotes'}",
  '{"amountVnd": 1e400}',
  '{"__proto__": {"isAdmin": true}}',
  // Parses, but re-serialising it for the idempotency fingerprint overflowed the stack: a 500 until
  // the handler refused bodies nested deeper than any contract.
  `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
  "\u0000",
  "\uFEFF{}",
  // Past the handler's 1 MB limit but well inside API Gateway's 10 MB, so the function answers.
  JSON.stringify({ purpose: "x".repeat(1_100_000) }),
];

function parametersOf(op: Operation, where: "path" | "query"): Parameter[] {
  return (op.parameters ?? []).filter((p) => p.in === where);
}

function jsonSchemaOfBody(op: Operation): JsonSchema | undefined {
  return op.requestBody?.content["application/json"]?.schema;
}

function hasHtml(op: Operation): boolean {
  return Object.entries(op.responses).some(([status, r]) => status.startsWith("2") && r.content?.["text/html"]);
}

/** Generated requests for one operation: about six in ten valid, the rest broken in one place. */
function casesFor(target: Target, ctx: SchemaContext): fc.Arbitrary<Case> {
  const { op } = target;
  const urlCtx = { ...ctx, urlBound: true };
  const pathParams = parametersOf(op, "path");
  const queryParams = parametersOf(op, "query");
  const bodySchema = jsonSchemaOfBody(op);

  const validParams = fc.record(
    Object.fromEntries(pathParams.map((p) => [p.name, validValue(p.schema, urlCtx, p.name).map(asText)])),
  ) as fc.Arbitrary<Record<string, string>>;
  const brokenParams = pathParams.length
    ? fc
        .tuple(validParams, fc.constantFrom(...pathParams))
        .chain(([good, p]) => brokenValue(p.schema, urlCtx).map((bad) => ({ ...good, [p.name]: asText(bad) })))
    : validParams;

  const validQuery = optionalRecord(
    Object.fromEntries(queryParams.map((p) => [p.name, validValue(p.schema, urlCtx, p.name).map(asText)])),
    queryParams.filter((p) => p.required).map((p) => p.name),
  );
  const brokenQuery = fc.oneof(
    fc
      .tuple(validQuery, fc.constantFrom("unknown", "LIMIT", "page", "offset"), fc.string({ maxLength: 8 }))
      .map(([good, name, value]) => ({ ...good, [name]: value })),
    ...queryParams.map((p) =>
      fc.tuple(validQuery, brokenValue(p.schema, urlCtx)).map(([good, bad]) => ({ ...good, [p.name]: asText(bad) })),
    ),
  );

  const validBody: fc.Arbitrary<Body> = bodySchema
    ? validValue(bodySchema, ctx).map((value) => ({ kind: "json", value }))
    : fc.constant({ kind: "none" });
  const brokenBody: fc.Arbitrary<Body> = bodySchema
    ? brokenValue(bodySchema, ctx).map((value) => ({ kind: "json", value }))
    : validBody;
  const rawBody: fc.Arbitrary<Body> = fc.constantFrom(...RAW_BODIES).map((text) => ({ kind: "raw", text }));

  const roles = op["x-roles"];
  const role: fc.Arbitrary<DevRole | undefined> = roles?.length ? fc.constantFrom(...roles) : fc.constant(undefined);
  const html = hasHtml(op) ? fc.boolean() : fc.constant(false);
  const make = (
    mode: Case["mode"],
    params: fc.Arbitrary<Record<string, string>>,
    query: fc.Arbitrary<Record<string, string>>,
    requestBody: fc.Arbitrary<Body>,
  ): fc.Arbitrary<Case> => fc.record({ mode: fc.constant(mode), params, query, body: requestBody, role, html });

  const variants: { weight: number; arbitrary: fc.Arbitrary<Case> }[] = [
    { weight: 6, arbitrary: make("valid", validParams, validQuery, validBody) },
  ];
  if (pathParams.length) {
    variants.push({ weight: 1, arbitrary: make("broken path", brokenParams, validQuery, validBody) });
  }
  if (queryParams.length) {
    variants.push({ weight: 1, arbitrary: make("broken query", validParams, brokenQuery, validBody) });
  }
  if (bodySchema) {
    variants.push(
      { weight: 2, arbitrary: make("broken body", validParams, validQuery, brokenBody) },
      { weight: 1, arbitrary: make("raw body", validParams, validQuery, rawBody) },
    );
  }
  return fc.oneof(...variants);
}

/** Enough cases to cover each operation's inputs without letting the simple reads dominate the run. */
function runsFor(target: Target): number {
  if (target.op.security?.length === 0) return 8;
  if (jsonSchemaOfBody(target.op)) return 45;
  return 20 + 4 * parametersOf(target.op, "query").length;
}

type Finding = { kind: "server error" | "schema break"; where: string; request: string; answer: string };

describe("the API honours its own OpenAPI document whatever a client sends", () => {
  let e2e: E2e;
  let doc: OpenApi;
  let ctx: SchemaContext;
  const tokens = new Map<DevRole, string>();
  let seeded: { loanId: string; memberId: string };

  beforeAll(async () => {
    e2e = await startE2e("fuzz");
    const { api } = e2e;
    const admin = await api.token("ADMIN", "DB");
    const officer = await api.token("BANK_OFFICER", "DB/TUA-CHUA");
    const commune = await createCommune(api, admin, "MUONG-BANG", "Mường Báng");
    const group = await createGroup(api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
    const members: MemberOut[] = [];
    for (const name of ["Lò Thị Mai", "Quàng A Dính", "Vàng Thị Dua"]) {
      members.push(await createMember(api, officer, group.groupId, name));
    }
    const loan = await activeLoan(api, officer, members[0]!, monthsAgo(4));
    const paidOn = today();
    const paid = await post(api, officer, `/v1/loans/${loan.loanId}/payments`, {
      paidOn,
      interestVnd: loan.payable(paidOn),
      principalVnd: 1_000_000,
      channel: "TRANSACTION_POINT",
    });
    expectStatus(paid, 201, "payment");
    const { transactionId, receiptId } = body<{ transactionId: string; receiptId: string }>(paid);
    const pendingLoanId = await applyForLoan(api, officer, members[1]!.memberId);
    const transactions = await allTransactions(api, officer, loan.loanId);
    const programs = await get(api, officer, "/v1/programs");
    expectStatus(programs, 200, "programs");
    const programCodes = body<{ items: { code: string }[] }>(programs).items.map((p) => p.code);

    // Cursors are opaque and signed, so the schema cannot produce one; real ones from two lists let the
    // fuzzer replay a cursor on its own list and on the wrong one.
    const cursors: string[] = [];
    for (const path of [
      `/v1/groups/${group.groupId}/members?limit=1`,
      `/v1/loans/${loan.loanId}/transactions?limit=1`,
    ]) {
      const page = await get(api, officer, path);
      expectStatus(page, 200, path);
      const next = body<{ nextCursor: string | null }>(page).nextCursor;
      if (next) cursors.push(next);
    }

    const served = await http(`${api.url}/v1/openapi.json`);
    expectStatus(served, 200, "openapi.json");
    doc = served.json as OpenApi;

    tokens.set("ADMIN", admin);
    tokens.set("BANK_OFFICER", officer);
    tokens.set("COMMUNE_OFFICER", await api.token("COMMUNE_OFFICER", commune.path));
    tokens.set("ORG_OFFICER", await api.token("ORG_OFFICER", commune.path));
    tokens.set("GROUP_LEADER", await api.token("GROUP_LEADER", group.scope));
    tokens.set("BORROWER", await api.token("BORROWER", group.scope, members[0]!.memberId));
    seeded = { loanId: loan.loanId, memberId: members[0]!.memberId };

    const pools: Pools = {
      groupId: [group.groupId],
      memberId: members.map((m) => m.memberId),
      loanId: [loan.loanId, pendingLoanId],
      transactionId: [transactionId, ...transactions.map((t) => t.transactionId)],
      receiptId: [receiptId],
      code: programCodes,
      programCode: programCodes,
      communeCode: ["MUONG-BANG"],
      districtCode: ["TUA-CHUA"],
      provinceCode: ["DB"],
      scope: ["DB", "DB/TUA-CHUA", commune.path, group.scope],
      cursor: cursors,
    };
    ctx = { root: doc, pools, today: today() };
  });
  afterAll(() => e2e.api.close());

  it("the validator refuses a loan that breaks its documented schema, so a clean run means something", async () => {
    const loanSchema = doc.paths["/v1/loans/{loanId}"]!.get!.responses["200"]!.content!["application/json"]!.schema!;
    const answer = await get(e2e.api, tokens.get("BANK_OFFICER")!, `/v1/loans/${seeded.loanId}`);
    expectStatus(answer, 200);
    const loan = body(answer);
    expect(validate(loanSchema, loan, doc)).toEqual([]);
    expect(validate(loanSchema, { ...loan, accruedInterestVnd: null }, doc)).not.toEqual([]);
    expect(validate(loanSchema, { ...loan, principalVnd: 1.5 }, doc)).not.toEqual([]);
    expect(validate(loanSchema, { ...loan, status: "LOST" }, doc)).not.toEqual([]);
    expect(validate(loanSchema, { ...loan, internal: "x" }, doc)).not.toEqual([]);
    const { memberId: _, ...missing } = loan;
    expect(validate(loanSchema, missing, doc)).not.toEqual([]);
  });

  it("answers every generated request with a documented response", { timeout: 120_000 }, async () => {
    const { api } = e2e;
    const problemSchema = { $ref: "#/components/schemas/Problem" };
    const targets: Target[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    const findings: Finding[] = [];
    const statuses = new Map<string, Record<string, number>>();
    let cases = 0;
    const started = performance.now();

    for (const target of targets) {
      const label = `${target.method} ${target.path}`;
      const tally: Record<string, number> = {};
      statuses.set(label, tally);
      await fc.assert(
        fc.asyncProperty(casesFor(target, ctx), async (c) => {
          cases += 1;
          const url = new URL(
            api.url + target.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(c.params[name] ?? "")),
          );
          for (const [name, value] of Object.entries(c.query)) url.searchParams.set(name, value);
          const headers: Record<string, string> = {};
          if (c.role) headers.authorization = `Bearer ${tokens.get(c.role)}`;
          if (target.method === "POST") headers["idempotency-key"] = newKey();
          if (c.html) headers.accept = "text/html";
          let payload: string | undefined;
          if (c.body.kind !== "none") {
            headers["content-type"] = "application/json";
            payload = c.body.kind === "json" ? JSON.stringify(c.body.value) : c.body.text;
          }
          const answer = await http(url.toString(), {
            method: target.method,
            headers,
            ...(payload !== undefined ? { body: payload } : {}),
          });
          tally[answer.status] = (tally[answer.status] ?? 0) + 1;

          const request = `${c.mode} as ${c.role ?? "anonymous"}: ${target.method} ${url.pathname}${url.search} ${payload?.slice(0, 300) ?? ""}`;
          const report = (kind: Finding["kind"], why: string) =>
            findings.push({
              kind,
              where: label,
              request,
              answer: `${answer.status} ${why} ${answer.text.slice(0, 300)}`,
            });
          const contentType = answer.headers.get("content-type") ?? "";
          const mediaType = contentType.split(";")[0]!.trim();

          if (answer.status >= 500) {
            report("server error", "");
          } else if (answer.status >= 400) {
            if (!target.op.responses[String(answer.status)]) report("schema break", "status not documented");
            const problem = answer.json as Record<string, unknown> | undefined;
            if (mediaType !== "application/problem+json") report("schema break", `content-type ${contentType}`);
            else if (
              typeof problem?.type !== "string" ||
              typeof problem.title !== "string" ||
              problem.status !== answer.status ||
              typeof problem.detail !== "string"
            ) {
              report("schema break", "problem lacks type/title/status/detail");
            } else {
              const errors = validate(problemSchema, problem, doc);
              if (errors.length) report("schema break", JSON.stringify(errors.slice(0, 3)));
            }
          } else {
            const documented = target.op.responses[String(answer.status)];
            const media = documented?.content?.[mediaType];
            if (!documented) report("schema break", "status not documented");
            else if (!media) {
              if (answer.text !== "" || documented.content) report("schema break", `media type ${contentType}`);
            } else if (mediaType === "application/json") {
              const errors = validate(media.schema ?? true, answer.json, doc);
              if (errors.length) report("schema break", JSON.stringify(errors.slice(0, 5)));
            } else if (answer.text.length === 0) {
              report("schema break", "empty page");
            }
          }
        }),
        { numRuns: runsFor(target), seed },
      );
    }

    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const serverErrors = findings.filter((f) => f.kind === "server error");
    const schemaBreaks = findings.filter((f) => f.kind === "schema break");
    console.log(
      `fuzz: ${cases} cases over ${targets.length} operations, ${serverErrors.length} server errors, ${schemaBreaks.length} schema breaks`,
    );
    console.log(`fuzz: seed ${seed} (FUZZ_SEED=${seed} draws the same cases), ${seconds}s`);
    for (const [label, tally] of statuses) console.log(`fuzz: ${label} ${JSON.stringify(tally)}`);
    // One example per place and kind is enough to reproduce; the rest only repeat it.
    const distinct = new Map(findings.map((f) => [`${f.kind} ${f.where} ${f.answer.slice(0, 80)}`, f]));
    for (const f of distinct.values()) console.log(`fuzz: ${f.kind} at ${f.where}\n  ${f.request}\n  -> ${f.answer}`);

    expect(cases).toBeGreaterThanOrEqual(500);
    expect(findings.map((f) => `${f.kind} at ${f.where}: ${f.answer.slice(0, 200)}`)).toEqual([]);
  });
});
