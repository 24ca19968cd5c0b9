/**
 * Imported first: the logger reads its level when its module loads, and a bench that printed every
 * request's log line would measure the console, not the code.
 */
process.env.LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "ERROR";
process.env.POWERTOOLS_METRICS_ENABLED = "false";
process.env.AWS_REGION ??= "ap-southeast-1";
