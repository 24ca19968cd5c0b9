import { db, tableNameFromEnv } from "../db/client.ts";
import { hydrate, type Item } from "../db/items.ts";
import { keys } from "../db/keys.ts";
import { QueryCommand } from "../db/store.ts";
import type { TransactItem } from "../db/write.ts";
import { logger } from "../log/logger.ts";
import { commitPage, readCheckpoint } from "./runs.ts";
import { EMPTY_TOTALS, type ShardMessage, type ShardTotals } from "./types.ts";

export type LoanOutcome = "updated" | "skipped";

/** Work one page asks of each loan; what it adds to `pageWrites` commits with the page's checkpoint. */
export type PageWork = {
  perLoan: (loan: Item) => Promise<LoanOutcome>;
  /** Writes that commit with the checkpoint (journal entries, counters). Called once per page. */
  pageWrites: () => TransactItem[];
};

export type ShardOptions = {
  pageSize?: number;
  concurrency?: number;
  now?: () => Date;
  /** Fault injection for tests: called after a page's loans are processed, before it commits. */
  beforeCommit?: (page: number) => void | Promise<void>;
};

/**
 * A page commits in one transaction: its checkpoint, at most one journal entry per loan, and the run's
 * counter on the last page. DynamoDB takes 100 items in a transaction, so a page holds at most 98 loans,
 * whatever a caller asks for: a page whose loans all sit in different communes still commits.
 */
export const MAX_PAGE_SIZE = 98;

async function mapLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Works one shard of active loans page by page from its last checkpoint. Memory holds two pages at
 * most (the one being worked and the one read ahead), whatever the shard's size. A failure of one loan is counted and logged and does not stop the
 * shard (tomorrow's run catches that loan up); a failure of the page itself propagates, so the queue
 * retries the message and the shard resumes after its last committed page.
 */
export async function runShard(
  message: ShardMessage,
  startPage: () => PageWork,
  options: ShardOptions = {},
): Promise<ShardTotals & { alreadyDone: boolean }> {
  const pageSize = Math.min(options.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const concurrency = options.concurrency ?? 16;
  const now = options.now ?? (() => new Date());
  const checkpoint = await readCheckpoint(message.job, message.businessDate, message.shard);
  if (checkpoint?.done) return { ...EMPTY_TOTALS, alreadyDone: true };
  let pages = (checkpoint?.pages as number | undefined) ?? 0;
  let cursor = (checkpoint?.cursor as Record<string, unknown> | null | undefined) ?? undefined;
  let totals = { ...EMPTY_TOTALS };
  const readPage = async (from: Record<string, unknown> | undefined) => {
    const page = await db().send(
      new QueryCommand({
        TableName: tableNameFromEnv(),
        IndexName: "GSI3",
        KeyConditionExpression: "GSI3PK = :shard",
        ExpressionAttributeValues: { ":shard": keys.jobShard(message.shard) },
        Limit: pageSize,
        ...(from ? { ExclusiveStartKey: from } : {}),
      }),
    );
    // The shard index holds keys only; one BatchGetItem reads the page's loans (stale copies are
    // caught by each loan's conditional write and re-read there).
    return { loans: await hydrate(page.Items ?? []), next: page.LastEvaluatedKey };
  };
  // Reads run one page ahead, so the table is never idle between pages; a failed read surfaces when
  // its page is reached, and nothing is written for a page before its turn.
  const readAhead = (from: Record<string, unknown> | undefined) => {
    const reading = readPage(from);
    reading.catch(() => undefined);
    return reading;
  };
  let reading = readAhead(cursor);
  for (;;) {
    const { loans, next } = await reading;
    if (next) reading = readAhead(next);
    const work = startPage();
    const pageTotals = { ...EMPTY_TOTALS, pages: 1 };
    await mapLimited(loans, concurrency, async (loan) => {
      pageTotals.seen++;
      try {
        const outcome = await work.perLoan(loan);
        pageTotals[outcome]++;
      } catch (error) {
        pageTotals.failed++;
        logger.error("loan failed in job", { job: message.job, loanId: loan.loanId, error: error as Error });
      }
    });
    await options.beforeCommit?.(pages);
    cursor = next;
    await commitPage({
      job: message.job,
      businessDate: message.businessDate,
      shard: message.shard,
      pagesBefore: pages,
      cursor,
      totals: pageTotals,
      extra: work.pageWrites(),
      now: now().toISOString(),
    });
    pages++;
    totals = {
      seen: totals.seen + pageTotals.seen,
      updated: totals.updated + pageTotals.updated,
      skipped: totals.skipped + pageTotals.skipped,
      failed: totals.failed + pageTotals.failed,
      pages: totals.pages + 1,
    };
    if (!cursor) break;
  }
  return { ...totals, alreadyDone: false };
}
