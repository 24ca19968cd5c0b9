import { App, Stack, Validations } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { readSettings } from "../../infra/settings.ts";
import { type HttpManifest, PolicyCreditStack, stackName } from "../../infra/stack.ts";
import { createTableInput, TABLE, tableName } from "../../shared/db/table.ts";
import {
  type FunctionDef,
  HTTP_FUNCTIONS,
  ROUTES,
  type RouteDef,
  routeKey,
  TABLE_ACCESS,
} from "../../shared/http/routes.ts";

// Handlers belong to other capabilities and change underneath us; the stack's wiring is what is under test,
// so every function bundles this stand-in while keeping the manifest's names, grants and routes.
const FIXTURE_ENTRY = "test/infra/fixtures/handler.ts";

// Probes guarantee each grant shape and a protected route exist whatever the manifest holds today.
const PROBE_FUNCTIONS: FunctionDef[] = [
  { name: "probe-writer", entry: FIXTURE_ENTRY, tableActions: TABLE_ACCESS.WRITE },
  { name: "probe-reader", entry: FIXTURE_ENTRY, tableActions: ["dynamodb:GetItem"] },
  { name: "probe-static", entry: FIXTURE_ENTRY, tableActions: [] },
];
const PROBE_ROUTES: RouteDef[] = [
  { method: "POST", path: "/v1/probes", function: "probe-writer" },
  { method: "GET", path: "/v1/probes/{probeId}", function: "probe-reader" },
  { method: "GET", path: "/v1/probe-status", function: "probe-static", open: true },
];

const MANIFEST: HttpManifest = {
  functions: [...HTTP_FUNCTIONS.map((def) => ({ ...def, entry: FIXTURE_ENTRY })), ...PROBE_FUNCTIONS],
  routes: [...ROUTES, ...PROBE_ROUTES],
};

const ORIGINS = ["https://app.example.vn", "http://localhost:3000"];

type Synth = {
  stack: PolicyCreditStack;
  template: Template;
  violations: ReturnType<AwsSolutionsChecks["validateScope"]>["violations"];
};

function synth(stage: string, extraContext: Record<string, string> = {}): Synth {
  const app = new App({
    context: { stage, smsSenderId: "NHCSXH", allowedOrigins: ORIGINS.join(","), ...extraContext },
  });
  const stack = new PolicyCreditStack(app, stackName(stage), { settings: readSettings(app), http: MANIFEST });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack);
  return { stack, template, violations: new AwsSolutionsChecks().validateScope(app).violations };
}

type Resource = { Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown };
type InlinePolicy = { PolicyName: string; PolicyDocument: { Statement: Statement[] } };

function resources(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

function only<T>(values: T[]): T {
  expect(values).toHaveLength(1);
  return values[0]!;
}

function asArray(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** Inline policies of the role of the Lambda with this name. */
function policiesOf(template: Template, functionName: string): InlinePolicy[] {
  const fn = only(
    Object.values(resources(template, "AWS::Lambda::Function")).filter(
      (r) => r.Properties["FunctionName"] === functionName,
    ),
  );
  const roleId = (fn.Properties["Role"] as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const role = resources(template, "AWS::IAM::Role")[roleId]!;
  expect(role.Properties["ManagedPolicyArns"]).toBeUndefined();
  return (role.Properties["Policies"] as InlinePolicy[] | undefined) ?? [];
}

function namesOf(template: Template): string[] {
  const named: [string, string][] = [
    ["AWS::DynamoDB::Table", "TableName"],
    ["AWS::Lambda::Function", "FunctionName"],
    ["AWS::Logs::LogGroup", "LogGroupName"],
    ["AWS::ApiGatewayV2::Api", "Name"],
    ["AWS::ApiGatewayV2::Authorizer", "Name"],
    ["AWS::Cognito::UserPool", "UserPoolName"],
    ["AWS::Cognito::UserPoolClient", "ClientName"],
  ];
  return named.flatMap(([type, key]) =>
    Object.values(resources(template, type)).map((r) => {
      const name = r.Properties[key];
      expect(typeof name, `${type}.${key} is a plain string`).toBe("string");
      return name as string;
    }),
  );
}

describe("PolicyCredit stack", () => {
  let dev: Synth;
  let prod: Synth;

  // Bundling is the slow part: synthesise each stage once and share it.
  beforeAll(() => {
    dev = synth("dev");
    prod = synth("prod", { throttleRateLimit: "1000", throttleBurstLimit: "2000" });
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
      expect(functions).toHaveLength(MANIFEST.functions.length);
      for (const fn of functions) {
        expect(fn.Properties["Runtime"]).toBe("nodejs24.x");
        expect(fn.Properties["Architectures"]).toEqual(["arm64"]);
        const variables = (fn.Properties["Environment"] as { Variables: Record<string, unknown> }).Variables;
        expect(variables).toMatchObject({
          STAGE: "dev",
          POWERTOOLS_METRICS_NAMESPACE: "PolicyCredit",
          LOG_LEVEL: "INFO",
          ALLOWED_ORIGINS: ORIGINS.join(","),
        });
        expect(variables["TABLE_NAME"]).toBeDefined();
        expect(variables["POWERTOOLS_SERVICE_NAME"]).toBeDefined();
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

    it("hold no wildcard action, resource or principal", () => {
      for (const { template } of [dev, prod]) {
        for (const role of Object.values(resources(template, "AWS::IAM::Role"))) {
          const trust = role.Properties["AssumeRolePolicyDocument"] as { Statement: Statement[] };
          for (const s of trust.Statement) expect(s.Principal).toEqual({ Service: "lambda.amazonaws.com" });
          for (const policy of (role.Properties["Policies"] as InlinePolicy[] | undefined) ?? []) {
            for (const s of policy.PolicyDocument.Statement) {
              expect(asArray(s.Action).filter((a) => a.includes("*"))).toEqual([]);
              expect(JSON.stringify(s.Resource)).not.toContain("*");
            }
          }
        }
        expect(resources(template, "AWS::IAM::Policy")).toEqual({});
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
          ["role", "scope", "memberId"].map((name) =>
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
        expect.arrayContaining(["custom:role", "custom:scope", "custom:memberId"]),
      );
      const writable = client.Properties["WriteAttributes"] as string[];
      expect(writable).toBeDefined();
      expect(writable.filter((a) => a.startsWith("custom:"))).toEqual([]);
    });
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
      for (const output of ["ApiUrl", "UserPoolId", "UserPoolClientId", "TableName"]) {
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
      expect([...ids].sort()).toEqual(["AwsSolutions-APIG4", "AwsSolutions-COG2", "AwsSolutions-L1"]);
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
