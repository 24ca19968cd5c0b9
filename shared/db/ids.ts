import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(ms: number, length: number): string {
  let out = "";
  let value = ms;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function randomPart(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += CROCKFORD[b % 32];
  return out;
}

/**
 * Time-ordered ids (ULID layout: 10 time characters, 16 random), so transactions sort by posting
 * time under one partition and ids never collide across Lambdas.
 */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  return `${prefix}${encodeTime(nowMs, 10)}${randomPart(16)}`;
}

export const ID_PREFIX = {
  group: "G-",
  member: "M-",
  loan: "L-",
  transaction: "T-",
  receipt: "R-",
  savingsTransaction: "S-",
} as const;
