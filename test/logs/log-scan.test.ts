/**
 * Personal data stays out of the logs. A realistic day goes through the local API (members with
 * citizen ids and phones, a loan, a payment and its receipt, savings, an offline sync uploaded from a
 * phone, the group's reconciliation, bad requests that carry the same numbers, and a data-store
 * failure whose message echoes them) while everything the process writes is captured. Every line is
 * then searched for each id and phone, in the forms people write them.
 */
import { inspect } from "node:util";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sdkStore } from "../../scripts/lib/sdk-store.ts";
import { setDocumentClient } from "../../shared/db/client.ts";
import { logger } from "../../shared/log/logger.ts";
import { maskPhone, redact, redactText } from "../../shared/log/redact.ts";
import {
  activeLoan,
  body,
  createCommune,
  createGroup,
  type E2e,
  expectStatus,
  get,
  type MemberOut,
  memberBody,
  monthsAgo,
  newKey,
  post,
  startE2e,
  today,
} from "../e2e/fixtures.ts";
import { type HttpAnswer, http, jsonRequest, testEndpoint } from "../support/index.ts";

/** Everything written to stdout, stderr or the console from `start()` until `stop()`. */
function captureOutput() {
  const chunks: string[] = [];
  const asText = (chunk: unknown): string =>
    typeof chunk === "string"
      ? chunk
      : chunk instanceof Uint8Array
        ? Buffer.from(chunk).toString("utf8")
        : String(chunk);
  const write = ((chunk: unknown) => {
    chunks.push(asText(chunk));
    return true;
  }) as typeof process.stdout.write;
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation(write),
    vi.spyOn(process.stderr, "write").mockImplementation(write),
    ...(["log", "info", "warn", "error", "debug", "trace"] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        chunks.push(`${args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 10 }))).join(" ")}\n`);
      }),
    ),
  ];
  return {
    stop(): string[] {
      for (const spy of spies) spy.mockRestore();
      return chunks
        .join("")
        .split("\n")
        .filter((line) => line.trim() !== "");
    },
  };
}

/** A Vietnamese mobile number as people write it: 0912345678, +84912345678, 84912345678. */
function phoneForms(phone: string): string[] {
  const national = phone.startsWith("+84") ? phone.slice(3) : phone.slice(1);
  return [`0${national}`, `+84${national}`, `84${national}`];
}

type Secret = { label: string; value: string };

describe("logs carry no citizen ids or phone numbers", () => {
  let e2e: E2e;
  let admin: string;
  let officer: string;
  let leader: string;
  const members: (MemberOut & { nationalId: string; phone: string })[] = [];
  const secrets: Secret[] = [];

  beforeAll(async () => {
    e2e = await startE2e("logs");
    admin = await e2e.api.token("ADMIN", "DB");
    officer = await e2e.api.token("BANK_OFFICER", "DB/TUA-CHUA");
  });
  afterAll(async () => {
    setDocumentClient(undefined);
    await e2e.api.close();
  });

  it("a day of requests writes request logs with correlation ids and no personal numbers", async () => {
    const { api } = e2e;
    const answers: HttpAnswer[] = [];
    const track = (answer: HttpAnswer) => {
      answers.push(answer);
      return answer;
    };
    const capture = captureOutput();
    // Debug lines too: a leak at debug level reaches CloudWatch as soon as someone turns it on.
    const previousLevel = logger.getLevelName();
    logger.setLogLevel("DEBUG");
    let lines: string[];
    let failedCorrelationId: string | null = null;
    try {
      await createCommune(api, admin, "MUONG-BANG", "Mường Báng");
      const group = await createGroup(api, officer, "MUONG-BANG", "Tổ TK&VV Kê Cai 1");
      leader = await api.token("GROUP_LEADER", group.scope);

      for (const [n, name] of ["Lò Thị Mai", "Quàng A Dính", "Vàng Thị Dua"].entries()) {
        const draft = memberBody(group.groupId, name);
        // One member registers the international form, as a phone's contact card gives it.
        if (n === 1) draft.phone = `+84${draft.phone.slice(1)}`;
        const created = track(await post(api, officer, "/v1/members", draft));
        expectStatus(created, 201, `member ${name}`);
        members.push({ ...body<MemberOut>(created), nationalId: draft.nationalId, phone: draft.phone });
        secrets.push({ label: `national id of ${name}`, value: draft.nationalId });
        for (const form of phoneForms(draft.phone)) secrets.push({ label: `phone of ${name}`, value: form });
      }
      const [mai, dinh, dua] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
      track(await get(api, officer, `/v1/members/${mai.memberId}`));
      track(await get(api, leader, `/v1/groups/${group.groupId}/members`));

      const loan = await activeLoan(api, officer, mai, monthsAgo(3));
      const paidOn = today();
      const paid = track(
        await post(api, officer, `/v1/loans/${loan.loanId}/payments`, {
          paidOn,
          interestVnd: loan.payable(paidOn),
          principalVnd: 2_000_000,
          channel: "TRANSACTION_POINT",
        }),
      );
      expectStatus(paid, 201, "payment");
      const { receiptId } = body<{ receiptId: string }>(paid);
      expectStatus(track(await get(api, officer, `/v1/receipts/${receiptId}`)), 200, "receipt");
      const page = track(await get(api, officer, `/v1/receipts/${receiptId}`, "text/html"));
      expectStatus(page, 200, "printable receipt");
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);

      track(
        await post(api, leader, `/v1/members/${dinh.memberId}/savings/deposits`, { amountVnd: 100_000, on: paidOn }),
      );

      // The collector's phone doubles as the device id, and its number turns up in the batch too.
      const synced = track(
        await post(api, leader, `/v1/groups/${group.groupId}/sync`, {
          deviceId: `+84${mai.phone.slice(1)}`,
          batchId: `batch-${mai.phone}`,
          entries: [
            {
              clientTxId: `${mai.phone}-1`,
              kind: "SAVINGS_DEPOSIT",
              memberId: dua.memberId,
              amountVnd: 50_000,
              collectedAt: new Date().toISOString(),
            },
            {
              clientTxId: `${mai.nationalId}-2`,
              kind: "INTEREST",
              memberId: mai.memberId,
              loanId: loan.loanId,
              amountVnd: 900_000_000,
              collectedAt: new Date().toISOString(),
            },
          ],
        }),
      );
      expectStatus(synced, 200, "sync");

      expectStatus(track(await get(api, leader, `/v1/groups/${group.groupId}/reconciliation`)), 200, "reconciliation");
      const sheet = track(await get(api, leader, `/v1/groups/${group.groupId}/reconciliation`, "text/html"));
      expectStatus(sheet, 200, "printable reconciliation");

      // Bad requests whose bodies, paths and queries carry the same numbers, some of them echoed back.
      const malformed = `{"groupId":"${group.groupId}","nationalId":"${dua.nationalId}","phone":"${dua.phone}",}`;
      const badJson = track(
        await http(`${api.url}/v1/members`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${officer}`,
            "content-type": "application/json",
            "idempotency-key": newKey(),
          },
          body: malformed,
        }),
      );
      expectStatus(badJson, 400, "malformed member");
      const invalid = track(
        await post(api, officer, "/v1/members", {
          groupId: group.groupId,
          fullName: "Vàng Thị Dua",
          nationalId: `${dua.nationalId}9`,
          phone: `${dua.phone} `,
          householdCategory: "POOR",
          note: `CCCD ${dua.nationalId}, SĐT ${dua.phone}`,
        }),
      );
      expectStatus(invalid, 400, "invalid member");
      const again = track(
        await post(api, officer, "/v1/members", {
          ...memberBody(group.groupId, "Lò Thị Mai"),
          nationalId: mai.nationalId,
          phone: mai.phone,
        }),
      );
      expect(again.status, again.text).toBeLessThan(500);
      expectStatus(track(await get(api, officer, `/v1/members/${mai.nationalId}`)), 404, "member by citizen id");
      expect(
        track(
          await get(api, officer, `/v1/groups/${group.groupId}/reconciliation?asOf=${encodeURIComponent(dua.phone)}`),
        ).status,
      ).toBe(400);
      expect(
        track(await get(api, officer, `/v1/reports/portfolio?scope=${encodeURIComponent(`DB/${mai.phone}`)}`)).status,
      ).toBeGreaterThanOrEqual(400);
      track(
        await http(`${api.url}/v1/members/${dinh.memberId}`, {
          ...jsonRequest("GET", leader),
          headers: { authorization: `Bearer ${leader}`, "x-correlation-id": "log-scan-own-id" },
        }),
      );

      // The data store fails with a message that echoes the record, as DynamoDB's validation errors do.
      const failing = DynamoDBDocumentClient.from(
        new DynamoDBClient({
          endpoint: testEndpoint(),
          region: "ap-southeast-1",
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }),
      );
      const stub = mockClient(failing);
      const echo = new Error(
        `One or more parameter values were invalid: nationalId ${mai.nationalId} phone ${mai.phone} (+84${mai.phone.slice(1)}) does not match the key schema`,
      );
      echo.name = "ValidationException";
      stub.onAnyCommand().rejects(echo);
      setDocumentClient(sdkStore(failing));
      try {
        const failed = track(await get(api, officer, `/v1/members/${mai.memberId}`));
        expectStatus(failed, 500, "data store failure");
        failedCorrelationId = failed.headers.get("x-correlation-id");
      } finally {
        setDocumentClient(undefined);
        stub.restore();
      }
    } finally {
      logger.setLogLevel(previousLevel);
      lines = capture.stop();
    }

    const json = lines.flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as unknown;
        return parsed && typeof parsed === "object" ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
    const requestLogs = json.filter((entry) => "route" in entry || entry.message === "request done");
    console.log(
      `log scan: ${lines.length} lines scanned (${json.length} JSON, ${requestLogs.length} request logs) for ${secrets.length} personal numbers over ${answers.length} requests`,
    );

    expect(lines.length).toBeGreaterThan(0);
    expect(requestLogs.length).toBeGreaterThan(0);
    for (const entry of json) {
      expect(entry.level, JSON.stringify(entry)).toEqual(expect.any(String));
    }
    for (const entry of requestLogs) {
      expect(entry.correlationId, JSON.stringify(entry)).toEqual(expect.any(String));
    }
    // Every request that reached a function is in the log under the id its answer carried.
    const logged = new Set(requestLogs.map((entry) => entry.correlationId));
    const answered = answers.map((a) => a.headers.get("x-correlation-id")).filter((id): id is string => id !== null);
    expect(answered.length).toBeGreaterThan(10);
    expect(answered.filter((id) => !logged.has(id))).toEqual([]);
    expect(logged.has("log-scan-own-id")).toBe(true);

    // The failure was logged, with its message masked rather than dropped.
    const failure = json.find((entry) => entry.message === "unhandled error");
    expect(failure, "the data-store failure was logged").toBeDefined();
    expect(failure!.correlationId).toBe(failedCorrelationId);
    expect(JSON.stringify(failure!.error)).toContain("does not match the key schema");

    const leaks = secrets.flatMap((secret) =>
      lines
        .filter((line) => line.includes(secret.value))
        .map((line) => `${secret.label} (${secret.value}) in: ${line.slice(0, 300)}`),
    );
    expect(leaks).toEqual([]);
  });
});

describe("redact", () => {
  const citizenId = "001203004567";
  const oldId = "012345678";
  const mobile = "0912345678";
  const international = "+84912345678";

  it("masks national ids and phones by key, whatever their case or type", () => {
    const out = redact({
      nationalId: citizenId,
      NationalID: citizenId,
      national_id: citizenId,
      cccd: citizenId,
      cmnd: oldId,
      idNumber: 1203004567,
      phone: mobile,
      PHONE: international,
      phoneNumber: mobile,
      phone_number: international,
      msisdn: "84912345678",
      mobile: 912345678,
      tel: mobile,
      contactPhone: international,
      citizenId: citizenId,
      nested: { member: { nationalId: citizenId, phone: mobile } },
      list: [{ phone: international }],
    }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    expect(out.nationalId).toBe("[redacted]");
    expect(out.cmnd).toBe("[redacted]");
    expect(out.idNumber).toBe("[redacted]");
    expect(out.phone).toBe(maskPhone(mobile));
    expect(out.phone).toBe("***678");
    expect(out.msisdn).toBe("***678");
    expect(out.mobile).toBe("[redacted]");
    expect(out.tel).toBe("***678");
    for (const raw of [citizenId, oldId, "1203004567", mobile, international, "84912345678", "912345678"]) {
      expect(text).not.toContain(raw);
    }
  });

  it("leaves request, trace and record ids whole, even when nine of their characters are digits", () => {
    // Seen in a run of the scan above: the request id's last group held 257633992 and came out as 80f[id].
    const requestId = "4efd8970-6610-4b41-9e96-80f257633992";
    const traceId = "1-6753a1b2-123456789012abcdef012345";
    const loanId = "L-01M90Z2QNH123456789ABCDEFG";
    const out = redact({ correlationId: requestId, xray_trace_id: traceId, loanId }) as Record<string, unknown>;
    expect(out).toEqual({ correlationId: requestId, xray_trace_id: traceId, loanId });
    // A caller may choose its own correlation id; a phone number there is still masked.
    expect(redact({ correlationId: mobile })).toEqual({ correlationId: "***78" });
  });

  it("masks 12-digit and 9-digit ids and phone-shaped numbers inside free text", () => {
    const note = `Thu nợ hộ ${citizenId} (CMND cũ ${oldId}), gọi ${mobile} hoặc ${international} hoặc 84912345678; mã CCCD${citizenId}.`;
    const masked = redactText(note);
    for (const raw of [citizenId, oldId, mobile, international, "84912345678", "912345678"]) {
      expect(masked).not.toContain(raw);
    }
    expect(masked).toContain("[id]");
    expect(masked).toContain("***78");
    // Mobiles written in groups, as a collector types them into a note.
    for (const grouped of ["0912 345 678", "091.234.5678", "+84 912 345 678", "0084 912 345 678", "0084912345678"]) {
      expect(redactText(`SĐT ${grouped}.`), grouped).toBe("SĐT ***78.");
    }
    // Amounts, dates and ids that are not personal numbers stay readable, correlation ids included.
    const business =
      "Loan L-01J9Z8 paid 30000000 VND (84.000.000.000 đ plan) on 2026-12-04T16:46:31.544Z, receipt R-7731, " +
      "1234567 đ interest, request 05e4aa14-4941-4405-a6f6-88bf43998e79";
    expect(redactText(business)).toBe(business);
    const out = redact({ message: note, detail: [note], error: new Error(note) }) as Record<string, unknown>;
    const text = JSON.stringify(out);
    for (const raw of [citizenId, oldId, mobile, international]) expect(text).not.toContain(raw);
    expect((out.error as { message: string }).message).toContain("[id]");
  });
});
