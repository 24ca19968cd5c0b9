import { App, Stack, Validations } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { readSettings } from "../../infra/settings.ts";
import { type HttpManifest, PolicyCreditStack } from "../../infra/stack.ts";
import { createTableInput, TABLE, tableName } from "../../shared/db/table.ts";
import { routeKey, TABLE_ACCESS } from "../../shared/http/routes.ts";
import {
  asArray,
  FIXTURE_ENTRY,
  type InlinePolicy,
  JOBS,
  MANIFEST,
  ORIGINS,
  only,
  policiesOf,
  resources,
  type Statement,
  type Synth,
  synth,
} from "./support/synth.ts";

function namesOf(template: Template): string[] {
  const named: [string, string][] = [
    ["AWS::DynamoDB::Table", "TableName"],
    ["AWS::Lambda::Function", "FunctionName"],
    ["AWS::Logs::LogGroup", "LogGroupName"],
    ["AWS::ApiGatewayV2::Api", "Name"],
    ["AWS::ApiGatewayV2::Authorizer", "Name"],
    ["AWS::Cognito::UserPool", "UserPoolName"],
    ["AWS::Cognito::UserPoolClient", "ClientName"],
    ["AWS::SQS::Queue", "QueueName"],
    ["AWS::Scheduler::ScheduleGroup", "Name"],
    ["AWS::Scheduler::Schedule", "Name"],
    ["AWS::SNS::Topic", "TopicName"],
    ["AWS::KMS::Alias", "AliasName"],
    ["AWS::CloudWatch::Alarm", "AlarmName"],
    ["AWS::CloudWatch::Dashboard", "DashboardName"],
  ];
  return named.flatMap(([type, key]) => {
    const found = Object.values(resources(template, type));
    expect(found.length, type).toBeGreaterThan(0);
    return found.map((r) => {
      const name = r.Properties[key];
      expect(typeof name, `${type}.${key} is a plain string`).toBe("string");
      return name as string;
    });
  });
}

describe("PolicyCredit stack", () => {
  let dev: Synth;
  let prod: Synth;

  // Bundling is the slow part: synthesise each stage once and share it.
  beforeAll(() => {
    dev = synth("dev");
    prod = synth("prod", { throttleRateLimit: "1000", throttleBurstLimit: "2000", jobShards: "128" });
  });

  describe("table", () => {
    it("is built from the shared definition, so the cloud table matches the local one", () => {
      const local = createTableInput(tableName("dev"));
      dev.template.hasResourceProperties("AWS::DynamoDB::Table", {
        TableName: "dev-policy-credit",
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: local.KeySchema,
        AttributeDefinitions: Match.arrayWith(local.AttributeDefinitions),
        GlobalSecondaryIndexes: local.GlobalSecondaryIndexes,
        TimeToLiveSpecification: { AttributeName: TABLE.timeToLiveAttribute, Enabled: true },
      });
      const table = only(Object.values(resources(dev.template, "AWS::DynamoDB::Table")));
      expect(table.Properties["AttributeDefinitions"]).toHaveLength(local.AttributeDefinitions.length);
    });

    it("survives mistakes: PITR, deletion protection and Retain in every stage", () => {
      for (const { template } of [dev, prod]) {
        const table = only(Object.values(resources(template, "AWS::DynamoDB::Table")));
        expect(table.Properties["PointInTimeRecoverySpecification"]).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(table.Properties["DeletionProtectionEnabled"]).toBe(true);
        expect(table.DeletionPolicy).toBe("Retain");
        expect(table.UpdateReplacePolicy).toBe("Retain");
      }
    });
  });

  describe("HTTP API", () => {
    it("has one route per manifest entry, JWT-protected unless marked open", () => {
      const routes = Object.values(resources(dev.template, "AWS::ApiGatewayV2::Route"));
      expect(routes.map((r) => r.Properties["RouteKey"]).sort()).toEqual(MANIFEST.routes.map(routeKey).sort());
      const authorizerId = only(Object.keys(resources(dev.template, "AWS::ApiGatewayV2::Authorizer")));

      for (const route of MANIFEST.routes) {
        const cfn = only(routes.filter((r) => r.Properties["RouteKey"] === routeKey(route)));
        if (route.open) {
          expect(cfn.Properties["AuthorizationType"], routeKey(route)).toBe("NONE");
          expect(cfn.Properties["AuthorizerId"], routeKey(route)).toBeUndefined();
        } else {
          expect(cfn.Properties["AuthorizationType"], routeKey(route)).toBe("JWT");
          expect(cfn.Properties["AuthorizerId"], routeKey(route)).toEqual({ Ref: authorizerId });
        }
      }
    });

    it("accepts only tokens that Cognito issued for the app client", () => {
      const [poolId] = Object.keys(resources(dev.template, "AWS::Cognito::UserPool"));
      const [clientId] = Object.keys(resources(dev.template, "AWS::Cognito::UserPoolClient"));
      dev.template.hasResourceProperties("AWS::ApiGatewayV2::Authorizer", {
        AuthorizerType: "JWT",
        IdentitySource: ["$request.header.Authorization"],
        JwtConfiguration: {
          Audience: [{ Ref: clientId }],
          Issuer: {
            "Fn::Join": ["", ["https://cognito-idp.", { Ref: "AWS::Region" }, ".amazonaws.com/", { Ref: poolId }]],
          },
        },
      });
    });

    it("allows exactly the configured origins, never a wildcard", () => {
      const api = only(Object.values(resources(dev.template, "AWS::ApiGatewayV2::Api")));
      const cors = api.Properties["CorsConfiguration"] as { AllowOrigins: string[] };
      expect(cors.AllowOrigins).toEqual(ORIGINS);
      expect(cors.AllowOrigins.some((origin) => origin.includes("*"))).toBe(false);
    });

    it("throttles the default stage, with limits from context", () => {
      dev.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
        StageName: "$default",
        DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      });
      prod.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
        DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      });
    });

    it("writes access logs to a log group with retention", () => {
      const stage = only(Object.values(resources(dev.template, "AWS::ApiGatewayV2::Stage")));
      const settings = stage.Properties["AccessLogSettings"] as { DestinationArn: { "Fn::GetAtt": [string, string] } };
      const logGroup = resources(dev.template, "AWS::Logs::LogGroup")[settings.DestinationArn["Fn::GetAtt"][0]]!;
      expect(logGroup.Properties["RetentionInDays"]).toBe(30);
    });
  });

  describe("functions", () => {
    it("run on Node 24 and arm64 with the shared environment", () => {
      const functions = Object.values(resources(dev.template, "AWS::Lambda::Function"));
      expect(functions).toHaveLength(MANIFEST.functions.length + JOBS.length);
      const httpNames = new Set(MANIFEST.functions.map((def) => `policy-credit-dev-${def.name}`));
      for (const fn of functions) {
        const name = fn.Properties["FunctionName"] as string;
        expect(fn.Properties["Runtime"], name).toBe("nodejs24.x");
        expect(fn.Properties["Architectures"], name).toEqual(["arm64"]);
        const variables = (fn.Properties["Environment"] as { Variables: Record<string, unknown> }).Variables;
        expect(variables, name).toMatchObject({
          STAGE: "dev",
          POWERTOOLS_METRICS_NAMESPACE: "PolicyCredit",
          // The stage is in the metrics' service dimension, so dev never adds up with prod in one account.
          POWERTOOLS_SERVICE_NAME: name,
          LOG_LEVEL: "INFO",
        });
        expect(variables["TABLE_NAME"], name).toBeDefined();
        if (httpNames.has(name)) expect(variables["ALLOWED_ORIGINS"], name).toBe(ORIGINS.join(","));
      }
    });

    it("place loans in job shards by one count, on every function that may write a loan", () => {
      for (const [{ template }, shards] of [
        [dev, "64"],
        [prod, "128"],
      ] as const) {
        for (const fn of Object.values(resources(template, "AWS::Lambda::Function"))) {
          const variables = (fn.Properties["Environment"] as { Variables: Record<string, unknown> }).Variables;
          expect(variables["JOB_SHARDS"], String(fn.Properties["FunctionName"])).toBe(shards);
        }
      }
    });

    it("log to their own group, kept a month in dev and a year in prod", () => {
      for (const [{ template }, days] of [
        [dev, 30],
        [prod, 365],
      ] as const) {
        for (const fn of Object.values(resources(template, "AWS::Lambda::Function"))) {
          const ref = (fn.Properties["LoggingConfig"] as { LogGroup: { Ref: string } }).LogGroup.Ref;
          const group = resources(template, "AWS::Logs::LogGroup")[ref]!;
          expect(group.Properties["LogGroupName"]).toBe(`/aws/lambda/${fn.Properties["FunctionName"]}`);
          expect(group.Properties["RetentionInDays"]).toBe(days);
        }
      }
    });

    it("may use exactly the table actions the manifest lists for them", () => {
      for (const def of MANIFEST.functions) {
        const policies = policiesOf(dev.template, `policy-credit-dev-${def.name}`);
        const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
        const tableActions = new Set(
          statements.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith("dynamodb:")),
        );
        expect([...tableActions].sort(), def.name).toEqual([...new Set(def.tableActions)].sort());
        if (def.tableActions.length === 0) {
          expect(
            policies.map((p) => p.PolicyName),
            def.name,
          ).toEqual(["Logs"]);
        }
      }
    });

    it("reach the base table, and for Query each named index, never a wildcard", () => {
      const [tableId] = Object.keys(resources(dev.template, "AWS::DynamoDB::Table"));
      const tableArn = { "Fn::GetAtt": [tableId, "Arn"] };
      const indexArns = TABLE.globalIndexes.map((index) => ({
        "Fn::Join": ["", [tableArn, `/index/${index.indexName}`]],
      }));
      const table = (name: string) =>
        policiesOf(dev.template, `policy-credit-dev-${name}`).find((p) => p.PolicyName === "Table")!.PolicyDocument
          .Statement;

      expect(table("probe-writer")).toEqual([
        { Effect: "Allow", Action: TABLE_ACCESS.WRITE, Resource: tableArn },
        { Effect: "Allow", Action: "dynamodb:Query", Resource: indexArns },
      ]);
      expect(table("probe-reader")).toEqual([{ Effect: "Allow", Action: "dynamodb:GetItem", Resource: tableArn }]);
    });

    it("hold no wildcard action, resource or principal, except the one acknowledged for SMS", () => {
      for (const { template } of [dev, prod]) {
        const roles = resources(template, "AWS::IAM::Role");
        for (const [roleId, role] of Object.entries(roles)) {
          const trust = role.Properties["AssumeRolePolicyDocument"] as { Statement: Statement[] };
          for (const s of trust.Statement) {
            const principal = s.Principal as { Service: string };
            if (principal.Service === "scheduler.amazonaws.com") {
              // Only schedules of this stack's group may use the scheduler role.
              expect(Object.keys(s.Condition?.["StringEquals"] ?? {}).sort(), roleId).toEqual([
                "aws:SourceAccount",
                "aws:SourceArn",
              ]);
            } else {
              expect(principal, roleId).toEqual({ Service: "lambda.amazonaws.com" });
            }
          }
        }

        const allows: { roleId: string; statement: Statement }[] = [];
        for (const [roleId, role] of Object.entries(roles)) {
          for (const policy of (role.Properties["Policies"] as InlinePolicy[] | undefined) ?? []) {
            for (const statement of policy.PolicyDocument.Statement) allows.push({ roleId, statement });
          }
        }
        for (const policy of Object.values(resources(template, "AWS::IAM::Policy"))) {
          const [role] = policy.Properties["Roles"] as { Ref: string }[];
          for (const statement of (policy.Properties["PolicyDocument"] as { Statement: Statement[] }).Statement) {
            allows.push({ roleId: role!.Ref, statement });
          }
        }
        const wildcards = allows.filter(
          ({ statement }) =>
            statement.Effect === "Allow" &&
            (asArray(statement.Action).some((a) => a.includes("*")) ||
              JSON.stringify(statement.Resource).includes("*")),
        );
        const worker = only(
          Object.entries(resources(template, "AWS::Lambda::Function"))
            .filter(([, fn]) => String(fn.Properties["FunctionName"]).endsWith("-job-worker"))
            .map(([, fn]) => (fn.Properties["Role"] as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0]),
        );
        expect(wildcards).toEqual([
          {
            roleId: worker,
            statement: {
              Effect: "Allow",
              Action: "sns:Publish",
              Resource: "*",
              Condition: { StringEquals: { "aws:RequestedRegion": { Ref: "AWS::Region" } } },
            },
          },
        ]);
        expect(allows.every(({ statement }) => statement.Principal === undefined)).toBe(true);

        for (const permission of Object.values(resources(template, "AWS::Lambda::Permission"))) {
          expect(permission.Properties["Principal"]).toBe("apigateway.amazonaws.com");
          expect(permission.Properties["SourceArn"]).toBeDefined();
        }
      }
    });
  });

  describe("user pool", () => {
    it("admits only administrator-created users with a strong password", () => {
      dev.template.hasResourceProperties("AWS::Cognito::UserPool", {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: {
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          },
        },
        UserPoolTier: "PLUS",
        Schema: Match.arrayWith(
          ["role", "scope", "memberId", "overrides"].map((name) =>
            Match.objectLike({ Name: name, AttributeDataType: "String", Mutable: true }),
          ),
        ),
      });
      prod.template.hasResourceProperties("AWS::Cognito::UserPool", {
        UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
        DeletionProtection: "ACTIVE",
      });
    });

    it("gives apps a public client that can read but never write role, scope or memberId", () => {
      const client = only(Object.values(resources(dev.template, "AWS::Cognito::UserPoolClient")));
      expect(client.Properties["GenerateSecret"]).toBe(false);
      expect(client.Properties["ExplicitAuthFlows"]).toEqual(["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
      expect(client.Properties["ReadAttributes"]).toEqual(
        expect.arrayContaining(["custom:role", "custom:scope", "custom:memberId", "custom:overrides"]),
      );
      const writable = client.Properties["WriteAttributes"] as string[];
      expect(writable).toBeDefined();
      expect(writable.filter((a) => a.startsWith("custom:"))).toEqual([]);
    });
  });

  it("signs list cursors with a per-stage generated key that the template only references", () => {
    const secrets = resources(dev.template, "AWS::SecretsManager::Secret");
    expect(Object.values(secrets).some((r) => String(r.Properties["Name"]).includes("dev-cursor-signing-key"))).toBe(
      true,
    );
    const functions = Object.values(resources(dev.template, "AWS::Lambda::Function")).filter(
      (f) =>
        (f.Properties["Environment"] as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[
          "ALLOWED_ORIGINS"
        ],
    );
    expect(functions.length).toBeGreaterThan(0);
    for (const f of functions) {
      const key = (f.Properties["Environment"] as { Variables: Record<string, unknown> }).Variables[
        "CURSOR_SIGNING_KEY"
      ];
      expect(JSON.stringify(key)).toContain("resolve:secretsmanager");
    }
  });

  describe("stages", () => {
    it("give every named resource a distinct name", () => {
      const devNames = namesOf(dev.template);
      const prodNames = namesOf(prod.template);
      expect(devNames.filter((name) => prodNames.includes(name))).toEqual([]);
      expect(devNames.every((name) => name.includes("dev"))).toBe(true);
      expect(prodNames.every((name) => name.includes("prod"))).toBe(true);
      expect(prod.stack.stackName).toBe("PolicyCredit-prod");
    });

    it("output what clients and operators need", () => {
      for (const output of [
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "TableName",
        "AlarmTopicArn",
        "DashboardName",
      ]) {
        dev.template.hasOutput(output, {});
      }
    });
  });

  describe("cdk-nag AwsSolutions", () => {
    it("reports no unacknowledged error or warning in either stage", () => {
      expect(dev.violations).toEqual([]);
      expect(prod.violations).toEqual([]);
    });

    it("acknowledges each finding with a specific reason", () => {
      const acknowledged = dev.stack.node
        .findAll()
        .flatMap((c) => c.node.metadata)
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) => Object.entries(entry.data as Record<string, string>));
      const ids = new Set(acknowledged.map(([id]) => id.replace(/^annotation::/i, "")));
      expect([...ids].sort()).toEqual([
        "AwsSolutions-APIG4",
        "AwsSolutions-COG2",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-L1",
        "AwsSolutions-SMG4",
      ]);
      for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(60);
    });

    it("does see warnings and errors when a stack has them (the check above can fail)", () => {
      const app = new App();
      const stack = new Stack(app, "Careless");
      new dynamodb.Table(stack, "NoRecovery", { partitionKey: { name: "PK", type: dynamodb.AttributeType.STRING } });
      new lambda.Function(stack, "OldRuntime", {
        runtime: lambda.Runtime.NODEJS_20_X,
        handler: "index.handler",
        code: lambda.Code.fromInline("exports.handler = async () => {}"),
      });
      const found = new AwsSolutionsChecks().validateScope(app).violations.map((v) => [v.ruleName, v.severity]);
      expect(found).toEqual(
        expect.arrayContaining([
          ["AwsSolutions-DDB3", "warning"],
          ["AwsSolutions-L1", "error"],
          [
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "error",
          ],
        ]),
      );
    });
  });
});

describe("stage settings", () => {
  const settingsFor = (context: Record<string, string>) =>
    readSettings(new App({ context: { smsSenderId: "NHCSXH", allowedOrigins: "https://app.example.vn", ...context } }));

  it("default to the dev stage with default throttling", () => {
    const settings = settingsFor({});
    expect(settings.stage).toBe("dev");
    expect(settings.isProduction).toBe(false);
    expect(settings.throttle).toEqual({ rateLimit: 200, burstLimit: 400 });
    expect(settings.jobs).toEqual({ shards: 64, workerConcurrency: 20 });
    expect(settings.alarmEmail).toBeUndefined();
  });

  it("read job sizing and the alarm address from context", () => {
    const settings = settingsFor({ jobShards: "256", jobWorkerConcurrency: "50", alarmEmail: "oncall@example.vn" });
    expect(settings.jobs).toEqual({ shards: 256, workerConcurrency: 50 });
    expect(settings.alarmEmail).toBe("oncall@example.vn");
  });

  it("refuse job sizes the loan placement or Lambda would not accept", () => {
    // Above 4096 the loan writer silently falls back to its own count, splitting loans from the jobs.
    expect(() => settingsFor({ jobShards: "4097" })).toThrow(/jobShards/);
    expect(() => settingsFor({ jobShards: "0" })).toThrow(/jobShards/);
    expect(() => settingsFor({ jobWorkerConcurrency: "1" })).toThrow(/jobWorkerConcurrency/);
    expect(() => settingsFor({ jobWorkerConcurrency: "1001" })).toThrow(/jobWorkerConcurrency/);
    expect(() => settingsFor({ alarmEmail: "a@example.vn,b@example.vn" })).toThrow(/alarmEmail/);
  });

  it("refuse wildcard or malformed CORS origins", () => {
    expect(() => settingsFor({ allowedOrigins: "*" })).toThrow(/origin/);
    expect(() => settingsFor({ allowedOrigins: "https://*.example.vn" })).toThrow(/origin/);
    expect(() => settingsFor({ allowedOrigins: "https://app.example.vn/path" })).toThrow(/origin/);
    expect(() => settingsFor({ allowedOrigins: "" })).toThrow(/origin/);
  });

  it("refuse a sender ID carriers would reject and a non-numeric throttle", () => {
    expect(() => settingsFor({ smsSenderId: "NGAN-HANG-CSXH" })).toThrow(/smsSenderId/);
    expect(() => settingsFor({ throttleRateLimit: "fast" })).toThrow(/throttleRateLimit/);
  });
});

describe("stack wiring guards", () => {
  const settings = () =>
    readSettings(new App({ context: { smsSenderId: "NHCSXH", allowedOrigins: "https://app.example.vn" } }));

  it("refuses a route that names a function the manifest lacks", () => {
    const http: HttpManifest = {
      functions: [{ name: "system", entry: FIXTURE_ENTRY, tableActions: [] }],
      routes: [{ method: "GET", path: "/v1/ghosts", function: "ghost" }],
    };
    expect(() => new PolicyCreditStack(new App(), "Guard", { settings: settings(), http })).toThrow(/ghost/);
  });

  it("refuses an open route that could change data", () => {
    const http: HttpManifest = {
      functions: [{ name: "system", entry: FIXTURE_ENTRY, tableActions: [] }],
      routes: [{ method: "POST", path: "/v1/health", function: "system", open: true }],
    };
    expect(() => new PolicyCreditStack(new App(), "Guard", { settings: settings(), http })).toThrow(/must be a GET/);
  });
});
