import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { ensureTable, makeClients, startEngine } from "../lib/engine.ts";

const engine = await startEngine();
const { client, doc } = makeClients(engine.endpoint);
await ensureTable(client, "probe");
for (const step of ["initialize", "serialize", "build", "finalizeRequest", "deserialize"] as const) {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      console.log(step, context.commandName, JSON.stringify((args as { input: unknown }).input).slice(0, 80));
      const out = await next(args);
      console.log(" <-", step, JSON.stringify((out as { output?: unknown }).output ?? "").slice(0, 80));
      return out;
    },
    { step, name: `probe-${step}` },
  );
}
await doc.send(new PutCommand({ TableName: "probe", Item: { PK: "a", SK: "b", n: 1 } }));
await doc.send(new GetCommand({ TableName: "probe", Key: { PK: "a", SK: "b" } }));
await engine.stop();
