import { httpFunction } from "../../../shared/http/handler.ts";
import { escapeHtml, htmlPage } from "../../../shared/http/html.ts";
import { buildOpenApi } from "../../../shared/http/openapi.ts";
import { implement } from "../../../shared/http/route.ts";
import { CONTRACTS } from "../contracts.ts";
import { docsPage, health, openApiDocument } from "./contract.ts";

export const API_VERSION = "1.0.0";

let cachedDocument: ReturnType<typeof buildOpenApi> | undefined;
function document() {
  cachedDocument ??= buildOpenApi(CONTRACTS, { version: API_VERSION });
  return cachedDocument;
}

type Operation = { operationId: string; summary: string; description?: string; parameters?: unknown[] };
type Body = { requestBody?: { content: Record<string, { schema: unknown }> } };

function docsHtml(): string {
  const doc = document();
  const sections = Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, raw]) => {
      const op = raw as Operation & Body;
      const body = op.requestBody?.content["application/json"]?.schema;
      return `<h2 id="${escapeHtml(op.operationId)}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary)}</p>${op.description ? `<p class="muted">${escapeHtml(op.description)}</p>` : ""}
${body ? `<details><summary>Request body</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ""}`;
    }),
  );
  return htmlPage(
    "Policy credit API",
    `<h1>Policy credit API v${escapeHtml(doc.info.version)}</h1><p>${escapeHtml(doc.info.description)}</p>
<p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3.1). Errors are <code>application/problem+json</code>; every POST needs an <code>Idempotency-Key</code>.</p>
${sections.join("\n")}`,
    "en",
  );
}

export const handler = httpFunction([
  implement(health, async () => ({
    status: 200,
    body: { status: "ok", version: API_VERSION, time: new Date().toISOString() },
  })),
  implement(openApiDocument, async () => ({ status: 200, body: document() })),
  implement(docsPage, async () => ({ status: 200, text: docsHtml(), contentType: "text/html; charset=utf-8" })),
]);
