import { existsSync } from "node:fs";
import * as path from "node:path";
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { FunctionDef } from "../../shared/http/routes.ts";
import type { StageSettings } from "../settings.ts";

export type HttpFunctionsProps = {
  settings: StageSettings;
  /** Absolute path of the repository root; entries and the lock file are resolved from it. */
  projectRoot: string;
  functions: readonly FunctionDef[];
  tableName: string;
  tableArn: string;
  /** One ARN per GSI; Query is granted on these, never on `index/*`. */
  indexArns: readonly string[];
};

const DEFAULT_MEMORY_MB = 512;
const DEFAULT_TIMEOUT_SECONDS = 10;
/** API Gateway gives up on an integration after 30 s; a longer Lambda timeout would only hide that. */
const MAX_HTTP_TIMEOUT_SECONDS = 29;

// Some bundled CommonJS dependencies call require(); ESM output has none unless we create it.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __policyCreditCreateRequire } from 'node:module';" +
  "const require = __policyCreditCreateRequire(import.meta.url);";

/** One Lambda per HTTP function of the route manifest, each with its own role, log group and table grant. */
export class HttpFunctions extends Construct {
  readonly byName = new Map<string, nodejs.NodejsFunction>();

  constructor(scope: Construct, id: string, props: HttpFunctionsProps) {
    super(scope, id);
    const { settings } = props;

    for (const def of props.functions) {
      if (this.byName.has(def.name)) throw new Error(`HTTP function "${def.name}" is listed twice`);
      const entry = path.resolve(props.projectRoot, def.entry);
      if (!existsSync(entry)) throw new Error(`HTTP function "${def.name}": entry ${def.entry} does not exist`);
      const timeoutSeconds = def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (timeoutSeconds > MAX_HTTP_TIMEOUT_SECONDS) {
        throw new Error(`HTTP function "${def.name}": timeout ${timeoutSeconds}s exceeds ${MAX_HTTP_TIMEOUT_SECONDS}s`);
      }

      const functionName = `policy-credit-${settings.stage}-${def.name}`;
      const scopeOfFunction = new Construct(this, def.name);

      const logGroup = new logs.LogGroup(scopeOfFunction, "Logs", {
        logGroupName: `/aws/lambda/${functionName}`,
        retention: settings.isProduction ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
        removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });

      // Own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to every log group.
      const role = new iam.Role(scopeOfFunction, "Role", {
        assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
        description: `Runs ${functionName}`,
        inlinePolicies: {
          Logs: new iam.PolicyDocument({
            statements: [
              new iam.PolicyStatement({
                actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
                resources: [logGroup.logGroupArn],
              }),
            ],
          }),
          ...tablePolicy(def, props),
        },
      });

      const fn = new nodejs.NodejsFunction(scopeOfFunction, "Function", {
        functionName,
        entry,
        handler: "handler",
        projectRoot: props.projectRoot,
        depsLockFilePath: path.join(props.projectRoot, "package-lock.json"),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: def.memoryMb ?? DEFAULT_MEMORY_MB,
        timeout: Duration.seconds(timeoutSeconds),
        role,
        logGroup,
        environment: {
          TABLE_NAME: props.tableName,
          STAGE: settings.stage,
          POWERTOOLS_SERVICE_NAME: `policy-credit-${def.name}`,
          POWERTOOLS_METRICS_NAMESPACE: "PolicyCredit",
          LOG_LEVEL: settings.logLevel,
          ALLOWED_ORIGINS: settings.allowedOrigins.join(","),
          NODE_OPTIONS: "--enable-source-maps",
        },
        bundling: {
          minify: true,
          sourceMap: true,
          format: nodejs.OutputFormat.ESM,
          mainFields: ["module", "main"],
          banner: ESM_REQUIRE_BANNER,
          target: "node24",
          // The bundle-size baseline includes the SDK clients; the runtime's copy is not pinned to our version.
          bundleAwsSDK: true,
          externalModules: [],
          forceDockerBundling: false,
        },
      });
      this.byName.set(def.name, fn);
    }

    Validations.of(this).acknowledge({
      id: "AwsSolutions-L1",
      reason:
        "Pinned to nodejs24.x, the Node line of the toolchain (package.json pins node 24) that runs the " +
        "tests and the local server; the runtime moves together with that pin, not ahead of it.",
    });
  }

  get(name: string): nodejs.NodejsFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`no HTTP function named "${name}"`);
    return fn;
  }
}

function tablePolicy(def: FunctionDef, props: HttpFunctionsProps): Record<string, iam.PolicyDocument> {
  const actions = [...new Set(def.tableActions)];
  if (actions.length === 0) return {};
  const statements = [new iam.PolicyStatement({ actions, resources: [props.tableArn] })];
  // Only Query reads an index; the other actions address the base table alone.
  if (actions.includes("dynamodb:Query") && props.indexArns.length > 0) {
    statements.push(new iam.PolicyStatement({ actions: ["dynamodb:Query"], resources: [...props.indexArns] }));
  }
  return { Table: new iam.PolicyDocument({ statements }) };
}
