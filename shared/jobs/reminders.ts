import { db, tableNameFromEnv } from "../db/client.ts";
import type { Item } from "../db/items.ts";
import { keys } from "../db/keys.ts";
import { loanFromItem } from "../db/loans.ts";
import { GetCommand, PutCommand, UpdateCommand } from "../db/store.ts";
import { addDays, daysInMonth, isAfter, isBefore } from "../domain/dates.ts";
import type { Loan } from "../domain/loan-state.ts";
import { payableInterestOn } from "../domain/payment.ts";
import type { Program } from "../domain/programs.ts";
import { type ReminderKind, reminderText } from "../domain/sms-text.ts";
import { maskPhone } from "../log/redact.ts";
import type { SmsSender } from "../sms/sender.ts";
import { vietnamClock } from "../time.ts";
import { programCache } from "./programs.ts";
import type { PageWork } from "./shard-runner.ts";

/** Reminders go out 3 days ahead; a run that was missed still reaches loans due within the window. */
export const REMINDER_DAYS_AHEAD = 3;
/** An overdue notice is sent once per installment that went overdue within this many days. */
export const OVERDUE_NOTICE_WINDOW_DAYS = 7;
export const QUIET_BEFORE_HOUR = 7;
export const QUIET_FROM_HOUR = 20;

export function withinSendingHours(now: Date): boolean {
  const { hour } = vietnamClock(now);
  return hour >= QUIET_BEFORE_HOUR && hour < QUIET_FROM_HOUR;
}

export type Reminder = { kind: ReminderKind; dueDate: string; principalVnd: number; interestVnd: number };

/** The monthly interest day: the disbursement day of month, clamped to the month's end. */
function isInterestDay(loan: Loan, date: string): boolean {
  if (!loan.disbursedOn || !isAfter(date, loan.disbursedOn)) return false;
  const anchor = Number(loan.disbursedOn.slice(8, 10));
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return d === Math.min(anchor, daysInMonth(y, m));
}

/** What a loan should be reminded of on `today`: pure, so it is tested without a table. */
export function remindersFor(loan: Loan, program: Program, today: string): Reminder[] {
  if (loan.status !== "ACTIVE" && loan.status !== "OVERDUE") return [];
  const out: Reminder[] = [];
  const open = loan.installments.filter((i) => i.paidVnd < i.principalVnd);
  for (let ahead = 1; ahead <= REMINDER_DAYS_AHEAD; ahead++) {
    const date = addDays(today, ahead);
    const installment = open.find((i) => i.dueDate === date);
    const interest = () => payableInterestOn(loan, program, date);
    if (installment) {
      out.push({
        kind: "DUE_SOON",
        dueDate: date,
        principalVnd: installment.principalVnd - installment.paidVnd,
        interestVnd: interest(),
      });
    } else if (isInterestDay(loan, date)) {
      out.push({ kind: "INTEREST_DUE", dueDate: date, principalVnd: 0, interestVnd: interest() });
    }
  }
  const classified = loan.overdueClassifiedThrough;
  if (classified) {
    const earliest = addDays(today, -OVERDUE_NOTICE_WINDOW_DAYS);
    for (const i of open) {
      if (!isAfter(i.dueDate, classified) && !isBefore(i.dueDate, earliest)) {
        out.push({
          kind: "OVERDUE",
          dueDate: i.dueDate,
          principalVnd: i.principalVnd - i.paidVnd,
          interestVnd: payableInterestOn(loan, program, today),
        });
      }
    }
  }
  return out;
}

/**
 * "Due soon" and "interest due" announce the same collection day, and one becomes the other when the
 * installment is paid early; they share a claim so the member hears about that day once.
 */
export const outboxKey = (loanId: string, kind: ReminderKind, dueDate: string) => ({
  PK: `SMS#${loanId}`,
  SK: `${kind === "OVERDUE" ? "OVERDUE" : "DUE"}#${dueDate}`,
});

/**
 * Each (loan, due date, kind) is claimed in the outbox with a conditional put before anything is sent,
 * so three runs of the job send one SMS. A send that failed may be claimed again; one that was sent,
 * or is in flight, never is.
 */
async function claim(loan: Loan, reminder: Reminder, text: string, phone: string, status: string, now: string) {
  try {
    await db().send(
      new PutCommand({
        TableName: tableNameFromEnv(),
        Item: {
          ...outboxKey(loan.loanId, reminder.kind, reminder.dueDate),
          type: "SMS",
          loanId: loan.loanId,
          memberId: loan.memberId,
          kind: reminder.kind,
          dueDate: reminder.dueDate,
          to: maskPhone(phone),
          text,
          status,
          createdAt: now,
        },
        ConditionExpression: "attribute_not_exists(PK) OR #s = :failed",
        ExpressionAttributeNames: { "#s": "status" },
        ExpressionAttributeValues: { ":failed": "FAILED" },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === "ConditionalCheckFailedException") return false;
    throw error;
  }
}

async function mark(loanId: string, reminder: Reminder, status: string, extra: Record<string, unknown>) {
  const names: Record<string, string> = { "#s": "status" };
  const values: Record<string, unknown> = { ":s": status };
  const sets = ["#s = :s"];
  for (const [k, v] of Object.entries(extra)) {
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    sets.push(`#${k} = :${k}`);
  }
  await db().send(
    new UpdateCommand({
      TableName: tableNameFromEnv(),
      Key: outboxKey(loanId, reminder.kind, reminder.dueDate),
      UpdateExpression: `SET ${sets.join(", ")}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

export function reminderWork(
  today: string,
  sender: SmsSender,
  now: () => Date,
  programs = programCache(),
): () => PageWork {
  return () => ({
    perLoan: async (item: Item) => {
      // A run that reaches 20:00 stops sending; the three-day window lets the next morning's run catch up.
      if (!withinSendingHours(now())) return "skipped";
      const loan = loanFromItem(item);
      const reminders = remindersFor(loan, await programs(loan.programCode), today);
      if (reminders.length === 0) return "skipped";
      const member = (
        await db().send(new GetCommand({ TableName: tableNameFromEnv(), Key: keys.member(loan.memberId) }))
      ).Item;
      if (!member) return "skipped";
      let sent = 0;
      for (const reminder of reminders) {
        const text = reminderText({
          ...reminder,
          memberName: member.fullName as string,
          loanRef: loan.loanId.slice(-8),
        });
        const optedOut = Boolean(member.smsOptOut);
        const at = now().toISOString();
        if (!(await claim(loan, reminder, text, member.phone as string, optedOut ? "OPTED_OUT" : "SENDING", at)))
          continue;
        if (optedOut) continue;
        try {
          const { messageId } = await sender.send({
            phone: member.phone as string,
            text,
            dedupeKey: `${loan.loanId}#${reminder.kind}#${reminder.dueDate}`,
          });
          await mark(loan.loanId, reminder, "SENT", { sentAt: now().toISOString(), messageId });
          sent++;
        } catch (error) {
          await mark(loan.loanId, reminder, "FAILED", { error: (error as Error).message.slice(0, 200) });
          throw error;
        }
      }
      return sent > 0 ? "updated" : "skipped";
    },
    pageWrites: () => [],
  });
}
