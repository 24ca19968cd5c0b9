export type HttpAnswer = {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: unknown;
  text: string;
};

/** fetch that always reads the body, so a test can assert status, headers and content in one place. */
export async function http(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Options for a JSON request with a bearer token; pass `idempotencyKey` for POSTs. */
export function jsonRequest(
  method: string,
  token: string | undefined,
  body?: unknown,
  idempotencyKey?: string,
): RequestInit {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  return { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) };
}
