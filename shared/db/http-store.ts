import { randomUUID } from "node:crypto";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { AwsClient, type AwsClientOptions, JSON_1_0 } from "../aws/client.ts";
import type { DocumentStore, Operation, StoreCommand } from "./store.ts";

/**
 * DynamoDB over its JSON protocol: marshal the document input as the SDK's document client does (same
 * fields, same options), send it signed, unmarshal the output. Errors keep the service's name and
 * fields, so `Item` and `CancellationReasons` arrive in the wire format as they do from the SDK.
 */

type Wire = Record<string, unknown>;
type Item = Record<string, unknown>;

/** Sees every call as sent and answered on the wire; the bench meters the handlers' calls with it. */
export type StoreObserver = {
  call?(operation: Operation, input: Wire, output: Wire): void;
  attempt?(operation: Operation): void;
};

export type HttpStoreOptions = Omit<AwsClientOptions, "service">;

const MARSHALL = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;
const UNMARSHALL = { wrapNumbers: false } as const;

export class HttpStore implements DocumentStore {
  readonly observers: StoreObserver[] = [];
  private readonly client: AwsClient;

  constructor(options: HttpStoreOptions) {
    this.client = new AwsClient({ ...options, service: "dynamodb" });
  }

  async send<Input, Output>(command: StoreCommand<Input, Output>): Promise<Output> {
    const operation = command.operation;
    const input = marshalInput(operation, command.input as Wire);
    let attempts = 0;
    const response = await this.client.post(
      JSON_1_0,
      JSON.stringify(input),
      { "x-amz-target": `DynamoDB_20120810.${operation}` },
      () => {
        attempts++;
        for (const observer of this.observers) observer.attempt?.(operation);
      },
    );
    const output = response.body ? (JSON.parse(response.body) as Wire) : {};
    for (const observer of this.observers) observer.call?.(operation, input, output);
    const requestId = response.headers["x-amzn-requestid"];
    const $metadata = { httpStatusCode: response.status, ...(requestId ? { requestId } : {}), attempts };
    return { ...unmarshalOutput(operation, output), $metadata } as Output;
  }
}

// ---- document ⇄ wire: the same fields the SDK's document client translates, with the same options ----

const toWire = (item: unknown) => (item === undefined ? undefined : marshall(item as Item, MARSHALL));
const fromWire = (item: unknown) => (item === undefined ? undefined : unmarshall(item as never, UNMARSHALL));

function withValues(body: Wire): Wire {
  const out: Wire = { ...body };
  for (const field of ["Key", "Item", "ExpressionAttributeValues", "ExclusiveStartKey"]) {
    if (body[field] !== undefined) out[field] = toWire(body[field]);
  }
  return out;
}

function marshalInput(operation: Operation, input: Wire): Wire {
  switch (operation) {
    case "BatchGetItem":
      return {
        ...input,
        RequestItems: mapValues(input.RequestItems as Record<string, Wire>, (request) => ({
          ...request,
          Keys: (request.Keys as unknown[]).map(toWire),
        })),
      };
    case "BatchWriteItem":
      return {
        ...input,
        RequestItems: mapValues(input.RequestItems as Record<string, Wire[]>, (requests) =>
          requests.map((request) => mapValues(request as Record<string, Wire>, withValues)),
        ),
      };
    case "TransactGetItems":
      return {
        ...input,
        TransactItems: (input.TransactItems as Record<string, Wire>[]).map((item) => mapValues(item, withValues)),
      };
    case "TransactWriteItems":
      return {
        ...input,
        TransactItems: (input.TransactItems as Record<string, Wire>[]).map((item) => mapValues(item, withValues)),
        // One token for every attempt of this call, as the SDK fills it: a retry after a commit whose
        // answer was lost is then answered as the commit, instead of failing its own conditions.
        ClientRequestToken: input.ClientRequestToken ?? randomUUID(),
      };
    default:
      return withValues(input);
  }
}

function unmarshalOutput(operation: Operation, output: Wire): Wire {
  const out: Wire = { ...output };
  for (const field of ["Item", "Attributes", "LastEvaluatedKey"]) {
    if (output[field] !== undefined) out[field] = fromWire(output[field]);
  }
  if (Array.isArray(output.Items)) out.Items = output.Items.map(fromWire);
  if (operation === "TransactGetItems" && Array.isArray(output.Responses)) {
    out.Responses = (output.Responses as Wire[]).map((r) => (r.Item ? { ...r, Item: fromWire(r.Item) } : r));
  }
  if (operation === "BatchGetItem") {
    if (output.Responses)
      out.Responses = mapValues(output.Responses as Record<string, unknown[]>, (l) => l.map(fromWire));
    if (output.UnprocessedKeys) {
      out.UnprocessedKeys = mapValues(output.UnprocessedKeys as Record<string, Wire>, (request) => ({
        ...request,
        Keys: (request.Keys as unknown[]).map(fromWire),
      }));
    }
  }
  if (operation === "BatchWriteItem" && output.UnprocessedItems) {
    out.UnprocessedItems = mapValues(output.UnprocessedItems as Record<string, Wire[]>, (requests) =>
      requests.map((request) =>
        mapValues(request as Record<string, Wire>, (body) => ({
          ...body,
          ...(body.Item ? { Item: fromWire(body.Item) } : {}),
          ...(body.Key ? { Key: fromWire(body.Key) } : {}),
        })),
      ),
    );
  }
  return out;
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const [name, value] of Object.entries(record)) out[name] = map(value);
  return out;
}
