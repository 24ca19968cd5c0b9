import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable, makeClients, startEngine } from "../lib/engine.ts";
import { benchLoanKey, seedLoans } from "./seed-loans.ts";

process.env.JOB_SHARDS = "16";
const engine = await startEngine();
const { client, doc } = makeClients(engine.endpoint);
await ensureTable(client, "probe");
const N = 4000;
let t = performance.now();
await seedLoans(doc, "probe", {
  count: N,
  disbursedDaysBefore: 30,
  businessDate: "2026-12-03",
  district: "DB/BENCH",
  communes: 10,
});
console.log("seed", N, (performance.now() - t).toFixed(0), "ms");
const version = new Map<number, number>();
for (const conc of [1, 4, 16, 64]) {
  t = performance.now();
  const cpu0 = process.cpuUsage();
  let next = 0;
  const M = 1000;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < M) {
        const n = next++;
        const v = version.get(n) ?? 3;
        await doc.send(
          new UpdateCommand({
            TableName: "probe",
            Key: benchLoanKey(n),
            UpdateExpression: "SET accruedUnits = :u, #v = #v + :one",
            ConditionExpression: "#v = :v",
            ExpressionAttributeNames: { "#v": "version" },
            ExpressionAttributeValues: { ":u": "123", ":one": 1, ":v": v },
          }),
        );
        version.set(n, v + 1);
      }
    }),
  );
  const s = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    "conc",
    conc,
    (M / s).toFixed(0),
    "/s",
    "client cpu ms/op",
    ((cpu.user + cpu.system) / 1000 / M).toFixed(2),
  );
}
await engine.stop();
