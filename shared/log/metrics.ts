import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/**
 * Business metrics as CloudWatch embedded-metric lines. Outside Lambda (local runs, tests) nothing is
 * emitted unless POWERTOOLS_METRICS_ENABLED says so, so the console stays readable.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "PolicyCredit",
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "policy-credit",
});

const enabled = () =>
  Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME) || process.env.POWERTOOLS_METRICS_ENABLED === "true";

export function count(name: string, value = 1, dimensions: Record<string, string> = {}) {
  if (!enabled() || value === 0) return;
  const single = metrics.singleMetric();
  for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
  single.addMetric(name, MetricUnit.Count, value);
}
