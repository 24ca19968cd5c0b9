import { getItem } from "../db/items.ts";
import { keys } from "../db/keys.ts";
import { programFrom } from "../db/loans.ts";
import type { Program } from "../domain/programs.ts";

/** Programs read once per job run: a handful of items, whatever the number of loans. */
export function programCache() {
  const cache = new Map<string, Promise<Program>>();
  return (code: string): Promise<Program> => {
    let found = cache.get(code);
    if (!found) {
      found = getItem(keys.program(code)).then((stored) => programFrom(code, stored));
      cache.set(code, found);
    }
    return found;
  };
}
