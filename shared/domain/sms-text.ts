/**
 * Reminder SMS text. Vietnamese SMS goes without diacritics: accented letters force UCS-2 (70
 * characters a segment) while GSM-7 allows 160. Every reminder fits one GSM-7 segment; when it would
 * not, the member's name is cut, never an amount or a date.
 */
import { type BusinessDate, formatDateVi } from "./dates.ts";
import { SmsTooLong } from "./errors.ts";
import { assertVnd, formatVnd } from "./money.ts";

export const SMS_SEGMENT_SEPTETS = 160;

// GSM 03.38 default alphabet (without the escape) and its extension table, whose characters take two septets.
const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENSION = new Set("\f^{}\\[~]|€");

export function isGsm7(text: string): boolean {
  for (const char of text) if (!GSM7_BASIC.has(char) && !GSM7_EXTENSION.has(char)) return false;
  return true;
}

/** Length in septets, or null when the text is not GSM-7. */
export function gsm7Length(text: string): number | null {
  let septets = 0;
  for (const char of text) {
    if (GSM7_BASIC.has(char)) septets += 1;
    else if (GSM7_EXTENSION.has(char)) septets += 2;
    else return null;
  }
  return septets;
}

/** Removes Vietnamese diacritics (tone and vowel marks, đ -> d). */
export function stripDiacritics(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .normalize("NFC");
}

/** Unaccented, basic-alphabet only, single spaces: safe to place anywhere in a reminder. */
function plain(text: string): string {
  let out = "";
  for (const char of stripDiacritics(text)) out += GSM7_BASIC.has(char) && char !== "\n" && char !== "\r" ? char : " ";
  return out.replace(/\s+/g, " ").trim();
}

export type ReminderKind = "DUE_SOON" | "INTEREST_DUE" | "OVERDUE";

export interface ReminderInput {
  readonly kind: ReminderKind;
  readonly memberName: string;
  readonly loanRef: string;
  readonly dueDate: BusinessDate;
  readonly principalVnd: number;
  readonly interestVnd: number;
}

function body(input: ReminderInput, name: string, loanRef: string): string {
  const date = formatDateVi(input.dueDate);
  const principal = `${formatVnd(assertVnd(input.principalVnd, "principalVnd"))}d`;
  const interest = `${formatVnd(assertVnd(input.interestVnd, "interestVnd"))}d`;
  const who = `NHCSXH: ${name}, khoan vay ${loanRef}`;
  switch (input.kind) {
    case "DUE_SOON":
      return `${who} den han tra ngay ${date}: goc ${principal}, lai ${interest}. De nghi tra dung han.`;
    case "INTEREST_DUE":
      return `${who} den ky tra lai ngay ${date}: lai ${interest}. De nghi nop lai qua to truong To TK&VV.`;
    case "OVERDUE":
      return `${who} da qua han tra ngay ${date}: goc qua han ${principal}, lai ${interest}. De nghi tra no ngay.`;
  }
}

export function reminderText(input: ReminderInput): string {
  const name = plain(input.memberName);
  const loanRef = plain(input.loanRef);
  const full = body(input, name, loanRef);
  if (full.length <= SMS_SEGMENT_SEPTETS) return full;
  const room = SMS_SEGMENT_SEPTETS - body(input, "", loanRef).length;
  if (room < 1) throw new SmsTooLong(body(input, "", loanRef).length + 1, SMS_SEGMENT_SEPTETS);
  return body(input, name.slice(0, room).trimEnd(), loanRef);
}
