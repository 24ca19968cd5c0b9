/**
 * Personal data never reaches the logs: national ids and phone numbers are masked wherever they
 * appear, by key or by shape, so a careless `logger.info({ body })` cannot leak them.
 */

const SENSITIVE_KEYS =
  /^(nationalid|national_id|citizenid|idnumber|cccd|cmnd|phone|phonenumber|msisdn|phone_number|mobile|tel|telephone|contactphone)$/i;
// Vietnamese citizen ids are 12 digits (old ids 9); phones are 0xxxxxxxxx or +84xxxxxxxxx.
const PHONE_PATTERN = /(?<![\d])(?:\+?84|0)(\d{2})\d{4,6}(\d{2})(?![\d])/g;
// Mobiles as people write them in notes: 0912 345 678, 091.234.5678, +84 912 345 678, 0084912345678.
// Only spaces and dots separate, so UUIDs and dates never match, and the mobile prefix keeps
// vi-VN amounts such as 84.000.000.000 out.
const GROUPED_MOBILE_PATTERN = /(?<![\d+])(?:(?:\+|00)?84|0)[ .]?[35789](?:[ .]?\d){8}(?![\d])/g;
const NATIONAL_ID_PATTERN = /(?<![\d])\d{9}(?:\d{3})?(?![\d])/g;
// Request, trace and record ids hold nine digits in a row often enough (about one UUID in fifty) that
// masking them by shape broke the join between a caller's correlation id and its log lines. Only a
// whole value of exactly these shapes is spared; the same shapes inside free text are still masked.
const SYSTEM_ID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|1-[0-9a-f]{8}-[0-9a-f]{24}|[A-Z]-[0-9A-HJKMNP-TV-Z]{26})$/i;

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 4) return "***";
  return `***${digits.slice(-3)}`;
}

export function redactText(text: string): string {
  return text
    .replace(GROUPED_MOBILE_PATTERN, (match: string) => `***${match.replace(/\D/g, "").slice(-2)}`)
    .replace(PHONE_PATTERN, (_m, _a: string, last: string) => `***${last}`)
    .replace(NATIONAL_ID_PATTERN, "[id]");
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[depth]";
  if (typeof value === "string") return SYSTEM_ID.test(value) ? value : redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    if (value instanceof Error) {
      return {
        name: value.name,
        message: redactText(value.message),
        stack: value.stack ? redactText(value.stack) : undefined,
      };
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      out[key] = SENSITIVE_KEYS.test(key)
        ? typeof v === "string" && /phone|msisdn|mobile|tel/i.test(key)
          ? maskPhone(v)
          : "[redacted]"
        : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}
