import { App, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { expect } from "vitest";
import { readSettings } from "../../../infra/settings.ts";
import { type HttpManifest, PolicyCreditStack, stackName } from "../../../infra/stack.ts";
import { type FunctionDef, HTTP_FUNCTIONS, ROUTES, type RouteDef, TABLE_ACCESS } from "../../../shared/http/routes.ts";
import { JOB_FUNCTIONS, type JobFunctionDef } from "../../../shared/jobs/functions.ts";

// Handlers belong to other capabilities and change underneath us; the stack's wiring is what is under test,
// so every function bundles this stand-in while keeping the manifest's names, grants and routes.
export const FIXTURE_ENTRY = "test/infra/fixtures/handler.ts";

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

export const MANIFEST: HttpManifest = {
  functions: [...HTTP_FUNCTIONS.map((def) => ({ ...def, entry: FIXTURE_ENTRY })), ...PROBE_FUNCTIONS],
  routes: [...ROUTES, ...PROBE_ROUTES],
};

/** The job manifest as it stands, names, grants, memory and timeouts included, bundling the stand-in. */
export const JOBS: JobFunctionDef[] = JOB_FUNCTIONS.map((def) => ({ ...def, entry: FIXTURE_ENTRY }));

export const ORIGINS = ["https://app.example.vn", "http://localhost:3000"];

export type Synth = {
  stack: PolicyCreditStack;
  template: Template;
  violations: ReturnType<AwsSolutionsChecks["validateScope"]>["violations"];
};

export function synth(stage: string, extraContext: Record<string, string> = {}): Synth {
  const app = new App({
    context: { stage, smsSenderId: "NHCSXH", allowedOrigins: ORIGINS.join(","), ...extraContext },
  });
  const stack = new PolicyCreditStack(app, stackName(stage), {
    settings: readSettings(app),
    http: MANIFEST,
    jobs: JOBS,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack);
  return { stack, template, violations: new AwsSolutionsChecks().validateScope(app).violations };
}

export type Resource = {
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
export type InlinePolicy = { PolicyName: string; PolicyDocument: { Statement: Statement[] } };

export function resources(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

export function only<T>(values: T[]): T {
  expect(values).toHaveLength(1);
  return values[0]!;
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

export function getAtt(logicalId: string, attribute = "Arn") {
  return { "Fn::GetAtt": [logicalId, attribute] };
}

/** The logical ID of the one resource of this type whose property `key` is `value`. */
export function idOf(template: Template, type: string, key: string, value: unknown): string {
  const matches = Object.entries(resources(template, type)).filter(
    ([, r]) => JSON.stringify(r.Properties[key]) === JSON.stringify(value),
  );
  return only(matches)[0];
}

export function functionNamed(template: Template, functionName: string): Resource {
  return only(
    Object.values(resources(template, "AWS::Lambda::Function")).filter(
      (r) => r.Properties["FunctionName"] === functionName,
    ),
  );
}

function roleIdOf(template: Template, functionName: string): string {
  return (functionNamed(template, functionName).Properties["Role"] as { "Fn::GetAtt": [string, string] })[
    "Fn::GetAtt"
  ][0];
}

/** Inline policies of the role of the Lambda with this name. */
export function policiesOf(template: Template, functionName: string): InlinePolicy[] {
  const role = resources(template, "AWS::IAM::Role")[roleIdOf(template, functionName)]!;
  expect(role.Properties["ManagedPolicyArns"]).toBeUndefined();
  return (role.Properties["Policies"] as InlinePolicy[] | undefined) ?? [];
}

/** Every statement the role of this Lambda holds: inline, and the policies CDK grants attach to it. */
export function statementsOf(template: Template, functionName: string): Statement[] {
  return statementsOfRole(template, roleIdOf(template, functionName));
}

export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const role = resources(template, "AWS::IAM::Role")[roleId]!;
  const inline = ((role.Properties["Policies"] as InlinePolicy[] | undefined) ?? []).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  const attached = Object.values(resources(template, "AWS::IAM::Policy"))
    .filter((p) =>
      (p.Properties["Roles"] as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
    )
    .flatMap((p) => (p.Properties["PolicyDocument"] as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}

export function dynamodbActions(statements: Statement[]): string[] {
  return [...new Set(statements.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith("dynamodb:")))].sort();
}
