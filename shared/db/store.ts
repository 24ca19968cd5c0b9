import type * as doc from "@aws-sdk/lib-dynamodb";

/**
 * The document-store port every module talks to: `send(new XCommand(input))`, with the same input and
 * output shapes as the AWS document client (plain JavaScript values in, plain values out). The
 * functions ship a small signed HTTP client behind it (`http-store.ts`) instead of the SDK, which is
 * most of a bundle's size and start-up time; tools and tests may put the SDK's document client behind
 * it instead (`scripts/lib/sdk-store.ts`).
 */
export type Operation =
  | "GetItem"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "Query"
  | "Scan"
  | "BatchGetItem"
  | "BatchWriteItem"
  | "TransactGetItems"
  | "TransactWriteItems";

export abstract class StoreCommand<Input, Output> {
  abstract readonly operation: Operation;
  /** Never read: it only carries the output type to `send`. */
  declare readonly _output?: Output;
  constructor(readonly input: Input) {}
}

export class GetCommand extends StoreCommand<doc.GetCommandInput, doc.GetCommandOutput> {
  readonly operation = "GetItem";
}
export class PutCommand extends StoreCommand<doc.PutCommandInput, doc.PutCommandOutput> {
  readonly operation = "PutItem";
}
export class UpdateCommand extends StoreCommand<doc.UpdateCommandInput, doc.UpdateCommandOutput> {
  readonly operation = "UpdateItem";
}
export class DeleteCommand extends StoreCommand<doc.DeleteCommandInput, doc.DeleteCommandOutput> {
  readonly operation = "DeleteItem";
}
export class QueryCommand extends StoreCommand<doc.QueryCommandInput, doc.QueryCommandOutput> {
  readonly operation = "Query";
}
export class ScanCommand extends StoreCommand<doc.ScanCommandInput, doc.ScanCommandOutput> {
  readonly operation = "Scan";
}
export class BatchGetCommand extends StoreCommand<doc.BatchGetCommandInput, doc.BatchGetCommandOutput> {
  readonly operation = "BatchGetItem";
}
export class BatchWriteCommand extends StoreCommand<doc.BatchWriteCommandInput, doc.BatchWriteCommandOutput> {
  readonly operation = "BatchWriteItem";
}
export class TransactGetCommand extends StoreCommand<doc.TransactGetCommandInput, doc.TransactGetCommandOutput> {
  readonly operation = "TransactGetItems";
}
export class TransactWriteCommand extends StoreCommand<doc.TransactWriteCommandInput, doc.TransactWriteCommandOutput> {
  readonly operation = "TransactWriteItems";
}

export type DocumentStore = {
  send<Input, Output>(command: StoreCommand<Input, Output>): Promise<Output>;
};

/** A value in an item, as the document client reads and writes it. */
export type NativeAttributeValue = doc.NativeAttributeValue;

/**
 * What a failed call throws, whichever store sent it: an Error named after the service's error type
 * (`ConditionalCheckFailedException`, `TransactionCanceledException`, `TimeoutError`, …) carrying the
 * service's fields as sent, so `Item` and `CancellationReasons[].Item` are still in the wire format.
 */
export type StoreError = Error & {
  CancellationReasons?: { Code?: string; Message?: string; Item?: Record<string, unknown> }[];
  Item?: Record<string, unknown>;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
};

export function isStoreError(error: unknown, name: string): error is StoreError {
  return error instanceof Error && error.name === name;
}
