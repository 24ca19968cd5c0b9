import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import { Construct } from "constructs";
import { type GlobalIndex, type KeyAttribute, TABLE, tableName } from "../../shared/db/table.ts";

export type PolicyCreditTableProps = { stage: string };

/** The single table, built from the shared definition so the cloud and the local engine never drift. */
export class PolicyCreditTable extends Construct {
  readonly table: dynamodb.Table;
  /** ARNs of every GSI by name: grants list them instead of `index/*`. */
  readonly indexArns: string[];

  constructor(scope: Construct, id: string, props: PolicyCreditTableProps) {
    super(scope, id);

    this.table = new dynamodb.Table(this, "Table", {
      tableName: tableName(props.stage),
      partitionKey: attribute(TABLE.partitionKey),
      sortKey: attribute(TABLE.sortKey),
      billingMode: billingMode(TABLE.billingMode),
      timeToLiveAttribute: TABLE.timeToLiveAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Financial history is never deleted, not even with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const index of TABLE.globalIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        ...projection(index.projection),
      });
    }

    this.indexArns = TABLE.globalIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`);
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}

function billingMode(mode: typeof TABLE.billingMode): dynamodb.BillingMode {
  switch (mode) {
    case "PAY_PER_REQUEST":
      return dynamodb.BillingMode.PAY_PER_REQUEST;
  }
}

function projection(
  value: GlobalIndex["projection"],
): Pick<dynamodb.GlobalSecondaryIndexProps, "projectionType" | "nonKeyAttributes"> {
  if (value === "ALL") return { projectionType: dynamodb.ProjectionType.ALL };
  if (value === "KEYS_ONLY") return { projectionType: dynamodb.ProjectionType.KEYS_ONLY };
  return { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: value.include };
}
