import * as z from "zod/mini";
import { isScopePath } from "./auth.ts";

/** Shared request shapes. Strict objects: an unknown field is a 400, not silently ignored. */

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function isRealDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const [y, m, d] = value.split("-").map(Number) as [number, number, number];
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return y >= 1900 && y <= 2200 && d <= days;
}

export const businessDate = z
  .string()
  .check(z.refine(isRealDate, { message: "must be a real calendar date YYYY-MM-DD" }));
// The refinement is invisible to JSON Schema; without these the OpenAPI document would offer any string.
z.globalRegistry.add(businessDate, { format: "date", pattern: DATE.source });

/** Whole đồng; never a float. The cap keeps sums far below 2^53. */
export const MAX_AMOUNT_VND = 1_000_000_000_000;
export const amountVnd = z.int().check(z.minimum(0), z.maximum(MAX_AMOUNT_VND));
export const positiveAmountVnd = z.int().check(z.minimum(1), z.maximum(MAX_AMOUNT_VND));

export const code = z.string().check(z.regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, "must be A-Z, 0-9 and dashes, at most 64"));
export const programCode = z.string().check(z.regex(/^[A-Z][A-Z0-9_]{0,31}$/, "must be a program code like NEAR_POOR"));
export const id = z.string().check(z.regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, "must be an id"));
export const scopePath = z.string().check(z.refine(isScopePath, { message: "must be an org path like DB/TUA-CHUA" }));
export const text = (max: number) =>
  z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(max),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point here
    z.refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: "must not contain control characters" }),
  );

export const listQuery = z.strictObject({
  // The pattern itself says 1-100, so the OpenAPI document states the real range.
  limit: z.optional(
    z.pipe(
      z.string().check(z.regex(/^(100|[1-9][0-9]?)$/, "must be a whole number 1-100")),
      z.transform((s) => Number(s)),
    ),
  ),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

export function pageOf(query: { limit?: number | undefined; cursor?: string | undefined } | undefined) {
  return { limit: query?.limit ?? 50, cursor: query?.cursor };
}

export const listResponse = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) });
