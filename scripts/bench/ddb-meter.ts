import type { HttpStore, StoreObserver } from "../../shared/db/http-store.ts";

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

/**
 * Counts what the handlers' store sends and reads, as it goes on the wire, so the numbers are the
 * application's own calls and not what the bench believes it calls.
 */
export type Meter = {
  /** One per `send`, by command name. */
  commands: Map<string, number>;
  /** HTTP requests, retries included: what the table bills and the latency pays for. */
  attempts: number;
  /** Items the engine read: Query/Scan ScannedCount, one per Get hit, one per transact or batch Get hit. */
  itemsRead: number;
  /** UpdateItem calls whose key is a loan item. */
  loanUpdates: number;
  /** Items in all TransactWriteItems calls together. */
  transactWriteItems: number;
  /** The last input of each command, as sent on the wire (marshalled). */
  lastInput: Map<string, Input>;
  reset(): void;
  total(): number;
};

export function attachMeter(store: HttpStore): Meter {
  const meter: Meter = {
    commands: new Map(),
    attempts: 0,
    itemsRead: 0,
    loanUpdates: 0,
    transactWriteItems: 0,
    lastInput: new Map(),
    reset() {
      meter.commands.clear();
      meter.attempts = 0;
      meter.itemsRead = 0;
      meter.loanUpdates = 0;
      meter.transactWriteItems = 0;
      meter.lastInput.clear();
    },
    total() {
      let sum = 0;
      for (const n of meter.commands.values()) sum += n;
      return sum;
    },
  };
  const observer: StoreObserver = {
    // Once per HTTP request, retries included.
    attempt() {
      meter.attempts++;
    },
    // Once per answered call, with the input as marshalled for the wire.
    call(operation, input, output) {
      const command = `${operation}Command`;
      meter.commands.set(command, (meter.commands.get(command) ?? 0) + 1);
      meter.lastInput.set(command, input);
      if (command === "UpdateItemCommand" && isLoanKey(input.Key)) meter.loanUpdates++;
      if (command === "TransactWriteItemsCommand") {
        meter.transactWriteItems += (input.TransactItems as unknown[] | undefined)?.length ?? 0;
      }
      meter.itemsRead += itemsIn(command, output);
    },
  };
  store.observers.length = 0;
  store.observers.push(observer);
  return meter;
}

function isLoanKey(key: unknown): boolean {
  const pk = (key as { PK?: { S?: string } | string } | undefined)?.PK;
  const text = typeof pk === "string" ? pk : pk?.S;
  return typeof text === "string" && text.startsWith("LOAN#");
}

function itemsIn(command: string, output: Output): number {
  switch (command) {
    case "GetItemCommand":
      return output.Item ? 1 : 0;
    case "QueryCommand":
    case "ScanCommand":
      return (output.ScannedCount as number | undefined) ?? (output.Items as unknown[] | undefined)?.length ?? 0;
    case "TransactGetItemsCommand":
      return ((output.Responses as { Item?: unknown }[] | undefined) ?? []).filter((r) => r?.Item).length;
    case "BatchGetItemCommand":
      return Object.values((output.Responses as Record<string, unknown[]> | undefined) ?? {}).reduce(
        (n, items) => n + items.length,
        0,
      );
    default:
      return 0;
  }
}
