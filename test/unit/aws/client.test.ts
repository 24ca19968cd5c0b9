/**
 * The signed client under an injected transport: what it retries and what it does not, how it names
 * service errors, and the exact requests SQS and SNS receive from the job functions.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import {
  AwsClient,
  JSON_1_0,
  nodeTransport,
  QUERY,
  type TransportRequest,
  type TransportResponse,
} from "../../../shared/aws/client.ts";
import { SnsClient } from "../../../shared/aws/sns.ts";
import { SqsClient } from "../../../shared/aws/sqs.ts";
import { rejection } from "../../support/faults.ts";

const CREDENTIALS = () => ({ accessKeyId: "AKID", secretAccessKey: "secret", sessionToken: "token" });

function scripted(answers: (TransportResponse | Error)[]) {
  const requests: TransportRequest[] = [];
  const waits: number[] = [];
  const options = {
    region: "ap-southeast-1",
    credentials: CREDENTIALS,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
    transport: async (request: TransportRequest) => {
      requests.push(request);
      const answer = answers.shift();
      if (!answer) throw new Error("no scripted answer left");
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { requests, waits, options };
}

const ok = (body: unknown): TransportResponse => ({ status: 200, headers: {}, body: JSON.stringify(body) });
const jsonError = (status: number, type: string, extra: Record<string, unknown> = {}): TransportResponse => ({
  status,
  headers: { "x-amzn-requestid": "REQ1" },
  body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `${type} happened`, ...extra }),
});

describe("the signed AWS client", () => {
  it("retries throttling, 429, 5xx, timeouts and dropped connections, backing off longer after throttling", async () => {
    const timeout = Object.assign(new Error("No answer within 3000 ms"), { name: "TimeoutError" });
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const tooMany: TransportResponse = { status: 429, headers: {}, body: "" };
    const cases: [TransportResponse | Error, number][] = [
      [jsonError(400, "ThrottlingException"), 1000],
      [jsonError(400, "TransactionInProgressException"), 1000],
      [tooMany, 1000],
      [jsonError(500, "InternalServerError"), 200],
      [timeout, 200],
      [reset, 200],
    ];
    for (const [first, longestWait] of cases) {
      const { requests, waits, options } = scripted([first, ok({ fine: true })]);
      const client = new AwsClient({ ...options, service: "dynamodb" });
      const answer = await client.post(JSON_1_0, "{}", { "x-amz-target": "DynamoDB_20120810.GetItem" });
      expect(JSON.parse(answer.body)).toEqual({ fine: true });
      expect(requests).toHaveLength(2);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeLessThanOrEqual(longestWait);
    }

    const { requests, options } = scripted([
      jsonError(400, "ProvisionedThroughputExceededException"),
      jsonError(400, "ProvisionedThroughputExceededException"),
      jsonError(400, "ProvisionedThroughputExceededException"),
    ]);
    const client = new AwsClient({ ...options, service: "dynamodb" });
    const error = await rejection<Error & Record<string, unknown>>(client.post(JSON_1_0, "{}"));
    expect(requests).toHaveLength(3);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ProvisionedThroughputExceededException");
    expect(error.$metadata).toEqual({ httpStatusCode: 400, requestId: "REQ1", attempts: 3 });
  });

  it("does not retry what a retry cannot fix, and keeps the service's fields on the error", async () => {
    const reasons = [{ Code: "ConditionalCheckFailed", Item: { PK: { S: "LOAN#1" } } }, { Code: "None" }];
    const { requests, options } = scripted([
      jsonError(400, "TransactionCanceledException", { CancellationReasons: reasons }),
    ]);
    const client = new AwsClient({ ...options, service: "dynamodb" });
    const error = await rejection<Error & Record<string, unknown>>(client.post(JSON_1_0, "{}"));
    expect(requests).toHaveLength(1);
    expect(error.name).toBe("TransactionCanceledException");
    expect(error.message).toBe("TransactionCanceledException happened");
    expect(error.CancellationReasons).toEqual(reasons);
    expect(error.$fault).toBe("client");
  });

  it("names an error without a JSON body after its status", async () => {
    const { options } = scripted([{ status: 403, headers: {}, body: "<html>Forbidden</html>" }]);
    const client = new AwsClient({ ...options, service: "dynamodb" });
    const error = await rejection<Error>(client.post(JSON_1_0, "{}"));
    expect(error.name).toBe("Http403Error");
  });

  it("signs every attempt afresh with the credentials of the moment", async () => {
    const { requests, options } = scripted([jsonError(503, "ServiceUnavailable"), ok({})]);
    const client = new AwsClient({ ...options, service: "dynamodb" });
    await client.post(JSON_1_0, "{}");
    for (const request of requests) {
      expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\//);
      expect(request.headers["x-amz-security-token"]).toBe("token");
      expect(request.url.href).toBe("https://dynamodb.ap-southeast-1.amazonaws.com/");
    }
  });
});

describe("Node's transport under a kept-alive connection", () => {
  it("marks a reset of a reused socket as stale, so even a call that must not repeat is sent again", async () => {
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      // The second request arrives on the kept-alive socket, which the server drops unanswered.
      if (requests === 2) req.socket.destroy();
      else res.end("<MessageId>ok</MessageId>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = new AwsClient({
        service: "sns",
        region: "ap-southeast-1",
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        credentials: CREDENTIALS,
        transport: nodeTransport(),
        sleep: async () => {},
        idempotent: false,
      });
      await client.post(QUERY, "Action=Publish");
      const again = await client.post(QUERY, "Action=Publish");
      expect(again.body).toBe("<MessageId>ok</MessageId>");
      expect(requests).toBe(3);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("what an error may carry", () => {
  it("never repeats a signature mismatch's message, which quotes the canonical request and token", async () => {
    const { options } = scripted([
      jsonError(400, "InvalidSignatureException", {
        message: "The request signature we calculated does not match... x-amz-security-token:SECRET-TOKEN",
      }),
    ]);
    const error = await rejection<Error>(new AwsClient({ ...options, service: "dynamodb" }).post(JSON_1_0, "{}"));
    expect(error.name).toBe("InvalidSignatureException");
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain("SECRET-TOKEN");
  });
});

describe("SQS and SNS as the job functions use them", () => {
  it("sends a shard batch to SQS's JSON protocol and returns what SQS refused", async () => {
    const { requests, options } = scripted([ok({ Successful: [{ Id: "s1" }], Failed: [{ Id: "s2", Code: "X" }] })]);
    const sqs = new SqsClient(options);
    const queueUrl = "https://sqs.ap-southeast-1.amazonaws.com/123456789012/policy-credit-prod-shards";
    const result = await sqs.sendMessageBatch(queueUrl, [
      { Id: "s1", MessageBody: '{"shard":1}' },
      { Id: "s2", MessageBody: '{"shard":2}' },
    ]);
    expect(result.Failed).toEqual([{ Id: "s2", Code: "X" }]);
    const [request] = requests;
    expect(request!.url.host).toBe("sqs.ap-southeast-1.amazonaws.com");
    expect(request!.headers["x-amz-target"]).toBe("AmazonSQS.SendMessageBatch");
    expect(request!.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(request!.headers["x-amzn-query-mode"]).toBe("true");
    expect(JSON.parse(request!.body)).toEqual({
      QueueUrl: queueUrl,
      Entries: [
        { Id: "s1", MessageBody: '{"shard":1}' },
        { Id: "s2", MessageBody: '{"shard":2}' },
      ],
    });
  });

  it("publishes an SMS with SNS's query protocol and reads the message id from the XML answer", async () => {
    const xml =
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>' +
      "<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult></PublishResponse>";
    const { requests, options } = scripted([{ status: 200, headers: {}, body: xml }]);
    const sns = new SnsClient(options);
    const text = "NHCSXH: Khoan vay L-1 den han 15/12/2026: 1.234.567 d. Tra tai diem giao dich xa.";
    const result = await sns.publishSms({
      phoneNumber: "+84912345678",
      message: text,
      attributes: { "AWS.SNS.SMS.SenderID": "NHCSXH", "AWS.SNS.SMS.SMSType": "Transactional" },
    });
    expect(result.messageId).toBe("94f20ce6-13c5-43a0-9a9e-ca52d816e90b");
    const form = new URLSearchParams(requests[0]!.body);
    expect(Object.fromEntries(form)).toEqual({
      Action: "Publish",
      Version: "2010-03-31",
      PhoneNumber: "+84912345678",
      Message: text,
      "MessageAttributes.entry.1.Name": "AWS.SNS.SMS.SenderID",
      "MessageAttributes.entry.1.Value.DataType": "String",
      "MessageAttributes.entry.1.Value.StringValue": "NHCSXH",
      "MessageAttributes.entry.2.Name": "AWS.SNS.SMS.SMSType",
      "MessageAttributes.entry.2.Value.DataType": "String",
      "MessageAttributes.entry.2.Value.StringValue": "Transactional",
    });
    expect(requests[0]!.url.host).toBe("sns.ap-southeast-1.amazonaws.com");
  });

  it("turns SNS's XML error into an error named by its code, retrying only when SNS throttles", async () => {
    const error = (code: string, status: number): TransportResponse => ({
      status,
      headers: {},
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${code} &amp; more</Message></Error></ErrorResponse>`,
    });
    const refused = scripted([error("InvalidParameter", 400)]);
    const failure = await rejection<Error>(
      new SnsClient(refused.options).publishSms({ phoneNumber: "+84900000000", message: "x", attributes: {} }),
    );
    expect(failure.name).toBe("InvalidParameter");
    expect(failure.message).toBe("InvalidParameter & more");
    expect(refused.requests).toHaveLength(1);

    const throttled = scripted([
      error("Throttling", 400),
      { status: 200, headers: {}, body: "<MessageId>m1</MessageId>" },
    ]);
    const sent = await new SnsClient(throttled.options).publishSms({
      phoneNumber: "+84900000000",
      message: "x",
      attributes: {},
    });
    expect(sent.messageId).toBe("m1");
    expect(throttled.requests).toHaveLength(2);
  });

  it("does not publish again after a timeout, which may have sent the SMS already", async () => {
    const timeout = Object.assign(new Error("No answer within 10000 ms"), { name: "TimeoutError" });
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    for (const fault of [timeout, reset, { status: 500, headers: {}, body: "<Code>InternalError</Code>" }]) {
      const { requests, options } = scripted([fault, { status: 200, headers: {}, body: "<MessageId>m2</MessageId>" }]);
      const failure = await rejection<Error>(
        new SnsClient(options).publishSms({ phoneNumber: "+84900000000", message: "x", attributes: {} }),
      );
      expect(failure).toBeInstanceOf(Error);
      expect(requests).toHaveLength(1);
    }
    // A reset of a kept-alive socket the service had closed, and a refused connection, never reached
    // SNS, so it is safe to try again.
    const stale = scripted([
      Object.assign(new Error("socket hang up"), { code: "ECONNRESET", staleConnection: true }),
      { status: 200, headers: {}, body: "<MessageId>m4</MessageId>" },
    ]);
    const resent = await new SnsClient(stale.options).publishSms({
      phoneNumber: "+84900000000",
      message: "x",
      attributes: {},
    });
    expect(resent.messageId).toBe("m4");
    const refused = scripted([
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      { status: 200, headers: {}, body: "<MessageId>m3</MessageId>" },
    ]);
    const sent = await new SnsClient(refused.options).publishSms({
      phoneNumber: "+84900000000",
      message: "x",
      attributes: {},
    });
    expect(sent.messageId).toBe("m3");
  });

  it("names an SQS error by its query-API code when SQS gives one", async () => {
    const { options } = scripted([
      {
        status: 400,
        headers: { "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender" },
        body: JSON.stringify({
          __type: "com.amazonaws.sqs#QueueDoesNotExist",
          message: "The specified queue does not exist.",
        }),
      },
    ]);
    const error = await rejection<Error>(new SqsClient(options).sendMessageBatch("https://sqs.x/1/q", []));
    expect(error.name).toBe("AWS.SimpleQueueService.NonExistentQueue");
    expect(error.message).toBe("The specified queue does not exist.");
  });
});
