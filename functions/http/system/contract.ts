import * as z from "zod/mini";
import { defineContract } from "../../../shared/http/route.ts";

export const health = defineContract({
  method: "GET",
  path: "/v1/health",
  operationId: "getHealth",
  summary: "Liveness: answers 200 when the function runs",
  tags: ["system"],
  roles: "open",
  responses: {
    200: { description: "Alive", schema: z.object({ status: z.literal("ok"), version: z.string(), time: z.string() }) },
  },
});

export const openApiDocument = defineContract({
  method: "GET",
  path: "/v1/openapi.json",
  operationId: "getOpenApi",
  summary: "This OpenAPI 3.1 document",
  tags: ["system"],
  roles: "open",
  responses: {
    200: {
      description: "The document",
      schema: z.looseObject({
        openapi: z.string(),
        info: z.looseObject({ title: z.string(), version: z.string() }),
        paths: z.looseObject({}),
      }),
    },
  },
});

export const docsPage = defineContract({
  method: "GET",
  path: "/docs",
  operationId: "getDocs",
  summary: "The API reference as a page for people",
  tags: ["system"],
  roles: "open",
  responses: { 200: { description: "HTML page", html: true } },
});
