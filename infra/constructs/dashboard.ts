import { Duration } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import type { StageSettings } from "../settings.ts";
import type { Alarms } from "./alarms.ts";
import { METRICS_NAMESPACE } from "./functions.ts";
import type { Jobs } from "./jobs.ts";

export type DashboardProps = {
  settings: StageSettings;
  api: apigw.IHttpApi;
  jobs: Jobs;
  alarms: Alarms;
  /** `service` dimension of every HTTP function; business counters come from whichever of them posts. */
  httpServices: readonly string[];
};

const FIVE_MINUTES = Duration.minutes(5);
const ONE_HOUR = Duration.hours(1);
/**
 * A UTC day holds exactly one Vietnam night's run (00:15 local is 17:15 UTC the day before), so daily sums
 * are per night.
 */
const ONE_DAY = Duration.days(1);
/** Nightly widgets look back a fortnight whatever range the dashboard shows. */
const NIGHTS = "-P14D";
const WIDTH = 12;
const HEIGHT = 6;

/** One page for the stage: API health, business volume, nightly jobs and their dead letters. */
export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const { settings, api, jobs, alarms, httpServices } = props;
    const sum = (metric: cloudwatch.Metric, label: string, period = FIVE_MINUTES) =>
      metric.with({ label, period, statistic: cloudwatch.Stats.SUM });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${settings.stage}-policy-credit`,
    });

    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: alarms.all, width: 2 * WIDTH, height: 3 }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "API requests, 4xx and 5xx",
        width: WIDTH,
        height: HEIGHT,
        left: [
          sum(api.metricCount(), "Requests"),
          sum(api.metricClientError(), "4xx"),
          sum(api.metricServerError(), "5xx"),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "API latency p95 (ms)",
        width: WIDTH,
        height: HEIGHT,
        left: [api.metricLatency({ statistic: cloudwatch.Stats.p(95), period: FIVE_MINUTES, label: "Latency p95" })],
        leftAnnotations: [{ value: 1000, label: "1 s", color: cloudwatch.Color.ORANGE }],
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Payments posted (per hour)",
        width: WIDTH,
        height: HEIGHT,
        left: [httpCounter(settings.stage, httpServices, "PaymentPosted", "Payments posted")],
      }),
      new cloudwatch.GraphWidget({
        title: "Sync entries rejected (per hour)",
        width: WIDTH,
        height: HEIGHT,
        left: [httpCounter(settings.stage, httpServices, "SyncEntryRejected", "Sync entries rejected")],
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Loans per night",
        width: WIDTH,
        height: HEIGHT,
        start: NIGHTS,
        left: [
          sum(jobs.workerJobMetric("LoansAccrued", "accrue-interest"), "Loans accrued", ONE_DAY),
          sum(jobs.workerJobMetric("LoansClassified", "classify-overdue"), "Loans classified overdue", ONE_DAY),
          sum(jobs.workerJobMetric("RemindersSent", "send-reminders"), "Reminders sent", ONE_DAY),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Job failures",
        width: WIDTH,
        height: HEIGHT,
        start: NIGHTS,
        left: [
          sum(jobs.workerMetric("JobFailed"), "Shards failed", ONE_HOUR),
          ...jobs.jobNames.map((job) =>
            sum(jobs.workerJobMetric("JobLoanFailed", job), `Loans failed: ${job}`, ONE_HOUR),
          ),
        ],
      }),
    );

    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Dead-letter queue depth",
        width: WIDTH,
        height: HEIGHT,
        left: [
          jobs.shardDeadLetters.metricApproximateNumberOfMessagesVisible({
            label: "Shards given up",
            statistic: cloudwatch.Stats.MAXIMUM,
            period: FIVE_MINUTES,
          }),
          jobs.runDeadLetters.metricApproximateNumberOfMessagesVisible({
            label: "Scheduled runs that did not happen",
            statistic: cloudwatch.Stats.MAXIMUM,
            period: FIVE_MINUTES,
          }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Accrual at the 05:00 deadline",
        width: WIDTH,
        height: HEIGHT,
        start: NIGHTS,
        left: [
          sum(jobs.watchdogMetric("AccrualLate"), "Late", ONE_DAY),
          sum(jobs.watchdogMetric("AccrualOnTime"), "On time", ONE_DAY),
        ],
      }),
    );
  }
}

/** CloudWatch refuses a search query longer than this. */
const MAX_SEARCH_QUERY = 1024;

/**
 * Counters the HTTP functions emit. Which function emits them, and with which extra dimensions, is the HTTP
 * side's choice, so the widget adds up every metric of that name from this stage's HTTP functions.
 */
function httpCounter(
  stage: string,
  services: readonly string[],
  metricName: string,
  label: string,
): cloudwatch.MathExpression {
  const base = `Namespace="${METRICS_NAMESPACE}" MetricName="${metricName}"`;
  let query = `${base} (${services.map((service) => `service="${service}"`).join(" OR ")})`;
  // With many functions, match the stage's service prefix instead: a token match, so it is less exact.
  if (query.length > MAX_SEARCH_QUERY) query = `${base} service=policy-credit-${stage}`;
  const search = `SEARCH('${query}', 'Sum', ${ONE_HOUR.toSeconds()})`;
  return new cloudwatch.MathExpression({ expression: `SUM(${search})`, label, period: ONE_HOUR });
}
