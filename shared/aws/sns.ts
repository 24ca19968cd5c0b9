import { AwsClient, type AwsClientOptions, QUERY, regionFromEnv, xmlText } from "./client.ts";

/**
 * SNS over its query protocol; the functions only ever publish an SMS to a phone number. A publish is
 * not idempotent (a repeat is a second SMS to the borrower), so only refusals are retried; a timeout
 * fails the reminder, which the outbox marks FAILED for the next run to send.
 */
export class SnsClient {
  private readonly client: AwsClient;

  constructor(options: Partial<Omit<AwsClientOptions, "service">> = {}) {
    this.client = new AwsClient({
      region: regionFromEnv(),
      timeoutMs: 10_000,
      ...options,
      service: "sns",
      idempotent: false,
    });
  }

  async publishSms(input: { phoneNumber: string; message: string; attributes: Record<string, string> }) {
    const form = new URLSearchParams({
      Action: "Publish",
      Version: "2010-03-31",
      PhoneNumber: input.phoneNumber,
      Message: input.message,
    });
    Object.entries(input.attributes).forEach(([name, value], i) => {
      const entry = `MessageAttributes.entry.${i + 1}`;
      form.set(`${entry}.Name`, name);
      form.set(`${entry}.Value.DataType`, "String");
      form.set(`${entry}.Value.StringValue`, value);
    });
    const response = await this.client.post(QUERY, form.toString());
    return { messageId: xmlText(response.body, "MessageId") };
  }
}
