import { App, Stack } from "aws-cdk-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { Jobs } from "../../infra/constructs/jobs.ts";
import { readSettings } from "../../infra/settings.ts";
import { TABLE } from "../../shared/db/table.ts";
import { ACCRUAL_DEADLINE, JOB_SCHEDULES } from "../../shared/jobs/functions.ts";
import {
  asArray,
  dynamodbActions,
  functionNamed,
  getAtt,
  idOf,
  JOBS,
  only,
  type Resource,
  resources,
  type Statement,
  type Synth,
  statementsOf,
  statementsOfRole,
  synth,
} from "./support/synth.ts";

const ASIA_HO_CHI_MINH = "Asia/Ho_Chi_Minh";

describe("jobs", () => {
  let dev: Synth;
  let prod: Synth;

  beforeAll(() => {
    dev = synth("dev");
    prod = synth("prod", { jobShards: "128", jobWorkerConcurrency: "50" });
  });

  const fnId = (s: Synth, name: string) => idOf(s.template, "AWS::Lambda::Function", "FunctionName", name);
  const queueId = (s: Synth, name: string) => idOf(s.template, "AWS::SQS::Queue", "QueueName", name);
  const variablesOf = (s: Synth, name: string) =>
    (functionNamed(s.template, name).Properties["Environment"] as { Variables: Record<string, unknown> }).Variables;

  describe("schedules", () => {
    const schedule = (s: Synth, name: string): Resource =>
      only(
        Object.values(resources(s.template, "AWS::Scheduler::Schedule")).filter((r) => r.Properties["Name"] === name),
      );

    it("start each job at its Vietnam wall-clock time, whatever the region's clock", () => {
      for (const entry of JOB_SCHEDULES) {
        const cfn = schedule(dev, `policy-credit-dev-${entry.job}`);
        expect(cfn.Properties["ScheduleExpression"], entry.job).toBe(`cron(${entry.minute} ${entry.hour} * * ? *)`);
        expect(cfn.Properties["ScheduleExpressionTimezone"], entry.job).toBe(ASIA_HO_CHI_MINH);
        expect(cfn.Properties["FlexibleTimeWindow"], entry.job).toEqual({ Mode: "OFF" });
        expect(cfn.Properties["GroupName"], entry.job).toBe("policy-credit-dev");
      }
      // The manifest's times, so a change there shows up here: 00:15, 00:45 and 07:30 in Vietnam.
      expect(schedule(dev, "policy-credit-dev-accrue-interest").Properties["ScheduleExpression"]).toBe(
        "cron(15 0 * * ? *)",
      );
      expect(schedule(dev, "policy-credit-dev-send-reminders").Properties["ScheduleExpression"]).toBe(
        "cron(30 7 * * ? *)",
      );
    });

    it("hand the dispatcher the job to run, with retries and a dead-letter queue", () => {
      const dispatcher = fnId(dev, "policy-credit-dev-job-dispatcher");
      const runDlq = queueId(dev, "policy-credit-dev-job-runs-dlq");
      for (const entry of JOB_SCHEDULES) {
        const target = schedule(dev, `policy-credit-dev-${entry.job}`).Properties["Target"] as Record<string, unknown>;
        expect(target["Arn"], entry.job).toEqual(getAtt(dispatcher));
        expect(JSON.parse(target["Input"] as string), entry.job).toEqual({ job: entry.job });
        expect(target["RetryPolicy"], entry.job).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
        expect(target["DeadLetterConfig"], entry.job).toEqual({ Arn: getAtt(runDlq) });
      }
    });

    it("run the watchdog at the accrual deadline", () => {
      const cfn = schedule(dev, "policy-credit-dev-accrual-deadline");
      expect(cfn.Properties["ScheduleExpression"]).toBe(
        `cron(${ACCRUAL_DEADLINE.minute} ${ACCRUAL_DEADLINE.hour} * * ? *)`,
      );
      expect(cfn.Properties["ScheduleExpression"]).toBe("cron(0 5 * * ? *)");
      expect(cfn.Properties["ScheduleExpressionTimezone"]).toBe(ASIA_HO_CHI_MINH);
      const target = cfn.Properties["Target"] as Record<string, unknown>;
      expect(target["Arn"]).toEqual(getAtt(fnId(dev, "policy-credit-dev-job-watchdog")));
      expect(target["RetryPolicy"]).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
      expect(target["DeadLetterConfig"]).toEqual({ Arn: getAtt(queueId(dev, "policy-credit-dev-job-runs-dlq")) });
    });

    it("assume a role that may invoke the three scheduled functions and write their dead letters, nothing else", () => {
      const schedules = Object.values(resources(dev.template, "AWS::Scheduler::Schedule"));
      // The job schedules, the accrual watchdog and the aggregate check.
      expect(schedules).toHaveLength(JOB_SCHEDULES.length + 2);
      const roleId = only([
        ...new Set(
          schedules.map(
            (s) => (s.Properties["Target"] as { RoleArn: { "Fn::GetAtt": [string] } }).RoleArn["Fn::GetAtt"][0],
          ),
        ),
      ]);
      const groupId = idOf(dev.template, "AWS::Scheduler::ScheduleGroup", "Name", "policy-credit-dev");
      const role = resources(dev.template, "AWS::IAM::Role")[roleId]!;
      expect((role.Properties["AssumeRolePolicyDocument"] as { Statement: Statement[] }).Statement).toEqual([
        {
          Effect: "Allow",
          Action: "sts:AssumeRole",
          Principal: { Service: "scheduler.amazonaws.com" },
          Condition: {
            StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" }, "aws:SourceArn": getAtt(groupId) },
          },
        },
      ]);
      const granted = statementsOfRole(dev.template, roleId).map((s) => [asArray(s.Action).join(","), s.Resource]);
      expect(granted).toEqual(
        expect.arrayContaining([
          ["lambda:InvokeFunction", getAtt(fnId(dev, "policy-credit-dev-job-dispatcher"))],
          ["lambda:InvokeFunction", getAtt(fnId(dev, "policy-credit-dev-job-watchdog"))],
          ["lambda:InvokeFunction", getAtt(fnId(dev, "policy-credit-dev-job-aggregate-check"))],
          ["sqs:SendMessage", getAtt(queueId(dev, "policy-credit-dev-job-runs-dlq"))],
        ]),
      );
      expect(granted).toHaveLength(4);
    });

    it("keep a failed run's event once Lambda's own retries are spent", () => {
      const runDlq = queueId(dev, "policy-credit-dev-job-runs-dlq");
      for (const name of ["job-dispatcher", "job-watchdog"]) {
        const id = fnId(dev, `policy-credit-dev-${name}`);
        expect(functionNamed(dev.template, `policy-credit-dev-${name}`).Properties["DeadLetterConfig"], name).toEqual({
          TargetArn: getAtt(runDlq),
        });
        const config = only(
          Object.values(resources(dev.template, "AWS::Lambda::EventInvokeConfig")).filter(
            (r) => JSON.stringify(r.Properties["FunctionName"]) === JSON.stringify({ Ref: id }),
          ),
        );
        expect(config.Properties, name).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 });
      }
    });
  });

  describe("shard queue", () => {
    it("is encrypted, TLS-only, and hides a message for six worker timeouts", () => {
      const worker = only(JOBS.filter((def) => def.name === "job-worker"));
      const queue = resources(dev.template, "AWS::SQS::Queue")[queueId(dev, "policy-credit-dev-job-shards")]!;
      expect(queue.Properties["SqsManagedSseEnabled"]).toBe(true);
      expect(queue.Properties["VisibilityTimeout"]).toBeGreaterThanOrEqual(6 * worker.timeoutSeconds);
    });

    it("moves a shard that failed three times to its dead-letter queue", () => {
      const queue = resources(dev.template, "AWS::SQS::Queue")[queueId(dev, "policy-credit-dev-job-shards")]!;
      expect(queue.Properties["RedrivePolicy"]).toEqual({
        deadLetterTargetArn: getAtt(queueId(dev, "policy-credit-dev-job-shards-dlq")),
        maxReceiveCount: 3,
      });
    });

    it("refuses plain HTTP on every queue, and every queue is encrypted", () => {
      const queues = resources(dev.template, "AWS::SQS::Queue");
      expect(Object.keys(queues)).toHaveLength(3);
      const policies = Object.values(resources(dev.template, "AWS::SQS::QueuePolicy"));
      for (const [id, queue] of Object.entries(queues)) {
        expect(queue.Properties["SqsManagedSseEnabled"], id).toBe(true);
        const policy = only(
          policies.filter((p) => JSON.stringify(p.Properties["Queues"]) === JSON.stringify([{ Ref: id }])),
        );
        expect((policy.Properties["PolicyDocument"] as { Statement: Statement[] }).Statement, id).toContainEqual(
          expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        );
      }
    });

    it("feeds the worker one shard at a time, retrying only the failed ones, with bounded concurrency", () => {
      for (const [s, stage, concurrency] of [
        [dev, "dev", 20],
        [prod, "prod", 50],
      ] as const) {
        const mapping = only(Object.values(resources(s.template, "AWS::Lambda::EventSourceMapping")));
        expect(mapping.Properties).toMatchObject({
          EventSourceArn: getAtt(queueId(s, `policy-credit-${stage}-job-shards`)),
          FunctionName: { Ref: fnId(s, `policy-credit-${stage}-job-worker`) },
          BatchSize: 1,
          FunctionResponseTypes: ["ReportBatchItemFailures"],
          ScalingConfig: { MaximumConcurrency: concurrency },
        });
      }
    });
  });

  describe("job functions", () => {
    it("run on Node 24 and arm64 with the manifest's memory and timeout", () => {
      for (const def of JOBS) {
        const fn = functionNamed(dev.template, `policy-credit-dev-${def.name}`);
        expect(fn.Properties, def.name).toMatchObject({
          Runtime: "nodejs24.x",
          Architectures: ["arm64"],
          MemorySize: def.memoryMb,
          Timeout: def.timeoutSeconds,
        });
      }
    });

    it("may use exactly their manifest's table actions, Query also on each named index", () => {
      const tableArn = getAtt(only(Object.keys(resources(dev.template, "AWS::DynamoDB::Table"))));
      const indexArns = TABLE.globalIndexes.map((index) => ({
        "Fn::Join": ["", [tableArn, `/index/${index.indexName}`]],
      }));
      for (const def of JOBS) {
        const statements = statementsOf(dev.template, `policy-credit-dev-${def.name}`);
        expect(dynamodbActions(statements), def.name).toEqual([...new Set(def.tableActions)].sort());
        const table = statements
          .filter((s) => asArray(s.Action).some((a) => a.startsWith("dynamodb:")))
          .map((s) => ({ ...s, Action: asArray(s.Action) }));
        expect(table, def.name).toContainEqual({ Effect: "Allow", Action: def.tableActions, Resource: tableArn });
        if (def.tableActions.includes("dynamodb:Query")) {
          expect(table, def.name).toContainEqual({ Effect: "Allow", Action: ["dynamodb:Query"], Resource: indexArns });
          expect(table, def.name).toHaveLength(2);
        } else {
          expect(table, def.name).toHaveLength(1);
        }
      }
    });

    it("let only the dispatcher put shards on the queue, and tell it where the queue is", () => {
      const queue = queueId(dev, "policy-credit-dev-job-shards");
      const sends = (name: string) =>
        statementsOf(dev.template, `policy-credit-dev-${name}`).filter(
          (s) =>
            asArray(s.Action).includes("sqs:SendMessage") &&
            JSON.stringify(s.Resource) === JSON.stringify(getAtt(queue)),
        );
      expect(sends("job-dispatcher")).toHaveLength(1);
      expect(sends("job-worker")).toEqual([]);
      expect(sends("job-watchdog")).toEqual([]);
      expect(variablesOf(dev, "policy-credit-dev-job-dispatcher")["SHARD_QUEUE_URL"]).toEqual({ Ref: queue });
    });

    it("shard by the jobShards setting", () => {
      expect(variablesOf(dev, "policy-credit-dev-job-dispatcher")["JOB_SHARDS"]).toBe("64");
      expect(variablesOf(dev, "policy-credit-dev-job-worker")["JOB_SHARDS"]).toBe("64");
      expect(variablesOf(prod, "policy-credit-prod-job-dispatcher")["JOB_SHARDS"]).toBe("128");
      expect(variablesOf(prod, "policy-credit-prod-job-worker")["JOB_SHARDS"]).toBe("128");
    });

    it("let only the worker text phone numbers through SNS, under the configured sender ID", () => {
      expect(variablesOf(dev, "policy-credit-dev-job-worker")).toMatchObject({
        SMS_SENDER: "sns",
        SMS_SENDER_ID: "NHCSXH",
      });
      const sms = (name: string) =>
        statementsOf(dev.template, name).filter((s) => asArray(s.Action).some((a) => a.startsWith("sns:")));
      expect(sms("policy-credit-dev-job-worker")).toEqual([
        {
          Effect: "Deny",
          Action: "sns:Publish",
          Resource: { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":sns:*:*:*"]] },
        },
        {
          Effect: "Allow",
          Action: "sns:Publish",
          Resource: "*",
          Condition: { StringEquals: { "aws:RequestedRegion": { Ref: "AWS::Region" } } },
        },
      ]);
      const others = Object.values(resources(dev.template, "AWS::Lambda::Function"))
        .map((fn) => fn.Properties["FunctionName"] as string)
        .filter((name) => name !== "policy-credit-dev-job-worker");
      for (const name of others) expect(sms(name), name).toEqual([]);
    });
  });

  describe("guards", () => {
    const bare = () => {
      const app = new App({ context: { smsSenderId: "NHCSXH", allowedOrigins: "https://app.example.vn" } });
      return { settings: readSettings(app), stack: new Stack(app, "Guard") };
    };
    const table = { tableName: "t", tableArn: "arn:aws:dynamodb:ap-southeast-1:111111111111:table/t", indexArns: [] };

    it("refuses a job manifest without one of the three functions", () => {
      const { settings, stack } = bare();
      expect(
        () =>
          new Jobs(stack, "Jobs", {
            ...table,
            settings,
            projectRoot: process.cwd(),
            functions: JOBS.filter((def) => def.name !== "job-watchdog"),
            schedules: JOB_SCHEDULES,
            accrualDeadline: ACCRUAL_DEADLINE,
          }),
      ).toThrow(/job-watchdog/);
    });

    it("refuses a watchdog that would look before accrual has even started", () => {
      const { settings, stack } = bare();
      expect(
        () =>
          new Jobs(stack, "Jobs", {
            ...table,
            settings,
            projectRoot: process.cwd(),
            functions: JOBS,
            schedules: JOB_SCHEDULES,
            accrualDeadline: { hour: 0, minute: 10 },
          }),
      ).toThrow(/deadline/);
    });
  });
});
