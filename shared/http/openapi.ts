import * as z from "zod/mini";
import type { RouteContract } from "./route.ts";

type JsonSchema = Record<string, unknown>;

const PROBLEM_SCHEMA: JsonSchema = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    correlationId: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["path", "message"],
        properties: { path: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};

const COMMON_PROBLEMS: Record<number, string> = {
  400: "Validation failed",
  401: "No or invalid token",
  403: "Wrong role",
  404: "Not found, or not visible to the caller",
  429: "Throttled",
  500: "Unexpected failure (never for bad input)",
  503: "The data store did not answer in time; retry with the same Idempotency-Key",
};

function schemaOf(schema: z.ZodMiniType, io: "input" | "output"): JsonSchema {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

function parametersOf(schema: z.ZodMiniType | undefined, location: "path" | "query") {
  if (!schema) return [];
  const json = schemaOf(schema, "input");
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || required.has(name),
    schema: property,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
  }));
}

/** The OpenAPI 3.1 document, generated from the same contracts that validate requests. */
export function buildOpenApi(contracts: RouteContract[], info: { version: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const c of contracts) {
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(c.responses)) {
      const content: Record<string, unknown> = {};
      if (spec.schema) content["application/json"] = { schema: schemaOf(spec.schema, "output") };
      if (spec.html) content["text/html"] = { schema: { type: "string" } };
      responses[status] = { description: spec.description, ...(Object.keys(content).length ? { content } : {}) };
    }
    // Writes parse a body, and the handler refuses one above 1 MB before anything else.
    const takesBody = c.body !== undefined || c.method === "POST" || c.method === "PUT";
    const problemStatuses = new Set<number>([
      ...Object.keys(COMMON_PROBLEMS).map(Number),
      ...(c.problems ?? []),
      ...(c.method === "POST" ? [409] : []),
      ...(takesBody ? [413] : []),
    ]);
    if (c.roles === "open") {
      problemStatuses.delete(401);
      problemStatuses.delete(403);
    }
    for (const status of problemStatuses) {
      responses[String(status)] ??= {
        description:
          COMMON_PROBLEMS[status] ??
          (status === 409
            ? "Conflict"
            : status === 413
              ? "Body larger than 1 MB"
              : status === 422
                ? "Business rule refused"
                : "Problem"),
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      };
    }
    const parameters: unknown[] = [...parametersOf(c.params, "path"), ...parametersOf(c.query, "query")];
    if (c.method === "POST") {
      parameters.push({
        name: "Idempotency-Key",
        in: "header",
        required: true,
        schema: { type: "string", minLength: 1, maxLength: 128 },
        description: "Replays with the same key and body return the first response with Idempotent-Replayed: true.",
      });
    }
    paths[c.path] ??= {};
    paths[c.path]![c.method.toLowerCase()] = {
      operationId: c.operationId,
      summary: c.summary,
      tags: c.tags,
      ...(c.roles === "open"
        ? { security: [] }
        : { "x-roles": c.roles, description: `Roles: ${c.roles.join(", ")}. Scope rules apply.` }),
      ...(parameters.length ? { parameters } : {}),
      ...(c.body
        ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(c.body, "input") } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Policy credit API",
      version: info.version,
      description:
        "Savings-and-loan groups, loans, collections and reports for policy credit. Money is integer đồng, rates integer basis points per year, business dates YYYY-MM-DD in Asia/Ho_Chi_Minh.",
    },
    servers: [{ url: info.serverUrl ?? "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: { Problem: PROBLEM_SCHEMA },
    },
    paths,
  };
}
