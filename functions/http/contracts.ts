import type { RouteContract } from "../../shared/http/route.ts";
import * as collections from "./collections/contract.ts";
import * as groups from "./groups/contract.ts";
import * as loans from "./loans/contract.ts";
import * as plans from "./plans/contract.ts";
import * as programs from "./programs/contract.ts";
import * as reports from "./reports/contract.ts";
import * as savings from "./savings/contract.ts";
import * as system from "./system/contract.ts";

function contractsOf(module: Record<string, unknown>): RouteContract[] {
  return Object.values(module).filter(
    (v): v is RouteContract => typeof v === "object" && v !== null && "operationId" in v && "path" in v,
  );
}

/** Every route contract, for the OpenAPI document and the route-list check. */
export const CONTRACTS: RouteContract[] = [
  system,
  groups,
  savings,
  loans,
  collections,
  reports,
  programs,
  plans,
].flatMap((m) => contractsOf(m as Record<string, unknown>));
