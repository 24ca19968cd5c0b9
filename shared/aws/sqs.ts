import { AwsClient, type AwsClientOptions, JSON_1_0, regionFromEnv } from "./client.ts";

export type BatchEntry = { Id: string; MessageBody: string };
export type BatchResult = { Successful?: { Id: string }[]; Failed?: { Id: string; Code?: string; Message?: string }[] };

/** SQS over its JSON protocol; the functions only ever send batches of messages. */
export class SqsClient {
  private readonly client: AwsClient;

  constructor(options: Partial<Omit<AwsClientOptions, "service">> = {}) {
    this.client = new AwsClient({ region: regionFromEnv(), ...options, service: "sqs" });
  }

  async sendMessageBatch(queueUrl: string, entries: BatchEntry[]): Promise<BatchResult> {
    const response = await this.client.post(JSON_1_0, JSON.stringify({ QueueUrl: queueUrl, Entries: entries }), {
      "x-amz-target": "AmazonSQS.SendMessageBatch",
      // Asks SQS for its query-API error codes too, as the SDK does.
      "x-amzn-query-mode": "true",
    });
    return JSON.parse(response.body) as BatchResult;
  }
}
