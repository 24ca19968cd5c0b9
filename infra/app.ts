import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { readSettings } from "./settings.ts";
import { PolicyCreditStack, stackName } from "./stack.ts";

const app = new App();
const settings = readSettings(app);

new PolicyCreditStack(app, stackName(settings.stage), {
  settings,
  env: { account: process.env["CDK_DEFAULT_ACCOUNT"], region: process.env["CDK_DEFAULT_REGION"] },
  description: `Policy credit backend (${settings.stage}): HTTP API, functions, jobs, table, user pool and alarms`,
});

// cdk-nag 3 runs as a synthesis validation plugin (it no longer uses Aspects); an error fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
