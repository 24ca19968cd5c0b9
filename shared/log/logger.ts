import { LogFormatter, Logger, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { redact } from "./redact.ts";

/** Structured JSON with the correlation id on every line, and personal data masked before writing. */
class RedactingFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
      sampling_rate: attributes.sampleRateValue,
    };
    const item = new LogItem({ attributes: base });
    item.addAttributes(additional);
    item.setAttributes(redact(item.getAttributes()) as LogAttributes);
    return item;
  }
}

export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "policy-credit",
  logLevel: (process.env.LOG_LEVEL as "INFO" | "DEBUG" | "WARN" | "ERROR" | undefined) ?? "INFO",
  logFormatter: new RedactingFormatter(),
});
