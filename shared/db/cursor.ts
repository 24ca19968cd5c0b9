import { createHmac, timingSafeEqual } from "node:crypto";
import { problems } from "../http/problem.ts";

/**
 * List cursors are opaque and tamper-evident: the last evaluated key, bound to the query it came
 * from, signed with HMAC-SHA256. A forged or foreign cursor is a 400, never a read elsewhere.
 */
function signingKey(): string {
  return process.env.CURSOR_SIGNING_KEY ?? "local-development-cursor-key";
}

function sign(payload: string): string {
  return createHmac("sha256", signingKey()).update(payload).digest("base64url");
}

export function encodeCursor(lastKey: Record<string, unknown> | undefined, boundTo: string): string | null {
  if (!lastKey) return null;
  const payload = Buffer.from(JSON.stringify({ k: lastKey, b: boundTo }), "utf8").toString("base64url");
  return `${payload}.${sign(payload)}`;
}

export function decodeCursor(cursor: string | undefined, boundTo: string): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => problems.validation([{ path: "query.cursor", message: "is not a cursor this list issued" }]);
  const [payload, mac, extra] = cursor.split(".");
  if (!payload || !mac || extra !== undefined) throw invalid();
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
  try {
    const decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { k: unknown; b: unknown };
    if (decoded.b !== boundTo || typeof decoded.k !== "object" || decoded.k === null) throw invalid();
    return decoded.k as Record<string, unknown>;
  } catch {
    throw invalid();
  }
}
