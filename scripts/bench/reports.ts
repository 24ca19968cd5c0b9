/**
 * What a report reads, next to what it describes. A district portfolio must cost the same whether the
 * district has a hundred loans or a hundred thousand; a group reconciliation may cost O(members).
 */
import { ENTRUSTED_ORGS } from "../../shared/db/org.ts";
import { businessDateInVietnam } from "../../shared/time.ts";
import type { Engine } from "../lib/engine.ts";
import { type BenchApi, memberBody, startBenchApi } from "./api.ts";
import type { Line } from "./report.ts";

const SECTION = "reports";
const PROGRAMS = [
  { programCode: "POOR", principalVnd: 50_000_000, termMonths: 36, installmentMonths: 6 },
  { programCode: "NEAR_POOR", principalVnd: 40_000_000, termMonths: 24, installmentMonths: 6 },
  { programCode: "WATER_SANITATION", principalVnd: 20_000_000, termMonths: 60, installmentMonths: 12 },
] as const;
const PARALLEL_GROUPS = 5;

export type ReportsShape = { communes: number; groupsPerCommune: number; loansPerGroup: number };

export async function benchReports(engine: Engine, shape: ReportsShape): Promise<Line[]> {
  const api = await startBenchApi(engine, "bench-reports");
  try {
    const officer = await api.token("BANK_OFFICER", "DB");
    const today = businessDateInVietnam();
    const run = Date.now().toString(36).toUpperCase();
    const district = `RPT-${run}`;
    const districtPath = `DB/${district}`;

    const groups: string[] = [];
    for (let c = 0; c < shape.communes; c++) {
      const communeCode = `RPT-${run}-C${c}`;
      api.expect(
        await api.call(officer, "POST", "/v1/communes", {
          code: communeCode,
          name: `Xã ${c}`,
          districtCode: district,
          provinceCode: "DB",
        }),
        201,
        "commune",
      );
      for (let g = 0; g < shape.groupsPerCommune; g++) {
        const group = api.expect(
          await api.call(officer, "POST", "/v1/groups", {
            communeCode,
            villageName: `Bản ${c}-${g}`,
            name: `Tổ TK&VV ${c}-${g}`,
            // Groups in one commune are entrusted to different mass organisations, as they are in the field.
            entrustedOrg: ENTRUSTED_ORGS[g % ENTRUSTED_ORGS.length],
          }),
          201,
          "group",
        );
        groups.push(group.groupId as string);
      }
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL_GROUPS }, async () => {
        while (next < groups.length) {
          const groupId = groups[next++]!;
          for (let l = 0; l < shape.loansPerGroup; l++) await disbursedLoan(api, officer, groupId, l, today);
        }
      }),
    );
    const loans = groups.length * shape.loansPerGroup;

    // Warm: the first request of a function loads its module and fills its caches.
    await api.call(officer, "GET", `/v1/reports/portfolio?scope=${districtPath}`);
    api.meter.reset();
    const portfolio = api.expect(
      await api.call(officer, "GET", `/v1/reports/portfolio?scope=${districtPath}`),
      200,
      "portfolio",
    );
    const portfolioRead = api.meter.itemsRead;
    const portfolioRequests = api.meter.attempts;
    const programs = PROGRAMS.length;
    // Balances and month flows per commune × program, one households item per commune, per district.
    const portfolioTarget = shape.communes * (programs * 2 + 1) + 1;
    const borrowers = (portfolio.totals as { borrowers: number }).borrowers;

    const groupId = groups[0]!;
    await api.call(officer, "GET", `/v1/groups/${groupId}/reconciliation`);
    api.meter.reset();
    const reconciliation = api.expect(
      await api.call(officer, "GET", `/v1/groups/${groupId}/reconciliation`),
      200,
      "reconciliation",
    );
    const reconciliationRead = api.meter.itemsRead;
    const members = (reconciliation.totals as { members: number }).members;
    // The group, and per member: the member, their loan and at most one savings account.
    const reconciliationTarget = 3 * members + 1;

    return [
      {
        section: SECTION,
        name: `portfolio items read (district, ${shape.communes} communes × ${programs} programs)`,
        value: portfolioRead,
        unit: "items",
        baseline: loans,
        baselineUnit: "loans",
        ratio: portfolioRead / loans,
        target: `≤ ${portfolioTarget} (C×(2P+1)+D)`,
        pass: portfolioRead <= portfolioTarget,
        note:
          `${portfolioRequests} requests; the report says itemsRead=${String(portfolio.itemsRead)}; ` +
          `borrowers in the report ${borrowers} of ${loans} loans disbursed` +
          (borrowers === loans ? "" : " (MISMATCH)"),
      },
      {
        section: SECTION,
        name: "reconciliation items read (one group)",
        value: reconciliationRead,
        unit: "items",
        baseline: members,
        baselineUnit: "members",
        ratio: reconciliationRead / members,
        target: `≤ ${reconciliationTarget} (3×members+1)`,
        pass: reconciliationRead <= reconciliationTarget,
        note: `the report says itemsRead=${String(reconciliation.itemsRead)}`,
      },
    ];
  } finally {
    await api.close();
  }
}

async function disbursedLoan(api: BenchApi, officer: string, groupId: string, n: number, today: string) {
  const member = api.expect(await api.call(officer, "POST", "/v1/members", memberBody(groupId, n)), 201, "member");
  const plan = PROGRAMS[n % PROGRAMS.length]!;
  const loan = api.expect(
    await api.call(officer, "POST", "/v1/loans", {
      memberId: member.memberId,
      programCode: plan.programCode,
      principalVnd: plan.principalVnd,
      disbursementPlan: { termMonths: plan.termMonths, principalInstallmentMonths: plan.installmentMonths },
      purpose: "Sản xuất",
    }),
    201,
    "loan",
  );
  const loanId = loan.loanId as string;
  api.expect(await api.call(officer, "POST", `/v1/loans/${loanId}/approve`, {}), 200, "approve");
  api.expect(await api.call(officer, "POST", `/v1/loans/${loanId}/disburse`, { disbursedOn: today }), 200, "disburse");
}
