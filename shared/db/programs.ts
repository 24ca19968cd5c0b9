import type { Program } from "../domain/programs.ts";
import { getItem, type Item } from "./items.ts";
import { keys } from "./keys.ts";
import { programFrom } from "./loans.ts";

const TTL_MS = 60_000;
const cache = new Map<string, { item: Item | undefined; at: number }>();

/**
 * Programs change rarely: a warm function keeps what it read for a minute, so a payment's normal case
 * stays at two round trips (read the loan, write the transaction). A rate change is dated, never
 * retroactive before accrued days, so a minute's staleness cannot misprice interest already accrued.
 */
export async function programItem(code: string): Promise<Item | undefined> {
  const cached = cache.get(code);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.item;
  const item = await getItem(keys.program(code));
  cache.set(code, { item, at: Date.now() });
  return item;
}

export async function loadProgram(code: string): Promise<Program> {
  return programFrom(code, await programItem(code));
}
