import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable, makeClients, startEngine } from "../lib/engine.ts";
import { benchLoanKey, seedLoans } from "./seed-loans.ts";

process.env.JOB_SHARDS = "16";
const engine = await startEngine();
const { client, doc } = makeClients(engine.endpoint);
async function seq(label: string, M: number, fn: (i: number) => Promise<unknown>) {
  const t = performance.now();
  for (let i = 0; i < M; i++) await fn(i);
  console.log(label, ((performance.now() - t) / M).toFixed(2), "ms/op");
}
const sizes = [100, 1000, 4000, 8000];
for (const size of sizes) {
  const t = performance.now();
  await ensureTable(client, `t${size}`);
  await seedLoans(doc, `t${size}`, {
    count: size,
    disbursedDaysBefore: 30,
    businessDate: "2026-12-03",
    district: "DB/BENCH",
    communes: 10,
  });
  console.log("seed", size, ((performance.now() - t) / size).toFixed(2), "ms/item");
}
for (let round = 0; round < 2; round++)
  for (const size of sizes) {
    const table = `t${size}`;
    await seq(`get ${size}`, 200, (i) => doc.send(new GetCommand({ TableName: table, Key: benchLoanKey(i % size) })));
    await seq(`update ${size}`, 200, (i) =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: benchLoanKey(i % size),
          UpdateExpression: "SET accruedUnits = :u, #v = #v + :one",
          ExpressionAttributeNames: { "#v": "version" },
          ExpressionAttributeValues: { ":u": String(i), ":one": 1 },
        }),
      ),
    );
  }
await engine.stop();
