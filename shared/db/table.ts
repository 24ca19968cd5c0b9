/**
 * The single table, defined once. The CDK stack, the local bootstrap and the test set-up all build
 * the table from this description; nothing else names key attributes or indexes.
 */

export type KeyAttribute = { name: string; type: "S" | "N" };

export type GlobalIndex = {
  indexName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  /** Attributes copied into the index besides the keys; "ALL" copies the whole item. */
  projection: "ALL" | "KEYS_ONLY" | { include: string[] };
  purpose: string;
};

export type TableDefinition = {
  /** Logical name; the deployed table is named `<stage>-<baseName>`. */
  baseName: string;
  partitionKey: KeyAttribute;
  sortKey: KeyAttribute;
  globalIndexes: GlobalIndex[];
  /** Epoch-seconds attribute after which DynamoDB deletes the item (idempotency records only). */
  timeToLiveAttribute: string;
  billingMode: "PAY_PER_REQUEST";
};

/** What list reads need from GSI1; none of it changes when money moves. */
const GSI1_ATTRIBUTES = [
  "type",
  "path",
  "level",
  "code",
  "name",
  "groupId",
  "memberId",
  "scope",
  "fullName",
  "nationalId",
  "phone",
  "householdCategory",
  "smsOptOut",
  "createdAt",
  "program",
  "loanId",
  "receiptId",
  "transactionId",
  "paidOn",
  "interestVnd",
  "principalVnd",
  "totalVnd",
];

export const TABLE: TableDefinition = {
  baseName: "policy-credit",
  partitionKey: { name: "PK", type: "S" },
  sortKey: { name: "SK", type: "S" },
  globalIndexes: [
    {
      indexName: "GSI1",
      partitionKey: { name: "GSI1PK", type: "S" },
      sortKey: { name: "GSI1SK", type: "S" },
      // Only attributes that never change after a loan is written: a posting or a nightly accrual then
      // rewrites no index copy. Lists of org nodes, groups, members, receipts and programs read from here.
      projection: { include: GSI1_ATTRIBUTES },
      purpose: "children of a parent: groups of a commune, members of a group, loans and receipts of a member",
    },
    {
      indexName: "GSI2",
      partitionKey: { name: "GSI2PK", type: "S" },
      sortKey: { name: "GSI2SK", type: "S" },
      projection: "KEYS_ONLY",
      purpose: "a group's book: the keys of every loan and savings account of its members (reconciliation)",
    },
    {
      indexName: "GSI3",
      partitionKey: { name: "GSI3PK", type: "S" },
      sortKey: { name: "GSI3SK", type: "S" },
      projection: "KEYS_ONLY",
      purpose: "sparse job shards: only loans that accrue or can fall due carry these keys",
    },
  ],
  timeToLiveAttribute: "expiresAt",
  billingMode: "PAY_PER_REQUEST",
};

export function tableName(stage: string): string {
  return `${stage}-${TABLE.baseName}`;
}

/** The CreateTable input for the SDK (local engine and tests). */
export function createTableInput(name: string) {
  const attributes = new Map<string, KeyAttribute>();
  for (const key of [TABLE.partitionKey, TABLE.sortKey]) attributes.set(key.name, key);
  for (const index of TABLE.globalIndexes) {
    attributes.set(index.partitionKey.name, index.partitionKey);
    attributes.set(index.sortKey.name, index.sortKey);
  }
  return {
    TableName: name,
    BillingMode: TABLE.billingMode,
    AttributeDefinitions: [...attributes.values()].map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey.name, KeyType: "HASH" as const },
      { AttributeName: TABLE.sortKey.name, KeyType: "RANGE" as const },
    ],
    GlobalSecondaryIndexes: TABLE.globalIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: "HASH" as const },
        { AttributeName: index.sortKey.name, KeyType: "RANGE" as const },
      ],
      Projection:
        index.projection === "ALL" || index.projection === "KEYS_ONLY"
          ? { ProjectionType: index.projection }
          : { ProjectionType: "INCLUDE" as const, NonKeyAttributes: index.projection.include },
    })),
  };
}
