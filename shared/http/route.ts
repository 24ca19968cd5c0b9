import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type * as z from "zod/mini";
import type { Caller, Role } from "./auth.ts";
import type { HttpMethod } from "./routes.ts";

type Schema = z.ZodMiniType;

export type ResponseSpec = {
  description: string;
  schema?: Schema;
  /** Extra media types, e.g. text/html for printable pages. */
  html?: boolean;
};

/**
 * What a route accepts and answers, without its implementation. The OpenAPI document is built from
 * these, and the same schemas validate requests at run time.
 */
export type RouteContract<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
> = {
  method: HttpMethod;
  path: string;
  operationId: string;
  summary: string;
  tags: string[];
  /** Roles allowed; `open` routes need no token at all. */
  roles: readonly Role[] | "open";
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** Extra problem statuses this route can answer besides the common ones. */
  problems?: number[];
};

type Out<S> = S extends Schema ? z.output<S> : undefined;

export type HttpRequest<C extends RouteContract> = {
  params: Out<C["params"]>;
  query: Out<C["query"]>;
  body: Out<C["body"]>;
  /** Undefined only on open routes. */
  caller: C["roles"] extends "open" ? undefined : Caller;
  headers: Record<string, string | undefined>;
  event: APIGatewayProxyEventV2;
  /** Present on every POST/PUT: the client's Idempotency-Key and a fingerprint of the request. */
  idempotency?: { key: string; fingerprint: string };
  correlationId: string;
};

export type HttpResult = {
  status: number;
  body?: unknown;
  /** Raw text body (HTML pages); sent instead of JSON. */
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
};

export type RouteImpl<C extends RouteContract = RouteContract> = {
  contract: C;
  handle: (request: HttpRequest<C>) => Promise<HttpResult>;
};

export function defineContract<const C extends RouteContract>(contract: C): C {
  return contract;
}

export function implement<C extends RouteContract>(contract: C, handle: RouteImpl<C>["handle"]): RouteImpl {
  return { contract, handle } as unknown as RouteImpl;
}
