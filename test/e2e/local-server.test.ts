import { request } from "node:http";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ephemeralKeys, mintToken } from "../../scripts/lib/dev-keys.ts";
import type { LambdaHandler } from "../../scripts/lib/local-server.ts";
import type { FunctionDef, RouteDef } from "../../shared/http/routes.ts";
import { startTestApi, type TestApi } from "../support/api.ts";
import { freshTable } from "../support/engine.ts";
import { http } from "../support/http.ts";

// A route table of its own, so these checks hold whatever routes and handlers the project has.
const routes: RouteDef[] = [
  { method: "GET", path: "/v1/health", function: "probe", open: true },
  { method: "GET", path: "/v1/groups/{groupId}/members", function: "probe" },
  { method: "POST", path: "/v1/members", function: "probe" },
  { method: "GET", path: "/v1/reports/portfolio", function: "probe" },
  { method: "GET", path: "/v1/reports/{reportId}", function: "probe" },
  { method: "GET", path: "/v1/receipts/{receiptId}", function: "shaped" },
  { method: "GET", path: "/v1/programs", function: "bare" },
  { method: "GET", path: "/v1/broken", function: "broken" },
];
const functions: FunctionDef[] = ["probe", "shaped", "bare", "broken"].map((name) => ({
  name,
  entry: `test/never-imported/${name}.ts`,
  tableActions: [],
}));

let seen: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
const lastEvent = () => seen.at(-1)!;

const handlers: Record<string, LambdaHandler> = {
  probe: async (event) => {
    seen.push(event as APIGatewayProxyEventV2WithJWTAuthorizer);
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ ok: true }) };
  },
  shaped: async () => ({
    statusCode: 200,
    headers: { "content-type": "image/png", "cache-control": "no-store" },
    cookies: ["a=1; Path=/", "b=2; Path=/"],
    body: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString("base64"),
    isBase64Encoded: true,
  }),
  bare: async () => ({ items: [], nextCursor: null }),
  broken: async () => {
    throw new Error("deliberate failure");
  },
};

const GROUP = "DB/TUA-CHUA/MUONG-BANG/G-KECAI-01";

describe("the local HTTP API", () => {
  let api: TestApi;
  beforeAll(async () => {
    const { tableName } = await freshTable("e2e");
    api = await startTestApi({ tableName, handlers, routes, functions });
  });
  afterAll(() => api.close());
  beforeEach(() => {
    seen = [];
  });

  it("serves an open route without a token, with no authorizer in the event", async () => {
    const answer = await http(`${api.url}/v1/health`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ ok: true });
    expect(answer.headers.get("apigw-requestid")).toBe(lastEvent().requestContext.requestId);
    expect(lastEvent().requestContext).not.toHaveProperty("authorizer");
  });

  it("refuses a protected route without a token: 401 problem+json", async () => {
    const answer = await http(`${api.url}/v1/groups/G-KECAI-01/members`);
    expect(answer.status).toBe(401);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer /);
    expect(answer.json).toMatchObject({ title: "Unauthorized", status: 401 });
    expect(answer.json).toHaveProperty("type");
    expect(answer.json).toHaveProperty("detail");
    expect(seen).toHaveLength(0);
  });

  it("refuses a token signed by another key, a malformed one, and an expired one", async () => {
    const otherKeys = await ephemeralKeys();
    const forged = await mintToken({ sub: "u1", role: "ADMIN", scope: "DB" }, otherKeys);
    const expired = await mintToken({ sub: "u1", role: "ADMIN", scope: "DB", expiresIn: -60 }, api.keys);
    for (const authorization of [`Bearer ${forged}`, "Bearer not-a-jwt", `Bearer ${expired}`, "Basic dXNlcjpwdw=="]) {
      const answer = await http(`${api.url}/v1/groups/G-KECAI-01/members`, { headers: { authorization } });
      expect(answer.status, authorization).toBe(401);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
    }
    const answer = await http(`${api.url}/v1/groups/G-KECAI-01/members`, {
      headers: { authorization: `Bearer ${expired}` },
    });
    expect((answer.json as { detail: string }).detail).toMatch(/expired/);
    expect(seen).toHaveLength(0);
  });

  it("answers 404 problem+json for an unknown path and 405 for a known path with another method", async () => {
    const unknown = await http(`${api.url}/v1/nowhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
    expect(unknown.json).toMatchObject({ status: 404, title: "Not Found" });

    const wrongMethod = await http(`${api.url}/v1/health`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    expect(wrongMethod.headers.get("content-type")).toBe("application/problem+json");
  });

  it("hands the handler the event API Gateway would: claims, route key, path and query parameters", async () => {
    const token = await api.token("BORROWER", GROUP, "M-0042");
    const answer = await rawGet(`${api.url}/v1/groups/G%20KECAI/members?limit=10&tag=a&tag=b&q=x%2By`, {
      authorization: `Bearer ${token}`,
      cookie: "session=abc; theme=dark",
      "X-Trace-Note": ["first", "second"],
    });
    expect(answer.status).toBe(200);

    const event = lastEvent();
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("GET /v1/groups/{groupId}/members");
    expect(event.rawPath).toBe("/v1/groups/G%20KECAI/members");
    expect(event.rawQueryString).toBe("limit=10&tag=a&tag=b&q=x%2By");
    expect(event.pathParameters).toEqual({ groupId: "G KECAI" });
    expect(event.queryStringParameters).toEqual({ limit: "10", tag: "a,b", q: "x+y" });
    expect(event.cookies).toEqual(["session=abc", "theme=dark"]);
    expect(event.headers).not.toHaveProperty("cookie");
    expect(event.headers["x-trace-note"]).toBe("first,second");
    expect(event.headers.authorization).toBe(`Bearer ${token}`);
    expect(event.isBase64Encoded).toBe(false);
    expect(event).not.toHaveProperty("body");

    const context = event.requestContext;
    expect(context).toMatchObject({
      routeKey: "GET /v1/groups/{groupId}/members",
      stage: "$default",
      http: { method: "GET", path: "/v1/groups/G%20KECAI/members", protocol: "HTTP/1.1" },
    });
    expect(context.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(context.timeEpoch - Date.now())).toBeLessThan(5_000);

    const { claims, scopes } = context.authorizer.jwt;
    expect(claims).toMatchObject({
      sub: "test-borrower-1",
      "custom:role": "BORROWER",
      "custom:scope": GROUP,
      "custom:memberId": "M-0042",
      iss: "policy-credit-local",
      aud: "policy-credit",
    });
    // API Gateway passes every claim on as a string, numbers included.
    expect(Object.values(claims).every((value) => typeof value === "string")).toBe(true);
    expect(claims.exp).toMatch(/^\d+$/);
    expect(scopes).toBeNull();
  });

  it("prefers a literal path segment over a parameter", async () => {
    const token = await api.token("BANK_OFFICER", "DB");
    const headers = { authorization: `Bearer ${token}` };
    await http(`${api.url}/v1/reports/portfolio?scope=DB`, { headers });
    expect(lastEvent().routeKey).toBe("GET /v1/reports/portfolio");
    expect(lastEvent()).not.toHaveProperty("pathParameters");
    await http(`${api.url}/v1/reports/R-1`, { headers });
    expect(lastEvent().routeKey).toBe("GET /v1/reports/{reportId}");
    expect(lastEvent().pathParameters).toEqual({ reportId: "R-1" });
  });

  it("passes JSON bodies as text and other bodies base64-encoded", async () => {
    const token = await api.token("GROUP_LEADER", GROUP);
    await http(`${api.url}/v1/members`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ fullName: "Lò Thị Mai" }),
    });
    expect(lastEvent().isBase64Encoded).toBe(false);
    expect(JSON.parse(lastEvent().body!)).toEqual({ fullName: "Lò Thị Mai" });

    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await http(`${api.url}/v1/members`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: bytes,
    });
    expect(lastEvent().isBase64Encoded).toBe(true);
    expect([...Buffer.from(lastEvent().body!, "base64")]).toEqual([...bytes]);
  });

  it("refuses a body above API Gateway's 10 MB with 413 problem+json", async () => {
    const token = await api.token("GROUP_LEADER", GROUP);
    const answer = await http(`${api.url}/v1/members`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: "x".repeat(10 * 1024 * 1024 + 1),
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect(seen).toHaveLength(0);
  });

  it("maps handler results back like API Gateway: cookies, binary bodies, bare objects and thrown errors", async () => {
    const headers = { authorization: `Bearer ${await api.token("ADMIN", "DB")}` };

    const response = await fetch(`${api.url}/v1/receipts/R-1`, { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0x89, 0x50, 0x4e, 0x47]);

    const bare = await http(`${api.url}/v1/programs`, { headers });
    expect(bare.status).toBe(200);
    expect(bare.headers.get("content-type")).toBe("application/json");
    expect(bare.json).toEqual({ items: [], nextCursor: null });

    const broken = await http(`${api.url}/v1/broken`, { headers });
    expect(broken.status).toBe(500);
    expect(broken.headers.get("content-type")).toBe("application/problem+json");
    expect(broken.json).toMatchObject({ status: 500 });
    expect(broken.text).not.toContain("deliberate failure");
  });
});

/** node:http rather than fetch, because fetch folds repeated request headers into one line. */
function rawGet(url: string, headers: Record<string, string | string[]>): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    req.on("error", fail);
    req.end();
  });
}
