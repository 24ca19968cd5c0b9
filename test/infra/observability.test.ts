import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { JOB_NAMES } from "../../shared/jobs/functions.ts";
import {
  functionNamed,
  getAtt,
  idOf,
  only,
  type Resource,
  resources,
  type Statement,
  type Synth,
  synth,
} from "./support/synth.ts";

type Dimension = { Name: string; Value: unknown };
type Widget = { type: string; properties: { title?: string; metrics?: unknown[][]; alarms?: unknown[] } };

/** What one `count()` call of shared/log/metrics.ts writes, read back from its embedded-metric line. */
async function emitted(service: string, metricName: string, dimensions: Record<string, string> = {}) {
  vi.resetModules();
  vi.stubEnv("POWERTOOLS_SERVICE_NAME", service);
  vi.stubEnv("POWERTOOLS_METRICS_NAMESPACE", "PolicyCredit");
  vi.stubEnv("POWERTOOLS_METRICS_ENABLED", "true");
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const { count } = await import("../../shared/log/metrics.ts");
    count(metricName, 1, dimensions);
  } finally {
    write.mockRestore();
  }
  const line = JSON.parse(only(lines.filter((l) => l.includes('"_aws"')))) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  };
  const directive = only(line._aws.CloudWatchMetrics);
  const names = only(directive.Dimensions);
  return {
    Namespace: directive.Namespace,
    MetricName: only(directive.Metrics).Name,
    Dimensions: names.map((name) => ({ Name: name, Value: line[name] })).sort(byName),
  };
}

function byName(a: Dimension, b: Dimension): number {
  return a.Name.localeCompare(b.Name);
}

describe("alarms and dashboard", () => {
  let dev: Synth;
  let prod: Synth;

  beforeAll(() => {
    dev = synth("dev");
    prod = synth("prod", { alarmEmail: "oncall@example.vn" });
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  const alarm = (s: Synth, name: string): Resource =>
    only(
      Object.values(resources(s.template, "AWS::CloudWatch::Alarm")).filter((r) => r.Properties["AlarmName"] === name),
    );
  const topicId = (s: Synth, stage: string) =>
    idOf(s.template, "AWS::SNS::Topic", "TopicName", `policy-credit-${stage}-alarms`);
  const serviceOf = (s: Synth, functionName: string) =>
    (functionNamed(s.template, functionName).Properties["Environment"] as { Variables: Record<string, string> })
      .Variables["POWERTOOLS_SERVICE_NAME"]!;
  const identity = (r: Resource) => ({
    Namespace: r.Properties["Namespace"],
    MetricName: r.Properties["MetricName"],
    Dimensions: [...(r.Properties["Dimensions"] as Dimension[])].sort(byName),
  });

  describe("alarms", () => {
    it("exist in every stage, page the stage's topic on ALARM, and treat silence as healthy", () => {
      for (const [s, stage] of [
        [dev, "dev"],
        [prod, "prod"],
      ] as const) {
        const alarms = Object.values(resources(s.template, "AWS::CloudWatch::Alarm"));
        const names = alarms.map((a) => a.Properties["AlarmName"]).sort();
        expect(names).toEqual(
          [
            "api-5xx-rate",
            "job-shards-dlq-depth",
            "job-runs-dlq-depth",
            "job-failed",
            ...JOB_NAMES.map((job) => `job-loan-failed-${job}`),
            "accrual-late",
            "aggregate-drift",
            "job-dispatcher-errors",
            "job-worker-errors",
            "job-watchdog-errors",
            "job-aggregate-check-errors",
          ]
            .map((name) => `policy-credit-${stage}-${name}`)
            .sort(),
        );
        for (const a of alarms) {
          expect(a.Properties["AlarmActions"], String(a.Properties["AlarmName"])).toEqual([{ Ref: topicId(s, stage) }]);
          expect(a.Properties["TreatMissingData"], String(a.Properties["AlarmName"])).toBe("notBreaching");
        }
      }
    });

    it("page on the API's 5xx share, not on a lone error at night", () => {
      const a = alarm(dev, "policy-credit-dev-api-5xx-rate");
      const apiId = only(Object.keys(resources(dev.template, "AWS::ApiGatewayV2::Api")));
      expect(a.Properties).toMatchObject({
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 2,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
      const metrics = a.Properties["Metrics"] as {
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: Dimension[] }; Stat: string };
      }[];
      expect(only(metrics.filter((m) => m.Expression)).Expression).toBe(
        "IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)",
      );
      const stat = (id: string) => only(metrics.filter((m) => m.Id === id)).MetricStat;
      for (const [id, metricName] of [
        ["requests", "Count"],
        ["errors", "5xx"],
      ]) {
        expect(stat(id!), id).toEqual({
          Metric: {
            Namespace: "AWS/ApiGateway",
            MetricName: metricName,
            Dimensions: [{ Name: "ApiId", Value: { Ref: apiId } }],
          },
          Period: 300,
          Stat: "Sum",
        });
      }
    });

    it("page as soon as either dead-letter queue holds a message", () => {
      for (const name of ["job-shards-dlq", "job-runs-dlq"]) {
        const a = alarm(dev, `policy-credit-dev-${name}-depth`);
        const queue = idOf(dev.template, "AWS::SQS::Queue", "QueueName", `policy-credit-dev-${name}`);
        expect(a.Properties, name).toMatchObject({
          Namespace: "AWS/SQS",
          MetricName: "ApproximateNumberOfMessagesVisible",
          Dimensions: [{ Name: "QueueName", Value: getAtt(queue, "QueueName") }],
          Statistic: "Maximum",
          ComparisonOperator: "GreaterThanThreshold",
          Threshold: 0,
        });
      }
    });

    it("watch the job metrics exactly as the functions emit them, service dimension included", async () => {
      const worker = serviceOf(dev, "policy-credit-dev-job-worker");
      const watchdog = serviceOf(dev, "policy-credit-dev-job-watchdog");

      const jobFailed = alarm(dev, "policy-credit-dev-job-failed");
      expect(identity(jobFailed)).toEqual(await emitted(worker, "JobFailed"));
      expect(jobFailed.Properties).toMatchObject({
        Statistic: "Sum",
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 0,
      });

      for (const job of JOB_NAMES) {
        const loanFailed = alarm(dev, `policy-credit-dev-job-loan-failed-${job}`);
        expect(identity(loanFailed), job).toEqual(await emitted(worker, "JobLoanFailed", { job }));
        expect(loanFailed.Properties, job).toMatchObject({ Statistic: "Sum", Threshold: 0 });
      }

      const late = alarm(dev, "policy-credit-dev-accrual-late");
      expect(identity(late)).toEqual(await emitted(watchdog, "AccrualLate"));
      expect(late.Properties).toMatchObject({
        Statistic: "Sum",
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        Threshold: 1,
      });
    });

    it("page when a job function itself fails", () => {
      for (const name of ["job-dispatcher", "job-worker", "job-watchdog", "job-aggregate-check"]) {
        const a = alarm(dev, `policy-credit-dev-${name}-errors`);
        const fn = idOf(dev.template, "AWS::Lambda::Function", "FunctionName", `policy-credit-dev-${name}`);
        expect(a.Properties, name).toMatchObject({
          Namespace: "AWS/Lambda",
          MetricName: "Errors",
          Dimensions: [{ Name: "FunctionName", Value: { Ref: fn } }],
          Statistic: "Sum",
          Threshold: 0,
        });
      }
    });
  });

  describe("alarm topic", () => {
    it("is encrypted with a rotating key that CloudWatch may use for this stage's alarms only", () => {
      const topic = resources(dev.template, "AWS::SNS::Topic")[topicId(dev, "dev")]!;
      const keyId = (topic.Properties["KmsMasterKeyId"] as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
      const key = resources(dev.template, "AWS::KMS::Key")[keyId]!;
      expect(key.Properties["EnableKeyRotation"]).toBe(true);
      const forCloudWatch = only(
        (key.Properties["KeyPolicy"] as { Statement: Statement[] }).Statement.filter(
          (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: "cloudwatch.amazonaws.com" }),
        ),
      );
      expect(forCloudWatch.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
      expect(JSON.stringify(forCloudWatch.Condition?.["ArnLike"])).toContain(":alarm:policy-credit-dev-*");
    });

    it("refuses plain HTTP and lets this stage's alarms publish", () => {
      const id = topicId(dev, "dev");
      const policy = only(Object.values(resources(dev.template, "AWS::SNS::TopicPolicy")));
      expect(policy.Properties["Topics"]).toEqual([{ Ref: id }]);
      const statements = (policy.Properties["PolicyDocument"] as { Statement: Statement[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: { Ref: id },
        }),
      );
    });

    it("emails the alarmEmail address when one is set", () => {
      expect(resources(dev.template, "AWS::SNS::Subscription")).toEqual({});
      const subscription = only(Object.values(resources(prod.template, "AWS::SNS::Subscription")));
      expect(subscription.Properties).toMatchObject({
        Protocol: "email",
        Endpoint: "oncall@example.vn",
        TopicArn: { Ref: topicId(prod, "prod") },
      });
    });
  });

  describe("dashboard", () => {
    /** The dashboard body with every CloudFormation reference replaced by a marker, parsed. */
    const widgetsOf = (s: Synth, name: string): Widget[] => {
      const dashboard = only(
        Object.values(resources(s.template, "AWS::CloudWatch::Dashboard")).filter(
          (r) => r.Properties["DashboardName"] === name,
        ),
      );
      const body = dashboard.Properties["DashboardBody"] as string | { "Fn::Join": [string, unknown[]] };
      const text =
        typeof body === "string"
          ? body
          : body["Fn::Join"][1].map((part) => (typeof part === "string" ? part : "REF")).join("");
      return (JSON.parse(text) as { widgets: Widget[] }).widgets;
    };
    const titled = (widgets: Widget[], title: string) => only(widgets.filter((w) => w.properties.title === title));
    const metricNames = (widget: Widget) => (widget.properties.metrics ?? []).map((row) => JSON.stringify(row));

    it("is named per stage and shows every alarm", () => {
      for (const [s, stage] of [
        [dev, "dev"],
        [prod, "prod"],
      ] as const) {
        const widgets = widgetsOf(s, `${stage}-policy-credit`);
        const status = only(widgets.filter((w) => w.type === "alarm"));
        expect(status.properties.alarms).toHaveLength(
          Object.keys(resources(s.template, "AWS::CloudWatch::Alarm")).length,
        );
      }
    });

    it("shows API traffic, errors and p95 latency", () => {
      const widgets = widgetsOf(dev, "dev-policy-credit");
      const traffic = metricNames(titled(widgets, "API requests, 4xx and 5xx")).join(" ");
      for (const metric of ['"Count"', '"4xx"', '"5xx"']) expect(traffic).toContain(metric);
      expect(metricNames(titled(widgets, "API latency p95 (ms)")).join(" ")).toMatch(/"Latency".*"p95"/);
    });

    it("adds up payments and sync rejections from this stage's HTTP functions only", () => {
      const widgets = widgetsOf(dev, "dev-policy-credit");
      for (const [title, metricName] of [
        ["Payments posted (per hour)", "PaymentPosted"],
        ["Sync entries rejected (per hour)", "SyncEntryRejected"],
      ] as const) {
        const [row] = titled(widgets, title).properties.metrics!;
        const expression = (row!.at(-1) as { expression: string }).expression;
        expect(expression, title).toContain(`MetricName="${metricName}"`);
        expect(expression, title).toContain('service="policy-credit-dev-loans"');
        expect(expression, title).not.toContain("prod");
      }
    });

    it("shows the nightly runs: loans per night, failures, dead letters and lateness", () => {
      const widgets = widgetsOf(dev, "dev-policy-credit");
      const perNight = metricNames(titled(widgets, "Loans per night")).join(" ");
      expect(perNight).toMatch(
        /"PolicyCredit","LoansAccrued","job","accrue-interest","service","policy-credit-dev-job-worker"/,
      );
      expect(perNight).toContain('"period":86400');
      expect(metricNames(titled(widgets, "Job failures")).join(" ")).toContain('"JobFailed"');
      const dlq = metricNames(titled(widgets, "Dead-letter queue depth"));
      expect(dlq).toHaveLength(2);
      for (const row of dlq) expect(row).toContain('"ApproximateNumberOfMessagesVisible"');
      expect(metricNames(titled(widgets, "Accrual at the 05:00 deadline")).join(" ")).toContain('"AccrualLate"');
    });
  });
});
