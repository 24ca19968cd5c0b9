import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable, makeClients, startEngine } from "../lib/engine.ts";
import { benchLoanKey, seedLoans } from "./seed-loans.ts";

process.env.JOB_SHARDS = "16";
const engine = await startEngine();
const { client, doc } = makeClients(engine.endpoint);
await ensureTable(client, "probe");
const N = Number(process.argv[2] ?? 10000);
let t = performance.now();
await seedLoans(doc, "probe", {
  count: N,
  disbursedDaysBefore: 30,
  businessDate: "2026-12-03",
  district: "DB/BENCH",
  communes: 10,
});
console.log("seed", N, (performance.now() - t).toFixed(0), "ms");
const got = await doc.send(new GetCommand({ TableName: "probe", Key: benchLoanKey(1) }));
console.log(JSON.stringify(got.Item).length);
const r = await client.send(
  new UpdateItemCommand({
    TableName: "probe",
    Key: { PK: { S: benchLoanKey(1).PK }, SK: { S: "LOAN" } },
    UpdateExpression: "SET #v = #v + :one",
    ExpressionAttributeNames: { "#v": "version" },
    ExpressionAttributeValues: { ":one": { N: "1" } },
    ReturnConsumedCapacity: "INDEXES",
  }),
);
console.log(JSON.stringify(r.ConsumedCapacity));
t = performance.now();
let next = 0;
const M = Math.min(N, 20000);
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < M) {
      const n = next++;
      await doc.send(
        new UpdateCommand({
          TableName: "probe",
          Key: benchLoanKey(n),
          UpdateExpression: "SET accruedUnits = :u, #v = #v + :one",
          ConditionExpression: "#v = :v",
          ExpressionAttributeNames: { "#v": "version" },
          ExpressionAttributeValues: { ":u": "123", ":one": 1, ":v": n === 1 ? 4 : 3 },
        }),
      );
    }
  }),
);
const s = (performance.now() - t) / 1000;
console.log("updates", M, s.toFixed(2), "s", (M / s).toFixed(0), "/s");
console.log(process.memoryUsage().rss / 1e6);
await engine.stop();
