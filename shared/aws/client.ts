import * as http from "node:http";
import * as https from "node:https";
import { type Credentials, signedHeaders } from "./sigv4.ts";

/**
 * A signed HTTPS POST to one AWS service, with the SDK's standard retry behaviour: up to three
 * attempts, full-jitter exponential backoff, retrying throttling, timeouts, dropped connections and
 * 5xx answers. The functions call three services (DynamoDB, SQS, SNS) with a handful of operations;
 * this is what they need of the SDK, in a few kilobytes instead of a third of a megabyte apiece,
 * which is what every cold start pays for.
 */

export type TransportRequest = { url: URL; headers: Record<string, string>; body: string; timeoutMs: number };
export type TransportResponse = { status: number; headers: Record<string, string | undefined>; body: string };
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/**
 * What a failed call throws: an Error named after the service's error code (`ThrottlingException`,
 * `ConditionalCheckFailedException`, `TimeoutError`, …) with the service's other fields as sent.
 */
export type AwsError = Error & {
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
};

export type AwsClientOptions = {
  service: string;
  region: string;
  /** Defaults to the service's regional endpoint. */
  endpoint?: string;
  credentials?: () => Credentials;
  maxAttempts?: number;
  /** Per attempt, from sending the request to the last byte of the answer. */
  timeoutMs?: number;
  transport?: Transport;
  /** Waits before a retry; tests replace it to run without sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * False for calls whose repeat has an effect of its own (an SMS sent twice): only answers in which
   * the service said it did nothing (throttling, a refused connection) are retried, never a timeout.
   */
  idempotent?: boolean;
};

export type Protocol = {
  contentType: string;
  /** Reads the error code, message and other fields from a non-2xx answer. */
  error(response: TransportResponse): { code: string; message: string; fields: Record<string, unknown> };
};

/** The error codes the SDK's standard retry strategy treats as throttling, plus DynamoDB's own. */
const THROTTLED = new Set([
  "ThrottlingException",
  "ThrottledException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "Throttling",
  "Throttled",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "BandwidthLimitExceeded",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "TransactionInProgressException",
  "EC2ThrottledException",
]);
const TRANSIENT = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException", "InternalServerError"]);
const NETWORK = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ECONNABORTED", "ENOTFOUND"]);
/** Connection errors that prove the request never reached the service. */
const NEVER_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]);
/** The SDK's backoff bases: longer after throttling, so a hot partition gets time to cool. */
const THROTTLING_DELAY_BASE_MS = 500;
const TRANSIENT_DELAY_BASE_MS = 100;
const MAX_DELAY_MS = 20_000;

export class AwsClient {
  readonly url: URL;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly transport: Transport;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly credentials: () => Credentials;

  constructor(private readonly options: AwsClientOptions) {
    this.url = new URL(options.endpoint ?? serviceEndpoint(options.service, options.region));
    this.maxAttempts = options.maxAttempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.transport = options.transport ?? nodeTransport();
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.credentials = options.credentials ?? environmentCredentials;
  }

  /** POSTs the body, retrying what may be retried; returns the first 2xx answer or throws an AwsError. */
  async post(
    protocol: Protocol,
    body: string,
    headers: Record<string, string> = {},
    onAttempt?: () => void,
  ): Promise<TransportResponse> {
    for (let attempt = 1; ; attempt++) {
      onAttempt?.();
      let failure: AwsError;
      try {
        const response = await this.transport({
          url: this.url,
          headers: signedHeaders({
            credentials: this.credentials(),
            region: this.options.region,
            service: this.options.service,
            host: this.url.host,
            path: this.url.pathname || "/",
            headers: { ...headers, "content-type": protocol.contentType },
            body,
            now: new Date(),
          }),
          body,
          timeoutMs: this.timeoutMs,
        });
        if (response.status >= 200 && response.status < 300) return response;
        failure = serviceError(protocol, response, attempt);
      } catch (error) {
        failure = (error instanceof Error ? error : new Error(String(error))) as AwsError;
        failure.$metadata = { ...failure.$metadata, attempts: attempt };
      }
      if (attempt >= this.maxAttempts || !retryable(failure, this.options.idempotent ?? true)) throw failure;
      const base = isThrottling(failure) ? THROTTLING_DELAY_BASE_MS : TRANSIENT_DELAY_BASE_MS;
      await this.sleep(Math.min(MAX_DELAY_MS, Math.random() * 2 ** attempt * base));
    }
  }
}

export const JSON_1_0: Protocol = {
  contentType: "application/x-amz-json-1.0",
  error(response) {
    let fields: Record<string, unknown> = {};
    try {
      fields = JSON.parse(response.body) as Record<string, unknown>;
    } catch {
      // A proxy's page or an empty body: the status says enough.
    }
    const { __type, message, Message, ...rest } = fields;
    // Query-compatible services (SQS) also name the error as their query API did: "Code;Sender".
    const legacy = response.headers["x-amzn-query-error"]?.split(";")[0];
    const type = String(legacy || (__type ?? response.headers["x-amzn-errortype"] ?? ""));
    return {
      code: type.slice(type.lastIndexOf("#") + 1).split(":")[0] ?? "",
      message: String(message ?? Message ?? ""),
      fields: rest,
    };
  },
};

/** The query protocol's answers are XML: `<Error><Code>…</Code><Message>…</Message></Error>`. */
export const QUERY: Protocol = {
  contentType: "application/x-www-form-urlencoded; charset=utf-8",
  error(response) {
    return { code: xmlText(response.body, "Code") ?? "", message: xmlText(response.body, "Message") ?? "", fields: {} };
  },
};

export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!match) return undefined;
  return match[1]!.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) =>
    e === "lt" ? "<" : e === "gt" ? ">" : e === "quot" ? '"' : e === "apos" ? "'" : "&",
  );
}

export function serviceEndpoint(service: string, region: string): string {
  return `https://${service}.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

/** Credentials as Lambda provides them: in the environment of the sandbox. */
export function environmentCredentials(): Credentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      "No AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set. Lambda sets them; " +
        "elsewhere set them, or set DYNAMODB_ENDPOINT to use a local engine.",
    );
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

export function regionFromEnv(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "ap-southeast-1";
}

function isThrottling(error: AwsError): boolean {
  return THROTTLED.has(error.name) || error.$metadata?.httpStatusCode === 429;
}

function retryable(error: AwsError, idempotent: boolean): boolean {
  const code = (error as { code?: string }).code ?? "";
  if (isThrottling(error) || NEVER_SENT.has(code) || (error as { staleConnection?: boolean }).staleConnection) {
    return true;
  }
  if (!idempotent) return false;
  if (TRANSIENT.has(error.name) || NETWORK.has(code)) return true;
  return (error.$metadata?.httpStatusCode ?? 0) >= 500;
}

function serviceError(protocol: Protocol, response: TransportResponse, attempts: number): AwsError {
  const parsed = protocol.error(response);
  const { code, fields } = parsed;
  // A signature mismatch quotes the canonical request, session token included: never pass that on.
  const message = /Signature|Unrecognized/i.test(code) ? "AWS refused the request signature" : parsed.message;
  const requestId = response.headers["x-amzn-requestid"];
  const error = Object.assign(new Error(message || `${response.status} from ${code || "the service"}`), fields, {
    $fault: response.status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: response.status, ...(requestId ? { requestId } : {}), attempts },
  }) as AwsError;
  error.name = code || `Http${response.status}Error`;
  return error;
}

/** Node's own HTTP client; one keep-alive agent per protocol, as connection set-up is the slow part. */
export function nodeTransport(): Transport {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };
  return (request) =>
    new Promise((resolve, reject) => {
      const secure = request.url.protocol === "https:";
      const req = (secure ? https : http).request(
        request.url,
        {
          method: "POST",
          agent: secure ? agents.https : agents.http,
          headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", fail);
          res.on("end", () => {
            clearTimeout(timer);
            const headers: Record<string, string | undefined> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              headers[name] = Array.isArray(value) ? value.join(",") : value;
            }
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString("utf8") });
          });
        },
      );
      function fail(error: Error) {
        clearTimeout(timer);
        reject(error);
      }
      const timer = setTimeout(() => {
        const timeout = new Error(`No answer within ${request.timeoutMs} ms`);
        timeout.name = "TimeoutError";
        req.destroy(timeout);
      }, request.timeoutMs);
      req.on("error", (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the service had already closed (a Lambda thawed after minutes idle) is
        // reset before any answer: the request never reached the service, so even an SMS may be retried.
        if (req.reusedSocket && error.code === "ECONNRESET") Object.assign(error, { staleConnection: true });
        fail(error);
      });
      req.end(request.body);
    });
}
