import { fileURLToPath } from "node:url";
import { CfnOutput, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { type FunctionDef, HTTP_FUNCTIONS, ROUTES, type RouteDef } from "../shared/http/routes.ts";
import { Auth } from "./constructs/auth.ts";
import { HttpFunctions } from "./constructs/functions.ts";
import { PolicyCreditHttpApi } from "./constructs/http-api.ts";
import { PolicyCreditTable } from "./constructs/table.ts";
import type { StageSettings } from "./settings.ts";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

export type HttpManifest = { functions: readonly FunctionDef[]; routes: readonly RouteDef[] };

export type PolicyCreditStackProps = StackProps & {
  settings: StageSettings;
  /** Defaults to the route manifest. Tests pass their own to bundle a fixture instead of real handlers. */
  http?: HttpManifest;
};

export function stackName(stage: string): string {
  return `PolicyCredit-${stage}`;
}

export class PolicyCreditStack extends Stack {
  readonly settings: StageSettings;
  readonly table: PolicyCreditTable;
  readonly auth: Auth;
  readonly httpFunctions: HttpFunctions;
  readonly httpApi: PolicyCreditHttpApi;

  constructor(scope: Construct, id: string, props: PolicyCreditStackProps) {
    super(scope, id, props);
    const { settings } = props;
    this.settings = settings;
    const http = props.http ?? { functions: HTTP_FUNCTIONS, routes: ROUTES };

    const known = new Set(http.functions.map((def) => def.name));
    for (const route of http.routes) {
      if (!known.has(route.function)) {
        throw new Error(`route ${route.method} ${route.path} names unknown function "${route.function}"`);
      }
    }

    Tags.of(this).add("project", "policy-credit");
    Tags.of(this).add("stage", settings.stage);

    this.table = new PolicyCreditTable(this, "Data", { stage: settings.stage });
    this.auth = new Auth(this, "Auth", { stage: settings.stage, isProduction: settings.isProduction });
    this.httpFunctions = new HttpFunctions(this, "HttpFunctions", {
      settings,
      projectRoot: PROJECT_ROOT,
      functions: http.functions,
      tableName: this.table.table.tableName,
      tableArn: this.table.table.tableArn,
      indexArns: this.table.indexArns,
    });
    this.httpApi = new PolicyCreditHttpApi(this, "Http", {
      settings,
      routes: http.routes,
      functionFor: (name) => this.httpFunctions.get(name),
      jwtIssuer: this.auth.issuerUrl,
      jwtAudience: [this.auth.client.userPoolClientId],
    });

    new CfnOutput(this, "ApiUrl", { value: this.httpApi.url, description: "Base URL of the HTTP API" });
    new CfnOutput(this, "UserPoolId", { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, "TableName", { value: this.table.table.tableName });
  }
}
