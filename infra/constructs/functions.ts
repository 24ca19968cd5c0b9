import { existsSync } from "node:fs";
import * as path from "node:path";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { FunctionDef, TableAction } from "../../shared/http/routes.ts";
import type { StageSettings } from "../settings.ts";

/** Where every function's table grant points. */
export type TableAccess = {
  tableName: string;
  tableArn: string;
  /** One ARN per GSI; Query is granted on these, never on `index/*`. */
  indexArns: readonly string[];
};

export type HttpFunctionsProps = TableAccess & {
  settings: StageSettings;
  /** Absolute path of the repository root; entries and the lock file are resolved from it. */
  projectRoot: string;
  functions: readonly FunctionDef[];
};

/** Namespace of the embedded-metric lines the functions write; alarms and the dashboard read the same. */
export const METRICS_NAMESPACE = "PolicyCredit";

const DEFAULT_MEMORY_MB = 512;
const DEFAULT_TIMEOUT_SECONDS = 10;
/** API Gateway gives up on an integration after 30 s; a longer Lambda timeout would only hide that. */
const MAX_HTTP_TIMEOUT_SECONDS = 29;

// Some bundled CommonJS dependencies call require(); ESM output has none unless we create it.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __policyCreditCreateRequire } from 'node:module';" +
  "const require = __policyCreditCreateRequire(import.meta.url);";

export function functionName(stage: string, name: string): string {
  return `policy-credit-${stage}-${name}`;
}

/**
 * The `service` dimension Powertools adds to every metric the function emits. It carries the stage, so two
 * stages in one account never add up in the same metric or trip each other's alarms.
 */
export function serviceName(stage: string, name: string): string {
  return functionName(stage, name);
}

export type PolicyCreditFunctionProps = TableAccess & {
  settings: StageSettings;
  projectRoot: string;
  name: string;
  entry: string;
  tableActions: readonly TableAction[];
  memoryMb: number;
  timeoutSeconds: number;
  /** Added to the environment every function shares. */
  environment?: Record<string, string>;
  /** Further inline policies of the function's own role. */
  inlinePolicies?: Record<string, iam.PolicyDocument>;
  /** Asynchronous invocations only: where an event goes once Lambda's own retries are spent. */
  deadLetterQueue?: sqs.IQueue;
  retryAttempts?: number;
  maxEventAge?: Duration;
};

/**
 * One Lambda as every function of this stack is built: Node 24 on arm64, bundled locally with esbuild, its own
 * log group, and its own role that may write only that log group and use only the table actions it lists.
 */
export class PolicyCreditFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly functionName: string;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PolicyCreditFunctionProps) {
    super(scope, id);
    const { settings } = props;
    const entry = path.resolve(props.projectRoot, props.entry);
    if (!existsSync(entry)) throw new Error(`function "${props.name}": entry ${props.entry} does not exist`);

    this.functionName = functionName(settings.stage, props.name);
    this.serviceName = serviceName(settings.stage, props.name);

    const logGroup = new logs.LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${this.functionName}`,
      retention: settings.isProduction ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to every log group.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Runs ${this.functionName}`,
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
              resources: [logGroup.logGroupArn],
            }),
          ],
        }),
        ...tablePolicy(props.tableActions, props),
        ...props.inlinePolicies,
      },
    });

    this.function = new nodejs.NodejsFunction(this, "Function", {
      functionName: this.functionName,
      entry,
      handler: "handler",
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, "package-lock.json"),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      role: this.role,
      logGroup,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
      ...(props.maxEventAge ? { maxEventAge: props.maxEventAge } : {}),
      environment: {
        TABLE_NAME: props.tableName,
        STAGE: settings.stage,
        // Every function that writes a loan places it in a job shard by this count, not only the jobs.
        JOB_SHARDS: String(settings.jobs.shards),
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        LOG_LEVEL: settings.logLevel,
        NODE_OPTIONS: "--enable-source-maps",
        ...props.environment,
      },
      bundling: {
        minify: true,
        sourceMap: true,
        format: nodejs.OutputFormat.ESM,
        mainFields: ["module", "main"],
        banner: ESM_REQUIRE_BANNER,
        target: "node24",
        // The functions import no SDK client; whatever the tools' baseline bundles is bundled, never the runtime's.
        bundleAwsSDK: true,
        externalModules: [],
        forceDockerBundling: false,
      },
    });
  }
}

/** The runtime finding holds for every function of the stack; each group of functions acknowledges it. */
export function acknowledgeRuntime(scope: Construct): void {
  Validations.of(scope).acknowledge({
    id: "AwsSolutions-L1",
    reason:
      "Pinned to nodejs24.x, the Node line of the toolchain (package.json pins node 24) that runs the " +
      "tests and the local server; the runtime moves together with that pin, not ahead of it.",
  });
}

/** One Lambda per HTTP function of the route manifest, each with its own role, log group and table grant. */
export class HttpFunctions extends Construct {
  readonly byName = new Map<string, nodejs.NodejsFunction>();
  /** The `service` dimension of each function's metrics. */
  readonly serviceNames: string[] = [];

  constructor(scope: Construct, id: string, props: HttpFunctionsProps) {
    super(scope, id);
    const { settings } = props;
    // List cursors are HMAC-signed so a forged one is refused. The key is generated once per stage;
    // rotating it (a new secret version and a deploy) only invalidates cursors a client holds.
    const cursorKey = new secretsmanager.Secret(this, "CursorSigningKey", {
      secretName: `policy-credit-${settings.stage}-cursor-signing-key`,
      description: "HMAC key for list cursors",
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(cursorKey).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The key only makes list cursors tamper-evident; it guards no data (scope checks do). Rotation is a new " +
        "secret version plus a deploy, which at worst makes clients restart a list from its first page.",
    });

    for (const def of props.functions) {
      if (this.byName.has(def.name)) throw new Error(`HTTP function "${def.name}" is listed twice`);
      const timeoutSeconds = def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (timeoutSeconds > MAX_HTTP_TIMEOUT_SECONDS) {
        throw new Error(`HTTP function "${def.name}": timeout ${timeoutSeconds}s exceeds ${MAX_HTTP_TIMEOUT_SECONDS}s`);
      }

      const built = new PolicyCreditFunction(this, def.name, {
        settings,
        projectRoot: props.projectRoot,
        tableName: props.tableName,
        tableArn: props.tableArn,
        indexArns: props.indexArns,
        name: def.name,
        entry: def.entry,
        tableActions: def.tableActions,
        memoryMb: def.memoryMb ?? DEFAULT_MEMORY_MB,
        timeoutSeconds,
        environment: {
          ALLOWED_ORIGINS: settings.allowedOrigins.join(","),
          // Resolved by CloudFormation at deploy time: the template holds only a reference.
          CURSOR_SIGNING_KEY: cursorKey.secretValue.unsafeUnwrap(),
        },
      });
      this.byName.set(def.name, built.function);
      this.serviceNames.push(built.serviceName);
    }

    acknowledgeRuntime(this);
  }

  get(name: string): nodejs.NodejsFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`no HTTP function named "${name}"`);
    return fn;
  }
}

function tablePolicy(tableActions: readonly TableAction[], access: TableAccess): Record<string, iam.PolicyDocument> {
  const actions = [...new Set(tableActions)];
  if (actions.length === 0) return {};
  const statements = [new iam.PolicyStatement({ actions, resources: [access.tableArn] })];
  // Only Query reads an index; the other actions address the base table alone.
  if (actions.includes("dynamodb:Query") && access.indexArns.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ["dynamodb:Query"], resources: [...access.indexArns] }));
  }
  return { Table: new iam.PolicyDocument({ statements }) };
}
