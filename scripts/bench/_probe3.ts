import { UpdateCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { ensureTable, makeClients, startEngine } from "../lib/engine.ts";
import { seedLoans, benchLoanKey } from "./seed-loans.ts";
process.env.JOB_SHARDS = "16";
const engine = await startEngine();
const { client, doc } = makeClients(engine.endpoint);
await client.send(new CreateTableCommand({ TableName: "plain", BillingMode: "PAY_PER_REQUEST", AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }, { AttributeName: "SK", AttributeType: "S" }], KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }, { AttributeName: "SK", KeyType: "RANGE" }] }));
await doc.send(new PutCommand({ TableName: "plain", Item: { PK: "a", SK: "b", version: 0 } }));
async function seq(label: string, M: number, fn: (i: number) => Promise<unknown>) {
  const t = performance.now();
  for (let i = 0; i < M; i++) await fn(i);
  console.log(label, ((performance.now() - t) / M).toFixed(2), "ms/op");
}
await seq("plain tiny update", 300, (i) => doc.send(new UpdateCommand({ TableName: "plain", Key: { PK: "a", SK: "b" }, UpdateExpression: "SET #v = #v + :one", ExpressionAttributeNames: { "#v": "version" }, ExpressionAttributeValues: { ":one": 1 } })));
for (const size of [100, 2000]) {
  const table = `t${size}`;
  await ensureTable(client, table);
  await seedLoans(doc, table, { count: size, disbursedDaysBefore: 30, businessDate: "2026-12-03", district: "DB/BENCH", communes: 10 });
  await seq(`gsi table ${size} update`, 300, (i) => doc.send(new UpdateCommand({ TableName: table, Key: benchLoanKey(i % size), UpdateExpression: "SET accruedUnits = :u, #v = #v + :one", ExpressionAttributeNames: { "#v": "version" }, ExpressionAttributeValues: { ":u": String(i), ":one": 1 } })));
}
await engine.stop();
