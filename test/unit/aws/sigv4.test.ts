/**
 * The signer the functions ship, against the SDK's own SigV4 implementation: same request, same clock,
 * same credentials, the same Authorization header, with and without a session token.
 */
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Credentials, signedHeaders } from "../../../shared/aws/sigv4.ts";

/** The Hash shape @smithy/signature-v4 expects, on node:crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData) =>
  typeof data === "string"
    ? Buffer.from(data, "utf8")
    : data instanceof ArrayBuffer
      ? Buffer.from(data)
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: SourceData) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

async function sdkSignature(input: {
  credentials: Credentials;
  region: string;
  service: string;
  host: string;
  headers: Record<string, string>;
  body: string;
  now: Date;
}): Promise<string> {
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: input.service,
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "https:",
      hostname: input.host,
      path: "/",
      query: {},
      headers: { ...input.headers, host: input.host },
      body: input.body,
    },
    { signingDate: input.now },
  );
  return signed.headers.authorization ?? signed.headers.Authorization ?? "";
}

describe("SigV4 signing", () => {
  it("matches the SDK's signer for DynamoDB, SQS and SNS requests, with and without a session token", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          { service: "dynamodb", target: "DynamoDB_20120810.TransactWriteItems", type: "application/x-amz-json-1.0" },
          { service: "sqs", target: "AmazonSQS.SendMessageBatch", type: "application/x-amz-json-1.0" },
          { service: "sns", target: undefined, type: "application/x-www-form-urlencoded; charset=utf-8" },
        ),
        fc.constantFrom("ap-southeast-1", "us-east-1", "cn-north-1"),
        fc.option(fc.stringMatching(/^[A-Za-z0-9/+=]{16,80}$/), { nil: undefined }),
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T23:59:59Z"), noInvalidDate: true }),
        async (kind, region, sessionToken, body, now) => {
          now.setMilliseconds(0);
          const credentials = {
            accessKeyId: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            ...(sessionToken ? { sessionToken } : {}),
          };
          const host = `${kind.service}.${region}.amazonaws.com`;
          const headers: Record<string, string> = { "content-type": kind.type };
          if (kind.target) headers["x-amz-target"] = kind.target;
          const ours = signedHeaders({
            credentials,
            region,
            service: kind.service,
            host,
            path: "/",
            headers,
            body,
            now,
          });
          const theirs = await sdkSignature({ credentials, region, service: kind.service, host, headers, body, now });
          expect(ours.authorization).toBe(theirs);
          if (sessionToken) expect(ours["x-amz-security-token"]).toBe(sessionToken);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("signs a local endpoint's host with its port, as the engine sees it", () => {
    const headers = signedHeaders({
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      region: "ap-southeast-1",
      service: "dynamodb",
      host: "127.0.0.1:8123",
      path: "/",
      headers: { "content-type": "application/x-amz-json-1.0" },
      body: "{}",
      now: new Date("2026-12-04T01:02:03Z"),
    });
    expect(headers.host).toBe("127.0.0.1:8123");
    expect(headers["x-amz-date"]).toBe("20261204T010203Z");
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/20261204\/ap-southeast-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });
});
