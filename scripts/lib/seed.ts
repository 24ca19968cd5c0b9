import { type DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";

/**
 * A small demo district from the domain notes: Điện Biên province, Tủa Chùa district, Mường Báng
 * commune, two groups with a few members and loans. Seeding goes through the public API, so the demo
 * data is exactly what clients would create. A marker item makes a second run a no-op.
 */

export const DEMO = {
  province: "DB",
  district: "TUA-CHUA",
  commune: "MUONG-BANG",
  communePath: "DB/TUA-CHUA/MUONG-BANG",
  groups: [
    { groupId: "G-KECAI-01", villageName: "Kể Cải", name: "Tổ TK&VV bản Kể Cải", entrustedOrg: "FARMERS_ASSOCIATION" },
    { groupId: "G-HUOISO-01", villageName: "Huổi Sô", name: "Tổ TK&VV bản Huổi Sô", entrustedOrg: "WOMEN_UNION" },
  ],
  members: [
    { group: 0, fullName: "Giàng A Chùa", nationalId: "011080000101", phone: "0912000101", householdCategory: "POOR" },
    {
      group: 0,
      fullName: "Lầu A Già",
      nationalId: "011080000102",
      phone: "0912000102",
      householdCategory: "NEAR_POOR",
    },
    { group: 0, fullName: "Sùng Thị Mỷ", nationalId: "011080000103", phone: "0912000103", householdCategory: "POOR" },
    {
      group: 1,
      fullName: "Lò Thị Xuân",
      nationalId: "011080000201",
      phone: "0912000201",
      householdCategory: "ESCAPED_POVERTY",
    },
    {
      group: 1,
      fullName: "Quàng Văn Minh",
      nationalId: "011080000202",
      phone: "0912000202",
      householdCategory: "POOR",
    },
    {
      group: 1,
      fullName: "Tòng Thị Lan",
      nationalId: "011080000203",
      phone: "0912000203",
      householdCategory: "NEAR_POOR",
    },
  ],
  loans: [
    {
      member: 0,
      programCode: "POOR",
      principalVnd: 50_000_000,
      termMonths: 36,
      installmentMonths: 6,
      disbursedOn: "2026-01-15",
      purpose: "Nuôi bò sinh sản",
    },
    {
      member: 1,
      programCode: "NEAR_POOR",
      principalVnd: 40_000_000,
      termMonths: 24,
      installmentMonths: 6,
      disbursedOn: "2026-03-10",
      purpose: "Trồng cây ăn quả",
    },
    {
      member: 2,
      programCode: "WATER_SANITATION",
      principalVnd: 25_000_000,
      termMonths: 60,
      installmentMonths: 12,
      disbursedOn: "2025-11-20",
      purpose: "Xây bể nước sạch",
    },
    {
      member: 3,
      programCode: "ESCAPED_POVERTY",
      principalVnd: 60_000_000,
      termMonths: 36,
      installmentMonths: 12,
      disbursedOn: "2026-05-05",
      purpose: "Mở rộng chăn nuôi lợn",
    },
    {
      member: 4,
      programCode: "POOR",
      principalVnd: 30_000_000,
      termMonths: 36,
      installmentMonths: 6,
      disbursedOn: "2026-06-15",
      purpose: "Nuôi dê",
    },
  ],
} as const;

export const SEED_MARKER = { PK: "SEED#demo-district", SK: "SEED" };

type Call = (method: string, path: string, body?: unknown, key?: string) => Promise<{ status: number; json: unknown }>;

function ok(result: { status: number; json: unknown }, what: string) {
  if (result.status >= 300) throw new Error(`seeding ${what} failed: ${result.status} ${JSON.stringify(result.json)}`);
  return result.json as Record<string, unknown>;
}

export async function seedDemo(
  doc: DynamoDBDocumentClient,
  tableName: string,
  call: Call,
): Promise<{ seeded: boolean; borrowerMemberId?: string }> {
  const marker = await doc.send(new GetCommand({ TableName: tableName, Key: SEED_MARKER, ConsistentRead: true }));
  if (marker.Item) return { seeded: false, borrowerMemberId: marker.Item.borrowerMemberId as string };

  ok(
    await call(
      "POST",
      "/v1/communes",
      {
        code: DEMO.commune,
        name: "Mường Báng",
        districtCode: DEMO.district,
        provinceCode: DEMO.province,
        districtName: "Tủa Chùa",
        provinceName: "Điện Biên",
      },
      "seed-commune",
    ),
    "commune",
  );
  for (const g of DEMO.groups) {
    ok(await call("POST", "/v1/groups", { communeCode: DEMO.commune, ...g }, `seed-group-${g.groupId}`), g.groupId);
  }
  const memberIds: string[] = [];
  for (const [i, m] of DEMO.members.entries()) {
    const { group, ...body } = m;
    const created = ok(
      await call("POST", "/v1/members", { groupId: DEMO.groups[group]!.groupId, ...body }, `seed-member-${i}`),
      m.fullName,
    );
    memberIds.push(created.memberId as string);
  }
  await call("PUT", `/v1/groups/${DEMO.groups[0].groupId}/leader`, { memberId: memberIds[0] });
  await call("PUT", `/v1/groups/${DEMO.groups[1].groupId}/leader`, { memberId: memberIds[3] });
  for (const [i, l] of DEMO.loans.entries()) {
    const created = ok(
      await call(
        "POST",
        "/v1/loans",
        {
          memberId: memberIds[l.member],
          programCode: l.programCode,
          principalVnd: l.principalVnd,
          disbursementPlan: { termMonths: l.termMonths, principalInstallmentMonths: l.installmentMonths },
          purpose: l.purpose,
        },
        `seed-loan-${i}`,
      ),
      `loan ${i}`,
    );
    const loanId = created.loanId as string;
    ok(await call("POST", `/v1/loans/${loanId}/approve`, {}, `seed-approve-${i}`), `approve ${i}`);
    ok(
      await call("POST", `/v1/loans/${loanId}/disburse`, { disbursedOn: l.disbursedOn }, `seed-disburse-${i}`),
      `disburse ${i}`,
    );
  }
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: { ...SEED_MARKER, seededAt: new Date().toISOString(), borrowerMemberId: memberIds[1] },
    }),
  );
  return { seeded: true, borrowerMemberId: memberIds[1] };
}
