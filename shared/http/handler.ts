import { createHash } from "node:crypto";
import middy, { type MiddlewareObj } from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { DomainError } from "../domain/errors.ts";
import { logger } from "../log/logger.ts";
import { callerFrom, requireRole } from "./auth.ts";
import { HttpProblem, problemResponse, problems } from "./problem.ts";
import type { HttpRequest, HttpResult, RouteImpl } from "./route.ts";
import { parseOr400 } from "./validation.ts";

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyStructuredResultV2;
type Request = middy.Request<Event, Result, Error, Context, { route?: RouteImpl; correlationId?: string }>;

/** Applied to every response, errors included. HTML pages get a style allowance and nothing else. */
export function securityHeaders(contentType: string | undefined): Record<string, string> {
  const html = contentType?.startsWith("text/html");
  return {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "content-security-policy": html
      ? "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
      : "default-src 'none'; frame-ancestors 'none'",
  };
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_BODY_BYTES = 1_048_576;

function header(event: Event, name: string): string | undefined {
  return event.headers?.[name] ?? undefined;
}

const THROTTLING_ERRORS = new Set([
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
]);

/** DynamoDB's own refusals for load, after the SDK's retries, including a transaction cancelled for throttling. */
function isThrottled(error: unknown): boolean {
  const name = (error as Error | undefined)?.name ?? "";
  if (THROTTLING_ERRORS.has(name)) return true;
  if (name !== "TransactionCanceledException") return false;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.some((r) => r.Code === "ThrottlingError" || r.Code === "ProvisionedThroughputExceeded");
}

const TRANSIENT_ERRORS = new Set([
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "NetworkingError",
  "ECONNRESET",
  "ETIMEDOUT",
  "ServiceUnavailable",
  "InternalServerError",
]);

/** Failures of the connection to the data store rather than of the request: safe to retry with the same key. */
function isTransient(error: unknown): boolean {
  const e = error as { name?: string; code?: string } | undefined;
  return TRANSIENT_ERRORS.has(e?.name ?? "") || TRANSIENT_ERRORS.has(e?.code ?? "");
}

function toProblemResult(error: unknown, correlationId: string | undefined): Result {
  if (error instanceof HttpProblem) {
    return problemResponse({ ...error.toProblem(), ...(correlationId ? { correlationId } : {}) }, error.headers);
  }
  if (error instanceof DomainError) {
    const status = Math.min(error.httpStatus, 500);
    if (status === 500) logger.error("invariant violated", { error });
    const problem = new HttpProblem(status, error.code, error.message, { extensions: { ...error.details } });
    return problemResponse({ ...problem.toProblem(), ...(correlationId ? { correlationId } : {}) });
  }
  if (isThrottled(error)) {
    // The contract answers 429 for throttling, so the client knows to retry with the same key.
    logger.warn("throttled by DynamoDB", { error: error as Error });
    const problem = new HttpProblem(
      429,
      "THROTTLED",
      "Too many requests reach the data store right now. Send the same request again, with the same Idempotency-Key, shortly.",
    );
    return problemResponse(
      { ...problem.toProblem(), ...(correlationId ? { correlationId } : {}) },
      { "retry-after": "1" },
    );
  }
  if (isTransient(error)) {
    // The write may or may not have committed; the idempotency record makes the retry safe either way.
    logger.warn("data store did not answer in time", { error: error as Error });
    const problem = new HttpProblem(
      503,
      "DATA_STORE_UNAVAILABLE",
      "The data store did not answer in time. Send the same request again with the same Idempotency-Key: it is applied once.",
    );
    return problemResponse(
      { ...problem.toProblem(), ...(correlationId ? { correlationId } : {}) },
      { "retry-after": "1" },
    );
  }
  logger.error("unhandled error", { error: error as Error });
  return problemResponse({
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
    detail: "Something went wrong on our side. Quote the correlation id if you report it.",
    ...(correlationId ? { correlationId } : {}),
  });
}

/** The caller's x-correlation-id when it is well formed, else API Gateway's request id. */
export function correlationIdOf(event: Event): string {
  const supplied = header(event, "x-correlation-id");
  return supplied && CORRELATION_ID.test(supplied) ? supplied : (event.requestContext?.requestId ?? "unknown");
}

const correlation: MiddlewareObj<Event, Result> = {
  before: (request) => {
    const id = correlationIdOf(request.event);
    (request as Request).internal.correlationId = id;
    logger.appendKeys({ correlationId: id, route: request.event.routeKey });
  },
  after: (request) => {
    finish(request as Request);
  },
  onError: (request) => {
    const r = request as Request;
    r.response = toProblemResult(r.error, r.internal.correlationId);
    finish(r);
  },
};

function finish(request: Request) {
  const response = request.response ?? { statusCode: 204 };
  const contentType = response.headers?.["content-type"] as string | undefined;
  response.headers = {
    ...securityHeaders(contentType),
    ...response.headers,
    "x-correlation-id": request.internal.correlationId ?? "unknown",
  };
  request.response = response;
  logger.info("request done", { status: response.statusCode, method: request.event.requestContext?.http?.method });
  logger.removeKeys(["correlationId", "route"]);
}

function parseBody(event: Event): unknown {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (Buffer.byteLength(raw, "utf8") > MAX_BODY_BYTES) {
    throw new HttpProblem(413, "BODY_TOO_LARGE", `The body may be at most ${MAX_BODY_BYTES} bytes.`);
  }
  // Bodies are JSON whatever the Content-Type says: a phone app that labels it wrongly still gets a
  // precise 400 for a malformed body rather than a bare 415.
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw problems.malformedJson((error as Error).message);
  }
  if (nestsDeeperThan(parsed, MAX_BODY_DEPTH)) {
    throw problems.validation([{ path: "body", message: `must not nest deeper than ${MAX_BODY_DEPTH} levels` }]);
  }
  return parsed;
}

/**
 * No contract nests past a handful of levels. JSON.parse takes any depth, but the recursive
 * JSON.stringify in the idempotency fingerprint overflows the stack on a few thousand, which turned
 * a 10 KB body of brackets into a 500.
 */
const MAX_BODY_DEPTH = 32;

function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

function fingerprint(event: Event, body: unknown): string {
  return createHash("sha256")
    .update(`${event.routeKey}\n${event.rawPath}\n${JSON.stringify(body ?? null)}`)
    .digest("base64url");
}

function idempotencyOf(event: Event, body: unknown) {
  const key = header(event, "idempotency-key");
  if (key === undefined || key.length < 1 || key.length > 128 || !/^[\x21-\x7e]+$/.test(key)) {
    throw problems.validation(
      [{ path: "headers.idempotency-key", message: "required: 1-128 visible ASCII characters" }],
      "Every POST needs an Idempotency-Key header.",
    );
  }
  return { key, fingerprint: fingerprint(event, body) };
}

/** Builds the request a route sees: caller, validated params, query and body. */
function prepare(route: RouteImpl, event: Event, correlationId: string): HttpRequest<RouteImpl["contract"]> {
  const { contract } = route;
  const caller = contract.roles === "open" ? undefined : callerFrom(event);
  if (caller && contract.roles !== "open") requireRole(caller, contract.roles);
  const writes = contract.method === "POST" || contract.method === "PUT";
  const rawBody = contract.body || writes ? parseBody(event) : undefined;
  const idempotency = contract.method === "POST" ? idempotencyOf(event, rawBody) : undefined;
  const params = contract.params ? parseOr400(contract.params, event.pathParameters ?? {}, "path") : undefined;
  const query = contract.query ? parseOr400(contract.query, event.queryStringParameters ?? {}, "query") : undefined;
  const body = contract.body ? parseOr400(contract.body, rawBody ?? {}, "body") : undefined;
  return {
    params,
    query,
    body,
    caller,
    headers: event.headers ?? {},
    event,
    ...(idempotency ? { idempotency } : {}),
    correlationId,
  } as HttpRequest<RouteImpl["contract"]>;
}

export function toHttpResponse(result: HttpResult): Result {
  const headers: Record<string, string> = { ...result.headers };
  if (result.text !== undefined) {
    headers["content-type"] = result.contentType ?? "text/plain; charset=utf-8";
    return { statusCode: result.status, headers, body: result.text };
  }
  if (result.body === undefined) return { statusCode: result.status, headers };
  headers["content-type"] = result.contentType ?? "application/json; charset=utf-8";
  return { statusCode: result.status, headers, body: JSON.stringify(result.body) };
}

/**
 * One Lambda serves a small group of routes. The chain: correlation id and logging, error mapping to
 * problem+json, security headers, then per route: authorization, JSON parsing, validation, handling.
 */
export function httpFunction(routes: RouteImpl[]) {
  const byKey = new Map(routes.map((r) => [`${r.contract.method} ${r.contract.path}`, r]));
  return middy<Event, Result, Error, Context>()
    .use(correlation)
    .handler(async (event) => {
      const route = byKey.get(event.routeKey);
      if (!route) throw problems.notFound(`Route ${event.routeKey}`);
      const request = prepare(route, event, correlationIdOf(event));
      return toHttpResponse(await route.handle(request));
    });
}
