import { fileURLToPath } from "node:url";
import { CfnOutput, Stack, type StackProps, Tags } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { type FunctionDef, HTTP_FUNCTIONS, ROUTES, type RouteDef } from "../shared/http/routes.ts";
import { ACCRUAL_DEADLINE, JOB_FUNCTIONS, JOB_SCHEDULES, type JobFunctionDef } from "../shared/jobs/functions.ts";
import { Alarms } from "./constructs/alarms.ts";
import { Auth } from "./constructs/auth.ts";
import { Dashboard } from "./constructs/dashboard.ts";
import { HttpFunctions } from "./constructs/functions.ts";
import { PolicyCreditHttpApi } from "./constructs/http-api.ts";
import { Jobs } from "./constructs/jobs.ts";
import { PolicyCreditTable } from "./constructs/table.ts";
import type { StageSettings } from "./settings.ts";

const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));

export type HttpManifest = { functions: readonly FunctionDef[]; routes: readonly RouteDef[] };

export type PolicyCreditStackProps = StackProps & {
  settings: StageSettings;
  /** Defaults to the route manifest. Tests pass their own to bundle a fixture instead of real handlers. */
  http?: HttpManifest;
  /** Defaults to the job manifest; tests swap the entries for a fixture the same way. */
  jobs?: readonly JobFunctionDef[];
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
  readonly jobs: Jobs;
  readonly alarms: Alarms;
  readonly dashboard: Dashboard;

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

    this.jobs = new Jobs(this, "Jobs", {
      settings,
      projectRoot: PROJECT_ROOT,
      functions: props.jobs ?? JOB_FUNCTIONS,
      schedules: JOB_SCHEDULES,
      accrualDeadline: ACCRUAL_DEADLINE,
      tableName: this.table.table.tableName,
      tableArn: this.table.table.tableArn,
      indexArns: this.table.indexArns,
    });
    // Every stage gets the alarms and the dashboard, so they are exercised before prod depends on them.
    this.alarms = new Alarms(this, "Alarms", { settings, api: this.httpApi.api, jobs: this.jobs });
    this.dashboard = new Dashboard(this, "Dashboard", {
      settings,
      api: this.httpApi.api,
      jobs: this.jobs,
      alarms: this.alarms,
      httpServices: this.httpFunctions.serviceNames,
    });

    new CfnOutput(this, "ApiUrl", { value: this.httpApi.url, description: "Base URL of the HTTP API" });
    new CfnOutput(this, "UserPoolId", { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, "TableName", { value: this.table.table.tableName });
    new CfnOutput(this, "AlarmTopicArn", {
      value: this.alarms.topic.topicArn,
      description: "Subscribe on-call addresses here",
    });
    new CfnOutput(this, "DashboardName", { value: this.dashboard.dashboard.dashboardName });
  }
}
