import { communeMonthPartition, orgInterestAttribute } from "../../../shared/db/aggregates.ts";
import { feeOf, rateFor, readFeeRates } from "../../../shared/db/fees.ts";
import { queryAll } from "../../../shared/db/items.ts";
import { ENTRUSTED_ORGS } from "../../../shared/db/org.ts";
import { levelOf, portfolio as portfolioOf, scopeDistricts } from "../../../shared/db/portfolio.ts";
import { scopeFor } from "../../../shared/http/auth.ts";
import { httpFunction } from "../../../shared/http/handler.ts";
import { problems } from "../../../shared/http/problem.ts";
import { implement } from "../../../shared/http/route.ts";
import { businessDateInVietnam } from "../../../shared/time.ts";
import * as c from "./contract.ts";

const portfolio = implement(c.portfolio, async ({ query, caller }) => {
  const scope = scopeFor(caller, query.scope);
  const today = businessDateInVietnam();
  const asOf = query.asOf ?? today;
  if (asOf > today) throw problems.unprocessable("AS_OF_IN_FUTURE", `asOf ${asOf} is after today (${today}).`);
  return { status: 200, body: await portfolioOf(scope, asOf) };
});

const entrustment = implement(c.entrustment, async ({ query, caller }) => {
  const scope = scopeFor(caller, query.scope);
  if (levelOf(scope) === "GROUP")
    throw problems.unprocessable("SCOPE_TOO_NARROW", "Entrustment statements are per commune or wider.");
  const rates = await readFeeRates();
  const interest = new Map<string, Map<string, number>>();
  let itemsRead = 0;
  const { districts, communePrefix } = await scopeDistricts(scope);
  for (const district of districts) {
    for await (const page of queryAll({
      partition: communeMonthPartition(district, query.month),
      ...(communePrefix ? { skPrefix: communePrefix } : {}),
    })) {
      itemsRead += page.items.length;
      for (const item of page.items) {
        const code = item.programCode as string;
        for (const org of ENTRUSTED_ORGS) {
          const collected = item[orgInterestAttribute(org)] as number | undefined;
          if (collected === undefined) continue;
          const byProgram = interest.get(org) ?? interest.set(org, new Map()).get(org)!;
          byProgram.set(code, (byProgram.get(code) ?? 0) + collected);
        }
      }
    }
  }
  const organisations = [...interest.entries()].sort().map(([entrustedOrg, byProgram]) => {
    const lines = [...byProgram.entries()].sort().map(([programCode, collected]) => {
      const rateBps = rateFor(rates, "ENTRUSTMENT_FEE", programCode, query.month);
      return { programCode, interestCollectedVnd: collected, rateBps, feeVnd: feeOf(collected, rateBps) };
    });
    return {
      entrustedOrg,
      lines,
      totalInterestCollectedVnd: lines.reduce((t, l) => t + l.interestCollectedVnd, 0),
      totalFeeVnd: lines.reduce((t, l) => t + l.feeVnd, 0),
    };
  });
  return { status: 200, body: { scope, month: query.month, organisations, itemsRead } };
});

export const handler = httpFunction([portfolio, entrustment]);
