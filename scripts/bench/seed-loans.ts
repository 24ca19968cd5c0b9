/**
 * Active loans written straight to the table in bulk, as the real lifecycle would leave them: built by
 * the domain's createLoan/approve/disburse and stored by the adapter's loanToItem, so the items the
 * job reads carry the same attributes and index keys as loans disbursed through the API.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { loanToItem } from "../../shared/db/loans.ts";
import { addDays } from "../../shared/domain/dates.ts";
import { PROGRAMS } from "../../shared/domain/programs.ts";
import { approve, createLoan, disburse } from "../../shared/domain/transitions.ts";

const BATCH = 25;

export type SeedShape = {
  count: number;
  /** Loans are disbursed this many days before the business date, so every one has days to accrue. */
  disbursedDaysBefore: number;
  businessDate: string;
  district: string;
  communes: number;
  /** Version the items start at, as if a few postings had already touched them. */
  version: number;
};

function* loanItems(shape: SeedShape) {
  const program = PROGRAMS.POOR;
  const disbursedOn = addDays(shape.businessDate, -shape.disbursedDaysBefore);
  const createdAt = new Date().toISOString();
  for (let n = 0; n < shape.count; n++) {
    const serial = String(n).padStart(7, "0");
    const commune = `C-${n % shape.communes}`;
    const groupId = `G-BENCH-${commune}-${Math.floor(n / 40) % 50}`;
    const loanId = `L-BENCH-${serial}`;
    const loan = disburse(
      approve(
        createLoan(
          {
            loanId,
            memberId: `M-BENCH-${serial}`,
            groupId,
            principalVnd: 30_000_000 + (n % 20) * 1_000_000,
            termMonths: 36,
            installmentPeriodMonths: 6,
          },
          program,
        ),
      ),
      program,
      disbursedOn,
    );
    const communePath = `${shape.district}/${commune}`;
    yield loanToItem(
      loan,
      { scope: `${communePath}/${groupId}`, communePath, entrustedOrg: "WOMEN_UNION" },
      {
        version: shape.version,
        purpose: "Nuôi bò sinh sản",
        createdAt,
        memberName: `Giàng A Chùa ${serial}`,
        groupName: `Tổ TK&VV ${groupId}`,
      },
    );
  }
}

/** BatchWrite in parallel streams, re-sending what the engine hands back unprocessed. */
export async function seedLoans(doc: DynamoDBDocumentClient, table: string, shape: SeedShape, parallel = 8) {
  const source = loanItems(shape);
  const stream = async () => {
    for (;;) {
      const batch = [];
      for (let i = 0; i < BATCH; i++) {
        const next = source.next();
        if (next.done) break;
        batch.push({ PutRequest: { Item: next.value } });
      }
      if (batch.length === 0) return;
      let pending: typeof batch | undefined = batch;
      while (pending && pending.length > 0) {
        const answer = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = answer.UnprocessedItems?.[table] as typeof batch | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, stream));
}

export function benchLoanKey(n: number) {
  return { PK: `LOAN#L-BENCH-${String(n).padStart(7, "0")}`, SK: "LOAN" };
}
