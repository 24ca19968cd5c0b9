/**
 * A local twin of the HTTP API: routes from the one route list, the JWT authorizer, and Lambda proxy
 * integration with payload format 2.0. Handlers receive the event API Gateway would send them and
 * their answers are mapped back the way API Gateway maps them, so what works here works deployed.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { type JWTPayload, errors as joseErrors } from "jose";
import { type FunctionDef, HTTP_FUNCTIONS, ROUTES, type RouteDef, routeKey } from "../../shared/http/routes.ts";
import { type DevKeys, verifyToken } from "./dev-keys.ts";

/** API Gateway refuses request bodies above 10 MB. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout for HTTP APIs. */
const API_TIMEOUT_SECONDS = 30;
const LOCAL_ACCOUNT = "000000000000";
const LOCAL_REGION = "ap-southeast-1";
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => unknown;

export type LocalServerOptions = {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Public key that signs valid tokens (from dev-keys). */
  keys: DevKeys;
  /** Handlers by function name; functions not given here are imported from their `entry` on first use. */
  handlers?: Record<string, LambdaHandler>;
  /** Default: ROUTES from shared/http/routes.ts. */
  routes?: readonly RouteDef[];
  /** Default: HTTP_FUNCTIONS from shared/http/routes.ts. */
  functions?: readonly FunctionDef[];
  /** Copied into process.env before serving: Lambda code reads its configuration from there. */
  env?: Record<string, string>;
  /** Receives one line per request; omit for silence. */
  log?: (line: string) => void;
};

export type LocalServer = {
  /** e.g. `http://127.0.0.1:3000`, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
};

type Problem = { type: string; title: string; status: number; detail: string };
type Reply = { status: number; headers: [string, string][]; body: Buffer };

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  if (options.env) Object.assign(process.env, options.env);
  const routes = options.routes ?? ROUTES;
  const functions = new Map((options.functions ?? HTTP_FUNCTIONS).map((f) => [f.name, f]));
  const loaded = new Map<string, Promise<LambdaHandler>>();

  const loadHandler = (name: string): Promise<LambdaHandler> => {
    const injected = options.handlers?.[name];
    if (injected) return Promise.resolve(injected);
    let pending = loaded.get(name);
    if (!pending) {
      pending = importHandler(functions.get(name), name);
      // A failed import is retried on the next request instead of being remembered forever.
      pending.catch(() => loaded.delete(name));
      loaded.set(name, pending);
    }
    return pending;
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    handle(req, { ...options, routes, functions, loadHandler })
      .catch((error: unknown) => {
        console.error("[local-api] request failed", error);
        return problemReply(500, "internal", "Internal Server Error", "The local API failed to serve the request.");
      })
      .then((reply) => {
        if (!res.headersSent) send(res, reply);
        options.log?.(`${req.method} ${req.url} -> ${reply.status} ${Date.now() - started}ms`);
      });
  });

  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port, options.host ?? "127.0.0.1", () => {
      server.off("error", fail);
      done();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}

type ServeState = Omit<LocalServerOptions, "routes" | "functions"> & {
  routes: readonly RouteDef[];
  functions: Map<string, FunctionDef>;
  loadHandler: (name: string) => Promise<LambdaHandler>;
};

async function handle(req: IncomingMessage, ctx: ServeState): Promise<Reply> {
  const requestId = randomUUID();
  const method = (req.method ?? "GET").toUpperCase();
  const target = req.url ?? "/";
  const queryAt = target.indexOf("?");
  const rawPath = queryAt === -1 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? "" : target.slice(queryAt + 1);

  const match = matchRoute(ctx.routes, method, rawPath);
  if (match.kind === "none") {
    return problemReply(404, "not-found", "Not Found", `No route matches ${method} ${rawPath}.`);
  }
  if (match.kind === "method") {
    const reply = problemReply(
      405,
      "method-not-allowed",
      "Method Not Allowed",
      `${rawPath} does not answer ${method}; it answers ${match.allowed.join(", ")}.`,
    );
    reply.headers.push(["allow", match.allowed.join(", ")]);
    return reply;
  }
  const { route, pathParameters } = match;

  let claims: JWTPayload | undefined;
  if (!route.open) {
    const verdict = await authorize(req.headers.authorization, ctx.keys);
    if ("problem" in verdict) return verdict.problem;
    claims = verdict.claims;
  }

  const body = await readBody(req);
  if (body === "too-large") {
    return problemReply(
      413,
      "content-too-large",
      "Content Too Large",
      `The request body exceeds API Gateway's limit of ${MAX_BODY_BYTES} bytes.`,
    );
  }

  const event = buildEvent({
    req,
    method,
    rawPath,
    rawQueryString,
    route,
    pathParameters,
    claims,
    body,
    requestId,
  });

  const def = ctx.functions.get(route.function);
  const handler = await ctx.loadHandler(route.function);
  const timeoutSeconds = Math.min(def?.timeoutSeconds ?? API_TIMEOUT_SECONDS, API_TIMEOUT_SECONDS);
  const context = lambdaContext(def?.name ?? route.function, def?.memoryMb, timeoutSeconds);
  let result: unknown;
  try {
    result = await withTimeout(
      Promise.resolve().then(() => handler(event, context)),
      timeoutSeconds * 1000,
    );
  } catch (error) {
    if (error instanceof HandlerTimeout) {
      console.error(`[local-api] ${route.function} timed out after ${timeoutSeconds}s on ${routeKey(route)}`);
      // Lambda's own timeout surfaces as a 500; API Gateway's integration timeout as a 503.
      return timeoutSeconds < API_TIMEOUT_SECONDS
        ? problemReply(500, "internal", "Internal Server Error", `The function timed out after ${timeoutSeconds}s.`)
        : problemReply(503, "unavailable", "Service Unavailable", `No answer within ${timeoutSeconds}s.`);
    }
    console.error(`[local-api] ${route.function} threw on ${routeKey(route)} (request ${requestId})`, error);
    return problemReply(500, "internal", "Internal Server Error", "The function failed; see the server log.");
  }
  const reply = toReply(result, route.function);
  reply.headers.push(["apigw-requestid", requestId]);
  return reply;
}

export type RouteMatch =
  | { kind: "route"; route: RouteDef; pathParameters: Record<string, string> }
  | { kind: "method"; allowed: string[] }
  | { kind: "none" };

/**
 * Matches like API Gateway: `{name}` takes one segment, `{name+}` the rest, and where several routes
 * match, literal segments win over parameters from left to right.
 */
export function matchRoute(routes: readonly RouteDef[], method: string, rawPath: string): RouteMatch {
  const segments = rawPath.split("/").slice(1);
  let best: { route: RouteDef; params: Record<string, string>; rank: number[] } | undefined;
  const allowed = new Set<string>();
  for (const route of routes) {
    const matched = matchTemplate(route.path, segments);
    if (!matched) continue;
    if (route.method !== method) {
      allowed.add(route.method);
      continue;
    }
    if (!best || compareRank(matched.rank, best.rank) > 0) best = { route, ...matched };
  }
  if (best) return { kind: "route", route: best.route, pathParameters: best.params };
  if (allowed.size > 0) return { kind: "method", allowed: [...allowed].sort() };
  return { kind: "none" };
}

function matchTemplate(
  template: string,
  segments: string[],
): { params: Record<string, string>; rank: number[] } | undefined {
  const parts = template.split("/").slice(1);
  const params: Record<string, string> = {};
  const rank: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const greedy = /^\{(.+)\+\}$/.exec(part);
    if (greedy) {
      const rest = segments.slice(i);
      if (rest.length === 0 || rest.join("") === "") return undefined;
      params[greedy[1]!] = decode(rest.join("/"));
      rank.push(0);
      return { params, rank };
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    const param = /^\{(.+)\}$/.exec(part);
    if (param) {
      if (segment === "") return undefined;
      params[param[1]!] = decode(segment);
      rank.push(1);
    } else if (part === segment) {
      rank.push(2);
    } else {
      return undefined;
    }
  }
  return parts.length === segments.length ? { params, rank } : undefined;
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? -1) - (b[i] ?? -1);
    if (diff !== 0) return diff;
  }
  return 0;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function authorize(
  header: string | undefined,
  keys: DevKeys,
): Promise<{ claims: JWTPayload } | { problem: Reply }> {
  const unauthorized = (detail: string, error: string, description: string): { problem: Reply } => {
    const reply = problemReply(401, "unauthorized", "Unauthorized", detail);
    reply.headers.push(["www-authenticate", `Bearer error="${error}", error_description="${description}"`]);
    return { problem: reply };
  };
  const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!bearer) {
    return unauthorized(
      "Send Authorization: Bearer <token>. Locally, mint one with: npm run token -- --role <ROLE> --scope <ORG/PATH>",
      "invalid_request",
      "no bearer token",
    );
  }
  try {
    return { claims: await verifyToken(bearer[1]!, keys) };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      return unauthorized("The token has expired.", "invalid_token", "the token has expired");
    }
    const reason = error instanceof Error ? error.message : String(error);
    return unauthorized(`The token is not valid: ${reason}`, "invalid_token", "the token is not valid");
  }
}

/** API Gateway hands JWT claims to the integration as strings; arrays become `[a b]`. */
function claimsAsApiGatewaySends(payload: JWTPayload): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) claims[name] = `[${value.map(String).join(" ")}]`;
    else if (typeof value === "object") claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

async function readBody(req: IncomingMessage): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_BODY_BYTES) {
    // Let Node discard what the client still sends so it can read the 413.
    req.resume();
    return "too-large";
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return "too-large";
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const TEXT_TYPES = [
  /^text\//,
  /^application\/(.+\+)?json$/,
  /^application\/(.+\+)?xml$/,
  /^application\/javascript$/,
  /^application\/x-www-form-urlencoded$/,
];

function isTextContent(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
  return TEXT_TYPES.some((pattern) => pattern.test(mediaType));
}

type EventInput = {
  req: IncomingMessage;
  method: string;
  rawPath: string;
  rawQueryString: string;
  route: RouteDef;
  pathParameters: Record<string, string>;
  claims: JWTPayload | undefined;
  body: Buffer;
  requestId: string;
};

export function buildEvent(input: EventInput): APIGatewayProxyEventV2 {
  const { req, method, rawPath, rawQueryString, route, pathParameters, claims, body, requestId } = input;
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    // Payload 2.0 moves cookies out of the headers into their own list.
    if (name === "cookie") {
      for (const cookie of value.split(";")) if (cookie.trim()) cookies.push(cookie.trim());
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
  headers["x-forwarded-for"] = headers["x-forwarded-for"] ? `${headers["x-forwarded-for"]}, ${sourceIp}` : sourceIp;
  headers["x-forwarded-proto"] ??= "http";
  headers["x-forwarded-port"] ??= String(req.socket.localPort ?? "");
  headers["x-amzn-trace-id"] ??=
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [name, value] of new URLSearchParams(rawQueryString)) {
      const previous = queryStringParameters[name];
      queryStringParameters[name] = previous === undefined ? value : `${previous},${value}`;
    }
  }

  const now = new Date();
  const domainName = headers.host ?? "localhost";
  const key = routeKey(route);
  const requestContext: APIGatewayProxyEventV2["requestContext"] & { authorizer?: unknown } = {
    accountId: LOCAL_ACCOUNT,
    apiId: "local",
    domainName,
    domainPrefix: domainName.split(".")[0] ?? domainName,
    http: {
      method,
      path: rawPath,
      protocol: `HTTP/${req.httpVersion}`,
      sourceIp,
      userAgent: headers["user-agent"] ?? "",
    },
    requestId,
    routeKey: key,
    stage: "$default",
    time: clfTime(now),
    timeEpoch: now.getTime(),
  };
  if (claims) {
    const scope = typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : null;
    requestContext.authorizer = { jwt: { claims: claimsAsApiGatewaySends(claims), scopes: scope } };
  }

  const event: APIGatewayProxyEventV2 = {
    version: "2.0",
    routeKey: key,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext,
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    isBase64Encoded: false,
  };
  if (body.length > 0) {
    const text = isTextContent(headers["content-type"]);
    event.body = text ? body.toString("utf8") : body.toString("base64");
    event.isBase64Encoded = !text;
  }
  return event;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The access-log time format API Gateway uses in requestContext.time: `12/Mar/2020:19:03:58 +0000`. */
function clfTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

function lambdaContext(name: string, memoryMb: number | undefined, timeoutSeconds: number): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, "/");
  const noCallbacks = () => {
    throw new Error("Callback-style completion is not supported; return a value or a promise instead.");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`,
    memoryLimitInMB: String(memoryMb ?? 128),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `${today}/[$LATEST]${randomBytes(16).toString("hex")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: noCallbacks,
    fail: noCallbacks,
    succeed: noCallbacks,
  };
}

class HandlerTimeout extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new HandlerTimeout()), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function importHandler(def: FunctionDef | undefined, name: string): Promise<LambdaHandler> {
  if (!def) throw new Error(`No function named ${name} in HTTP_FUNCTIONS.`);
  const module = (await import(pathToFileURL(join(PROJECT_ROOT, def.entry)).href)) as { handler?: unknown };
  if (typeof module.handler !== "function") throw new Error(`${def.entry} does not export a handler function.`);
  return module.handler as LambdaHandler;
}

/** Maps a Lambda result to HTTP following API Gateway's rules for payload format 2.0. */
function toReply(result: unknown, functionName: string): Reply {
  const structured = typeof result === "object" && result !== null && !Array.isArray(result) && "statusCode" in result;
  if (!structured) {
    // Anything without a statusCode is taken as a 200 JSON body; a string is sent as it is.
    const body = typeof result === "string" ? result : JSON.stringify(result ?? null);
    return { status: 200, headers: [["content-type", "application/json"]], body: Buffer.from(body, "utf8") };
  }
  const out = result as APIGatewayProxyStructuredResultV2 & { multiValueHeaders?: unknown };
  const malformed = (why: string) => {
    console.error(`[local-api] ${functionName} returned a malformed response: ${why}`);
    return problemReply(500, "internal", "Internal Server Error", `Malformed Lambda proxy response: ${why}`);
  };
  if (typeof out.statusCode !== "number" || !Number.isInteger(out.statusCode)) {
    return malformed("statusCode is not an integer");
  }
  if (out.body !== undefined && typeof out.body !== "string") return malformed("body is not a string");
  if (out.multiValueHeaders !== undefined) {
    console.warn(
      `[local-api] ${functionName} returned multiValueHeaders, which payload format 2.0 ignores; use cookies or comma-joined headers.`,
    );
  }
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(out.headers ?? {})) {
    if (value !== undefined) headers.push([name.toLowerCase(), String(value)]);
  }
  for (const cookie of out.cookies ?? []) headers.push(["set-cookie", cookie]);
  const body =
    out.body === undefined ? Buffer.alloc(0) : Buffer.from(out.body, out.isBase64Encoded ? "base64" : "utf8");
  return { status: out.statusCode, headers, body };
}

function problemReply(status: number, code: string, title: string, detail: string): Reply {
  const problem: Problem = { type: `urn:policy-credit:problem:${code}`, title, status, detail };
  return {
    status,
    headers: [["content-type", "application/problem+json"]],
    body: Buffer.from(JSON.stringify(problem), "utf8"),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of reply.headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0]! : values);
  res.statusCode = reply.status;
  res.end(reply.body);
}
