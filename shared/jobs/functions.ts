import type { TableAction } from "../http/routes.ts";
import { JOB_NAMES, type JobName } from "./types.ts";

/**
 * The job Lambdas and their schedules (Asia/Ho_Chi_Minh wall clock). The CDK stack builds them from
 * this list; `npm start` runs the same jobs at the same local times.
 */
export type JobFunctionDef = {
  name: "job-dispatcher" | "job-worker" | "job-watchdog" | "job-aggregate-check";
  entry: string;
  tableActions: TableAction[];
  memoryMb: number;
  timeoutSeconds: number;
};

export const JOB_FUNCTIONS: JobFunctionDef[] = [
  {
    name: "job-dispatcher",
    entry: "functions/jobs/dispatcher.ts",
    tableActions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
    memoryMb: 256,
    timeoutSeconds: 60,
  },
  {
    name: "job-worker",
    entry: "functions/jobs/worker.ts",
    tableActions: [
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:ConditionCheckItem",
    ],
    memoryMb: 1024,
    timeoutSeconds: 900,
  },
  {
    name: "job-watchdog",
    entry: "functions/jobs/watchdog.ts",
    tableActions: ["dynamodb:GetItem"],
    memoryMb: 256,
    timeoutSeconds: 30,
  },
  {
    name: "job-aggregate-check",
    entry: "functions/jobs/aggregate-check.ts",
    tableActions: ["dynamodb:Query", "dynamodb:BatchGetItem"],
    memoryMb: 1024,
    timeoutSeconds: 900,
  },
];

/** The nightly cross-check of portfolio aggregates against the loans, after the overdue transfer. */
export const AGGREGATE_CHECK_AT = { hour: 2, minute: 0 };

export const JOB_SCHEDULES: { job: JobName; hour: number; minute: number; description: string }[] = [
  { job: "accrue-interest", hour: 0, minute: 15, description: "Accrue interest for the business date that just ended" },
  { job: "classify-overdue", hour: 0, minute: 45, description: "Move unpaid installments due yesterday to overdue" },
  { job: "send-reminders", hour: 7, minute: 30, description: "SMS reminders 3 days before due and on going overdue" },
];

/** Accrual must be finished by this local time; a watchdog alarms otherwise. */
export const ACCRUAL_DEADLINE = { hour: 5, minute: 0 };

export { JOB_NAMES };
