import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { SnsClient } from "../aws/sns.ts";
import { logger } from "../log/logger.ts";
import { maskPhone } from "../log/redact.ts";

/** Where reminders leave the system. SNS in AWS; a file and the log locally. */
export interface SmsSender {
  send(message: { phone: string; text: string; dedupeKey: string }): Promise<{ messageId: string }>;
}

/** E.164 for Vietnamese mobiles: 0912… -> +84912… */
export function toE164(phone: string): string {
  return phone.startsWith("+") ? phone : `+84${phone.replace(/^0/, "")}`;
}

export class SnsSmsSender implements SmsSender {
  constructor(
    private readonly client = new SnsClient(),
    private readonly senderId = process.env.SMS_SENDER_ID ?? "NHCSXH",
  ) {}

  async send(message: { phone: string; text: string; dedupeKey: string }) {
    const result = await this.client.publishSms({
      phoneNumber: toE164(message.phone),
      message: message.text,
      attributes: { "AWS.SNS.SMS.SenderID": this.senderId, "AWS.SNS.SMS.SMSType": "Transactional" },
    });
    return { messageId: result.messageId ?? message.dedupeKey };
  }
}

/** Local sender: one JSON line per message in .data/sms-outbox.jsonl, and a log line with a masked phone. */
export class FileSmsSender implements SmsSender {
  constructor(private readonly file = process.env.SMS_OUTBOX_FILE ?? ".data/sms-outbox.jsonl") {}

  async send(message: { phone: string; text: string; dedupeKey: string }) {
    await mkdir(dirname(this.file), { recursive: true });
    const line = {
      at: new Date().toISOString(),
      to: toE164(message.phone),
      text: message.text,
      dedupeKey: message.dedupeKey,
    };
    await appendFile(this.file, `${JSON.stringify(line)}\n`);
    logger.info("sms written to local outbox", { to: maskPhone(message.phone), dedupeKey: message.dedupeKey });
    return { messageId: `local-${message.dedupeKey}` };
  }
}

export function smsSenderFromEnv(): SmsSender {
  return process.env.SMS_SENDER === "sns" ? new SnsSmsSender() : new FileSmsSender();
}
