import { Aws, Duration, RemovalPolicy, TimeZone, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke, type ScheduleTargetBaseProps } from "aws-cdk-lib/aws-scheduler-targets";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { AGGREGATE_CHECK_AT, type JobFunctionDef } from "../../shared/jobs/functions.ts";
import type { JobName } from "../../shared/jobs/types.ts";
import type { StageSettings } from "../settings.ts";
import { acknowledgeRuntime, METRICS_NAMESPACE, PolicyCreditFunction, type TableAccess } from "./functions.ts";

export type JobSchedule = { job: JobName; hour: number; minute: number; description: string };
export type LocalTime = { hour: number; minute: number };

export type JobsProps = TableAccess & {
  settings: StageSettings;
  projectRoot: string;
  functions: readonly JobFunctionDef[];
  schedules: readonly JobSchedule[];
  /** The watchdog runs at this Vietnam time and reports whether accrual has finished. */
  accrualDeadline: LocalTime;
};

/** Metrics the worker writes per shard, each with a `job` dimension (functions/jobs/worker.ts). */
export type WorkerJobMetric = "LoansAccrued" | "LoansClassified" | "RemindersSent" | "JobLoanFailed";
/** Metrics the worker writes without a `job` dimension. */
export type WorkerMetric = "JobFailed";
/** Metrics the watchdog writes, without a `job` dimension (functions/jobs/watchdog.ts). */
export type WatchdogMetric = "AccrualLate" | "AccrualOnTime";

/** Scheduler gives up on delivering a run after this; later than that, the night's window is gone anyway. */
const SCHEDULE_MAX_EVENT_AGE = Duration.hours(1);
const SCHEDULE_RETRY_ATTEMPTS = 3;
/** Lambda's own retries of a failed asynchronous run, before the event lands in the run dead-letter queue. */
const ASYNC_RETRY_ATTEMPTS = 2;
/** A shard that fails this many times stops being retried and waits in the shard dead-letter queue. */
const SHARD_MAX_RECEIVE_COUNT = 3;
/**
 * Lambda's guidance for SQS sources: a visibility timeout of at least six times the function timeout, so a
 * message is not handed to a second worker while the first one, throttled and retried, still holds it.
 */
const VISIBILITY_TIMEOUT_FACTOR = 6;
const MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 60 * 60;

/**
 * The nightly and daily jobs. EventBridge Scheduler starts the dispatcher at Vietnam wall-clock times; the
 * dispatcher puts one message per shard on a queue; workers take one shard each, a bounded number at a time.
 * Anything that cannot run lands in one of two dead-letter queues, and both have alarms.
 */
export class Jobs extends Construct {
  readonly dispatcher: PolicyCreditFunction;
  readonly worker: PolicyCreditFunction;
  readonly watchdog: PolicyCreditFunction;
  readonly aggregateCheck: PolicyCreditFunction;
  readonly shardQueue: sqs.Queue;
  /** Shards that failed SHARD_MAX_RECEIVE_COUNT times. */
  readonly shardDeadLetters: sqs.Queue;
  /** Scheduled runs that never happened: Scheduler could not invoke, or the function failed through its retries. */
  readonly runDeadLetters: sqs.Queue;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly schedules: scheduler.Schedule[] = [];
  readonly jobNames: JobName[];

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    const { settings } = props;
    const prefix = `policy-credit-${settings.stage}`;
    const defs = byRole(props.functions);
    this.jobNames = [...new Set(props.schedules.map((s) => s.job))];
    const accrual = props.schedules.find((s) => s.job === "accrue-interest");
    if (accrual && minutesOf(props.accrualDeadline) <= minutesOf(accrual)) {
      throw new Error("the accrual deadline must fall after accrual starts, on the same Vietnam day");
    }

    const common = {
      settings,
      projectRoot: props.projectRoot,
      tableName: props.tableName,
      tableArn: props.tableArn,
      indexArns: props.indexArns,
    };
    const fromDef = (def: JobFunctionDef) => ({
      name: def.name,
      entry: def.entry,
      tableActions: def.tableActions,
      memoryMb: def.memoryMb,
      timeoutSeconds: def.timeoutSeconds,
    });

    this.runDeadLetters = deadLetterQueue(this, "RunDeadLetters", `${prefix}-job-runs-dlq`);
    this.shardDeadLetters = deadLetterQueue(this, "ShardDeadLetters", `${prefix}-job-shards-dlq`);

    const visibilitySeconds = VISIBILITY_TIMEOUT_FACTOR * defs.worker.timeoutSeconds;
    if (visibilitySeconds > MAX_VISIBILITY_TIMEOUT_SECONDS) {
      throw new Error(
        `job-worker timeout ${defs.worker.timeoutSeconds}s needs a ${visibilitySeconds}s visibility timeout; SQS allows 12 h`,
      );
    }
    this.shardQueue = new sqs.Queue(this, "ShardQueue", {
      queueName: `${prefix}-job-shards`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(visibilitySeconds),
      deadLetterQueue: { queue: this.shardDeadLetters, maxReceiveCount: SHARD_MAX_RECEIVE_COUNT },
    });

    // Scheduler invokes asynchronously: a run that fails after Lambda's retries keeps its `{ job }` event here.
    const scheduledRun = {
      deadLetterQueue: this.runDeadLetters,
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: SCHEDULE_MAX_EVENT_AGE,
    };

    this.dispatcher = new PolicyCreditFunction(this, defs.dispatcher.name, {
      ...common,
      ...fromDef(defs.dispatcher),
      ...scheduledRun,
      environment: { SHARD_QUEUE_URL: this.shardQueue.queueUrl },
    });
    this.shardQueue.grantSendMessages(this.dispatcher.function);

    this.worker = new PolicyCreditFunction(this, defs.worker.name, {
      ...common,
      ...fromDef(defs.worker),
      environment: { SMS_SENDER: "sns", SMS_SENDER_ID: settings.smsSenderId },
      inlinePolicies: { Sms: smsPolicy() },
    });
    Validations.of(this.worker.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "sns:Publish straight to a phone number has no resource ARN, so SMS needs Resource '*'. The grant is " +
        "only sns:Publish, only in the stack's region, and a Deny on every SNS ARN (topics, platform endpoints) " +
        "leaves phone numbers as the one thing the worker can publish to.",
    });
    this.worker.function.addEventSource(
      new SqsEventSource(this.shardQueue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        // Not reserved concurrency: a throttled receive would count towards maxReceiveCount and send a healthy
        // shard to the dead-letter queue.
        maxConcurrency: settings.jobs.workerConcurrency,
      }),
    );

    this.watchdog = new PolicyCreditFunction(this, defs.watchdog.name, {
      ...common,
      ...fromDef(defs.watchdog),
      ...scheduledRun,
    });

    this.aggregateCheck = new PolicyCreditFunction(this, defs.aggregateCheck.name, {
      ...common,
      ...fromDef(defs.aggregateCheck),
      ...scheduledRun,
    });

    acknowledgeRuntime(this);

    this.scheduleGroup = new scheduler.ScheduleGroup(this, "Schedules", {
      scheduleGroupName: prefix,
      // The group holds only schedules, which the stack recreates; keeping it would block a redeploy by name.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const schedulerRole = new iam.Role(this, "SchedulerRole", {
      description: `Lets EventBridge Scheduler start the ${settings.stage} jobs`,
      assumedBy: new iam.ServicePrincipal("scheduler.amazonaws.com", {
        conditions: {
          StringEquals: {
            "aws:SourceAccount": Aws.ACCOUNT_ID,
            "aws:SourceArn": this.scheduleGroup.scheduleGroupArn,
          },
        },
      }),
    });
    const target = (fn: lambda.IFunction, input: Record<string, string>) =>
      new InvokeUnqualified(fn, {
        role: schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject(input),
        retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
        maxEventAge: SCHEDULE_MAX_EVENT_AGE,
        deadLetterQueue: this.runDeadLetters,
      });

    for (const entry of props.schedules) {
      this.schedules.push(
        this.schedule(entry.job, entry, entry.description, target(this.dispatcher.function, { job: entry.job })),
      );
    }

    this.schedules.push(
      this.schedule(
        "accrual-deadline",
        props.accrualDeadline,
        "Alarm if last night's accrual has not finished",
        target(this.watchdog.function, { watch: "accrue-interest" }),
      ),
    );
    this.schedules.push(
      this.schedule(
        "check-aggregates",
        AGGREGATE_CHECK_AT,
        "Recompute portfolio balances from the loans and flag any drift",
        target(this.aggregateCheck.function, { check: "aggregates" }),
      ),
    );
  }

  private schedule(
    name: string,
    at: LocalTime,
    description: string,
    target: scheduler.IScheduleTarget,
  ): scheduler.Schedule {
    return new scheduler.Schedule(this, `Schedule-${name}`, {
      scheduleName: `${this.scheduleGroup.scheduleGroupName}-${name}`,
      scheduleGroup: this.scheduleGroup,
      description,
      // Business days end at midnight in Vietnam, whatever the region's clock says.
      schedule: scheduler.ScheduleExpression.cron({
        minute: String(at.minute),
        hour: String(at.hour),
        timeZone: TimeZone.ASIA_HO_CHI_MINH,
      }),
      timeWindow: scheduler.TimeWindow.off(),
      target,
    });
  }

  /** A worker metric as the worker's embedded-metric lines create it: `service` plus `job`. */
  workerJobMetric(metricName: WorkerJobMetric, job: JobName, options: cloudwatch.MetricOptions = {}) {
    return emfMetric(metricName, { service: this.worker.serviceName, job }, options);
  }

  workerMetric(metricName: WorkerMetric, options: cloudwatch.MetricOptions = {}) {
    return emfMetric(metricName, { service: this.worker.serviceName }, options);
  }

  watchdogMetric(metricName: WatchdogMetric, options: cloudwatch.MetricOptions = {}) {
    return emfMetric(metricName, { service: this.watchdog.serviceName }, options);
  }

  aggregateDriftMetric(options: cloudwatch.MetricOptions = {}) {
    return emfMetric("AggregateDrift", { service: this.aggregateCheck.serviceName }, options);
  }
}

/**
 * Powertools Metrics puts its `service` default dimension (POWERTOOLS_SERVICE_NAME) on every line, next to the
 * dimensions the code adds, and CloudWatch only matches a metric by its whole dimension set.
 */
function emfMetric(metricName: string, dimensionsMap: Record<string, string>, options: cloudwatch.MetricOptions) {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap,
    statistic: cloudwatch.Stats.SUM,
    ...options,
  });
}

/**
 * The stock Lambda target grants invoke on the function and on every version and alias (`:*`); Scheduler
 * calls the unqualified function only.
 */
class InvokeUnqualified extends LambdaInvoke {
  private readonly invoked: lambda.IFunction;

  constructor(fn: lambda.IFunction, props: ScheduleTargetBaseProps) {
    super(fn, props);
    this.invoked = fn;
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [this.invoked.functionArn] }),
    );
  }
}

function deadLetterQueue(scope: Construct, id: string, queueName: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    queueName,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // The longest SQS keeps anything: two weeks to find the cause and redrive.
    retentionPeriod: Duration.days(14),
  });
}

function smsPolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: ["sns:Publish"],
        resources: [`arn:${Aws.PARTITION}:sns:*:*:*`],
      }),
      new iam.PolicyStatement({
        actions: ["sns:Publish"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:RequestedRegion": Aws.REGION } },
      }),
    ],
  });
}

function byRole(functions: readonly JobFunctionDef[]) {
  const find = (name: JobFunctionDef["name"]): JobFunctionDef => {
    const matches = functions.filter((def) => def.name === name);
    if (matches.length !== 1) throw new Error(`job functions must list "${name}" exactly once`);
    return matches[0]!;
  };
  return {
    dispatcher: find("job-dispatcher"),
    worker: find("job-worker"),
    watchdog: find("job-watchdog"),
    aggregateCheck: find("job-aggregate-check"),
  };
}

function minutesOf(at: LocalTime): number {
  return at.hour * 60 + at.minute;
}
