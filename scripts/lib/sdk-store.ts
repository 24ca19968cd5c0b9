import * as lib from "@aws-sdk/lib-dynamodb";
import type { DocumentStore, Operation, StoreCommand } from "../../shared/db/store.ts";

/** The SDK's document-client command for each operation of the store port. */
const SDK_COMMANDS = {
  GetItem: lib.GetCommand,
  PutItem: lib.PutCommand,
  UpdateItem: lib.UpdateCommand,
  DeleteItem: lib.DeleteCommand,
  Query: lib.QueryCommand,
  Scan: lib.ScanCommand,
  BatchGetItem: lib.BatchGetCommand,
  BatchWriteItem: lib.BatchWriteCommand,
  TransactGetItems: lib.TransactGetCommand,
  TransactWriteItems: lib.TransactWriteCommand,
} satisfies Record<Operation, unknown>;

/**
 * The store port on the SDK's document client. The functions never ship it; tools use it where the SDK's
 * credential chain matters, and fault suites use it because aws-sdk-client-mock can wrap an SDK client:
 * a stub on `lib.TransactWriteCommand` sees exactly the commands the handlers send through the port.
 */
export function sdkStore(client: lib.DynamoDBDocumentClient): DocumentStore {
  return {
    send<Input, Output>(command: StoreCommand<Input, Output>): Promise<Output> {
      const Command = SDK_COMMANDS[command.operation] as unknown as new (input: Input) => never;
      return client.send(new Command(command.input)) as Promise<Output>;
    },
  };
}
