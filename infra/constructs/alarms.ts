import { Aws, Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { StageSettings } from "../settings.ts";
import type { Jobs } from "./jobs.ts";

export type AlarmsProps = {
  settings: StageSettings;
  api: apigw.IHttpApi;
  jobs: Jobs;
};

/** Share of API responses that are 5xx, in percent, above which operators are paged. */
export const API_5XX_PERCENT = 2;
/** Below this many requests in five minutes a handful of errors is not yet a rate worth paging about. */
export const API_5XX_MIN_REQUESTS = 20;

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Every alarm pages through one encrypted SNS topic. Counters that only appear when something goes wrong treat
 * missing data as not breaching: silence is the healthy state.
 */
export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly api5xxRate: cloudwatch.Alarm;
  readonly shardDeadLetters: cloudwatch.Alarm;
  readonly runDeadLetters: cloudwatch.Alarm;
  readonly jobFailed: cloudwatch.Alarm;
  readonly jobLoanFailed: cloudwatch.Alarm[];
  readonly accrualLate: cloudwatch.Alarm;
  readonly aggregateDrift: cloudwatch.Alarm;
  readonly functionErrors: cloudwatch.Alarm[];
  readonly all: cloudwatch.Alarm[] = [];
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { settings, jobs } = props;
    this.prefix = `policy-credit-${settings.stage}`;
    const alarmArns = `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:${this.prefix}-*`;

    // CloudWatch cannot publish to a topic under the AWS-managed SNS key: its key policy cannot name CloudWatch.
    const key = new kms.Key(this, "TopicKey", {
      alias: `alias/${this.prefix}-alarms`,
      description: `Encrypts the ${settings.stage} alarm topic`,
      enableKeyRotation: true,
      removalPolicy: settings.isProduction ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const fromOurAlarms = {
      StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID },
      ArnLike: { "aws:SourceArn": alarmArns },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: fromOurAlarms,
      }),
    );

    this.topic = new sns.Topic(this, "Topic", {
      topicName: `${this.prefix}-alarms`,
      displayName: `Policy credit ${settings.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces the default one, which is what lets same-account alarms publish.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [this.topic.topicArn],
        conditions: fromOurAlarms,
      }),
    );
    if (settings.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));

    const requests = props.api.metricCount({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    const serverErrors = props.api.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM });
    this.api5xxRate = this.alarm("Api5xxRate", {
      alarmName: `${this.prefix}-api-5xx-rate`,
      alarmDescription:
        `More than ${API_5XX_PERCENT}% of API responses were 5xx in two of the last three 5-minute periods ` +
        `(periods with fewer than ${API_5XX_MIN_REQUESTS} requests count as healthy). Check the function logs.`,
      metric: new cloudwatch.MathExpression({
        expression: `IF(requests >= ${API_5XX_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: { requests, errors: serverErrors },
        period: FIVE_MINUTES,
        label: "5xx %",
      }),
      threshold: API_5XX_PERCENT,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    this.shardDeadLetters = this.queueDepth(
      "ShardDeadLetters",
      "job-shards-dlq",
      jobs.shardDeadLetters,
      "A job shard failed three times and stopped. Fix the cause, then redrive the queue: the shard resumes " +
        "after its last committed page.",
    );
    this.runDeadLetters = this.queueDepth(
      "RunDeadLetters",
      "job-runs-dlq",
      jobs.runDeadLetters,
      "A scheduled job run did not happen: Scheduler could not invoke the function, or the run failed " +
        "through its retries. Each message holds the run's input; run the job again with it.",
    );

    this.jobFailed = this.alarm("JobFailed", {
      alarmName: `${this.prefix}-job-failed`,
      alarmDescription:
        "A job worker failed a whole shard (JobFailed). SQS retries it; three failures move it to the " +
        "shard dead-letter queue.",
      metric: jobs.workerMetric("JobFailed", { period: FIVE_MINUTES }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.jobLoanFailed = jobs.jobNames.map((job) =>
      this.alarm(`JobLoanFailed-${job}`, {
        alarmName: `${this.prefix}-job-loan-failed-${job}`,
        alarmDescription:
          `${job} skipped at least one loan it could not process (JobLoanFailed); the rest of its shard went ` +
          "on. Find the loan in the worker's log.",
        metric: jobs.workerJobMetric("JobLoanFailed", job, { period: FIVE_MINUTES }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      }),
    );

    this.accrualLate = this.alarm("AccrualLate", {
      alarmName: `${this.prefix}-accrual-late`,
      alarmDescription:
        "Last night's interest accrual had not finished at the 05:00 deadline (Vietnam time), before " +
        "transaction points open. Check the job run and the dead-letter queues.",
      metric: jobs.watchdogMetric("AccrualLate", { period: FIVE_MINUTES }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });

    this.aggregateDrift = this.alarm("AggregateDrift", {
      alarmName: `${this.prefix}-aggregate-drift`,
      alarmDescription:
        "A portfolio aggregate differs from a recomputation from its loans. The aggregate check's log names the " +
        "commune, program and both figures.",
      metric: jobs.aggregateDriftMetric({ period: FIVE_MINUTES }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    // The watchdog too: if it breaks, AccrualLate can never fire.
    this.functionErrors = [jobs.dispatcher, jobs.worker, jobs.watchdog, jobs.aggregateCheck].map((fn) =>
      this.alarm(`Errors-${fn.node.id}`, {
        alarmName: `${fn.functionName}-errors`,
        alarmDescription: `${fn.functionName} failed an invocation (crash or timeout). Check its log group.`,
        metric: fn.function.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      }),
    );
  }

  private queueDepth(id: string, name: string, queue: sqs.IQueue, description: string): cloudwatch.Alarm {
    return this.alarm(id, {
      alarmName: `${this.prefix}-${name}-depth`,
      alarmDescription: description,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    // Only ALARM is announced: an event counter drops back to OK five minutes later without anything fixed.
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.all.push(alarm);
    return alarm;
  }
}
