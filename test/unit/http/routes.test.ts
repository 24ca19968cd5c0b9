import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTRACTS } from "../../../functions/http/contracts.ts";
import { buildOpenApi } from "../../../shared/http/openapi.ts";
import { HTTP_FUNCTIONS, ROUTES, routeKey } from "../../../shared/http/routes.ts";

describe("the route list, the contracts and the OpenAPI document agree", () => {
  it("every routed path has exactly one contract and every contract is routed", () => {
    const routed = ROUTES.map(routeKey).sort();
    const contracted = CONTRACTS.map(routeKey).sort();
    expect(contracted).toEqual(routed);
    expect(new Set(routed).size).toBe(routed.length);
  });

  it("every function's entry file exists and every route names a function", () => {
    for (const fn of HTTP_FUNCTIONS) expect(existsSync(fn.entry), fn.entry).toBe(true);
    const names = new Set(HTTP_FUNCTIONS.map((f) => f.name));
    for (const route of ROUTES) expect(names.has(route.function), routeKey(route)).toBe(true);
  });

  it("open routes are only health and docs, and every other route names its roles", () => {
    const open = CONTRACTS.filter((c) => c.roles === "open").map(routeKey);
    expect(open.sort()).toEqual(["GET /docs", "GET /v1/health", "GET /v1/openapi.json"]);
    for (const c of CONTRACTS) if (c.roles !== "open") expect(c.roles.length, routeKey(c)).toBeGreaterThan(0);
  });

  it("the OpenAPI 3.1 document covers every route with problem responses and an Idempotency-Key on POSTs", () => {
    const doc = buildOpenApi(CONTRACTS, { version: "test" });
    expect(doc.openapi).toBe("3.1.0");
    for (const route of ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()] as
        | { operationId: string; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] }
        | undefined;
      expect(op, routeKey(route)).toBeDefined();
      expect(op!.responses["400"]).toBeDefined();
      if (route.method === "POST") {
        expect(op!.parameters?.some((p) => p.name === "Idempotency-Key" && p.in === "header")).toBe(true);
      }
      const templated = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const name of templated) {
        expect(
          op!.parameters?.some((p) => p.name === name && p.in === "path"),
          `${routeKey(route)} ${name}`,
        ).toBe(true);
      }
    }
    const ids = Object.values(doc.paths).flatMap((ops) =>
      Object.values(ops).map((o) => (o as { operationId: string }).operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});
