/**
 * SMS reminders as members receive them: one text per loan and due date however often the job runs,
 * one overdue notice when an installment goes overdue, nothing for members who opted out, nothing at
 * night, and every text in one GSM-7 segment.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  addDays,
  type BusinessDate,
  formatDateVi,
  formatVnd,
  gsm7Length,
  isGsm7,
  PROGRAMS,
  payableInterestOn,
} from "../../shared/domain/index.ts";
import { runJobInProcess } from "../../shared/jobs/in-process.ts";
import { outboxKey } from "../../shared/jobs/reminders.ts";
import { readRun } from "../../shared/jobs/runs.ts";
import { logger } from "../../shared/log/logger.ts";
import {
  COMMUNES,
  datesFrom,
  disbursedLoan,
  type LoanSpec,
  loanItem,
  loanState,
  memberItem,
  pay,
  putAll,
  readLoan,
  runNight,
  type SentSms,
  scanPrefix,
  useFreshTable,
  vietnamTime,
} from "./support.ts";

process.env.JOB_SHARDS = "2";

const DUE: BusinessDate = "2025-11-14";
const DISBURSED = "2025-10-14";

type Role = "PAYER" | "DEFAULTER" | "OPTED_OUT" | "INTEREST_ONLY_MONTH";
type Borrower = { spec: LoanSpec; role: Role; fullName: string; phone: string };

const NAMES = [
  "Nguyễn Thị Thanh Hương",
  "Lò Văn Pấng",
  "Giàng A Sử",
  "Đặng Thị Ánh Nguyệt",
  "Vừ Thị Dợ",
  "Quàng Văn Ươn",
  // Long enough that the text must be cut, and with letters no SMS alphabet has.
  "Tòng Thị Phương Thảo Nguyễn Hoàng Bảo Ngọc Trâm Anh Lê Phạm Đặng Khánh Linh 李 🙂",
];

function borrowers(): Borrower[] {
  const roles: Role[] = [
    ...Array<Role>(8).fill("PAYER"),
    ...Array<Role>(6).fill("DEFAULTER"),
    "OPTED_OUT",
    "INTEREST_ONLY_MONTH",
  ];
  return roles.map((role, i) => ({
    role,
    fullName: NAMES[i % NAMES.length]!,
    phone: `09${String(10_000_000 + i)}`,
    spec: {
      loanId: `L-R${String(i).padStart(4, "0")}`,
      memberId: `M-R${i}`,
      program: i % 2 === 0 ? PROGRAMS.POOR : PROGRAMS.NEAR_POOR,
      principalVnd: 18_000_000 + i * 250_000,
      // Monthly installments fall due on DUE; the quarterly loan only owes its monthly interest then.
      termMonths: 12,
      installmentMonths: role === "INTEREST_ONLY_MONTH" ? 3 : 1,
      disbursedOn: DISBURSED,
      communePath: COMMUNES[i % COMMUNES.length]!,
    },
  }));
}

async function seed(list: Borrower[]) {
  await putAll([
    ...list.map((b) => loanItem(disbursedLoan(b.spec), b.spec.communePath, b.fullName)),
    ...list.map((b) =>
      memberItem(b.spec.memberId, { fullName: b.fullName, phone: b.phone, smsOptOut: b.role === "OPTED_OUT" }),
    ),
  ]);
}

type Delivered = SentSms & { on: BusinessDate };

/** A phone network that records what it delivers, and refuses the first text to phones it is told to. */
function network() {
  const delivered: Delivered[] = [];
  const refuseOnce = new Set<string>();
  let today: BusinessDate = DISBURSED;
  return {
    delivered,
    refuseOnce,
    setToday: (date: BusinessDate) => {
      today = date;
    },
    sender: {
      async send(message: SentSms) {
        if (refuseOnce.delete(message.phone)) throw new Error("SMS gateway unavailable");
        delivered.push({ ...message, on: today });
        return { messageId: `sms-${delivered.length}` };
      },
    },
  };
}

const kindOf = (sms: SentSms) => sms.dedupeKey.split("#")[1];
const loanOf = (sms: SentSms) => sms.dedupeKey.split("#")[0];

describe("reminders over the weeks around a due date", () => {
  const list = borrowers();
  const net = network();
  const interestPaid = new Map<string, number>();
  let crashes = 0;
  const failedByDate = new Map<BusinessDate, number>();

  beforeAll(async () => {
    await useFreshTable("reminders");
    await seed(list);
    // A payer whose first text the gateway refuses: the next morning's run must still reach them.
    net.refuseOnce.add(list[1]!.phone);
    const crashDay = addDays(DUE, 1);
    for (const date of datesFrom(addDays(DUE, -4), 13)) {
      net.setToday(date);
      // Scheduled at 07:30; on the day the first texts go out the job also runs at noon and in the evening.
      const times = date === addDays(DUE, -3) ? ["07:30", "12:00", "19:30"] : ["07:30"];
      for (const time of times) {
        let killed = false;
        const sentBefore = net.delivered.length;
        logger.setLogLevel("SILENT");
        const run = await runJobInProcess("send-reminders", {
          businessDate: date,
          now: () => vietnamTime(date, time),
          sender: net.sender,
          shard: {
            pageSize: 4,
            // The morning the overdue notices go out, the worker dies once after sending a page.
            beforeCommit: () => {
              if (date === crashDay && !killed && net.delivered.length > sentBefore) {
                killed = true;
                crashes++;
                throw new Error("worker killed after sending");
              }
            },
          },
        });
        logger.setLogLevel("ERROR");
        // A run's totals are its date's totals, read back from the shard checkpoints.
        failedByDate.set(date, run.failed);
      }
      if (date === DUE) {
        for (const b of list.filter((x) => x.role === "PAYER")) {
          const loan = loanState(await readLoan(b.spec.loanId));
          const due = loan.installments.find((installment) => installment.dueDate === DUE)!;
          const interestVnd = payableInterestOn(loan, b.spec.program, DUE);
          await pay(b.spec.loanId, b.spec.program, {
            paidOn: DUE,
            postedOn: DUE,
            interestVnd,
            principalVnd: due.principalVnd,
          });
          interestPaid.set(b.spec.loanId, interestVnd);
        }
      }
      await runNight(date);
    }
  }, 60_000);

  const sentTo = (b: Borrower) => net.delivered.filter((sms) => loanOf(sms) === b.spec.loanId);

  it("tells each member once that an installment is due, three days ahead, however often the job ran", () => {
    expect(crashes).toBe(1);
    for (const b of list.filter((x) => x.role === "PAYER" || x.role === "DEFAULTER")) {
      const dueSoon = sentTo(b).filter((sms) => kindOf(sms) === "DUE_SOON");
      expect({ loan: b.spec.loanId, days: dueSoon.map((sms) => sms.on) }).toEqual({
        loan: b.spec.loanId,
        days: [b === list[1] ? addDays(DUE, -2) : addDays(DUE, -3)],
      });
    }
  });

  it("sends a text refused by the gateway again on the next run, and only once in all", () => {
    expect([...failedByDate].filter(([, failed]) => failed > 0)).toEqual([[addDays(DUE, -3), 1]]);
    expect(sentTo(list[1]!).map((sms) => kindOf(sms))).toEqual(["DUE_SOON"]);
  });

  it("tells a member whose quarterly loan owes only interest that month that interest is due", () => {
    const b = list.find((x) => x.role === "INTEREST_ONLY_MONTH")!;
    expect(sentTo(b).map((sms) => [kindOf(sms), sms.on])).toEqual([["INTEREST_DUE", addDays(DUE, -3)]]);
  });

  it("sends one overdue notice the morning after an installment goes unpaid, and none to those who paid", () => {
    for (const b of list.filter((x) => x.role === "DEFAULTER")) {
      const overdue = sentTo(b).filter((sms) => kindOf(sms) === "OVERDUE");
      expect(overdue.map((sms) => sms.on)).toEqual([addDays(DUE, 1)]);
      expect(overdue[0]!.text).toContain(`qua han tra ngay ${formatDateVi(DUE)}`);
    }
    for (const b of list.filter((x) => x.role === "PAYER")) {
      expect(sentTo(b).filter((sms) => kindOf(sms) === "OVERDUE")).toEqual([]);
    }
  });

  it("sends nothing to a member who opted out, and records why", async () => {
    const b = list.find((x) => x.role === "OPTED_OUT")!;
    expect(net.delivered.filter((sms) => sms.phone === b.phone)).toEqual([]);
    const outbox = await scanPrefix(outboxKey(b.spec.loanId, "DUE_SOON", DUE).PK);
    expect(outbox.map((item) => [item.kind, item.status])).toEqual([
      ["DUE_SOON", "OPTED_OUT"],
      ["OVERDUE", "OPTED_OUT"],
    ]);
  });

  it("fits every text in one GSM-7 segment, without diacritics", () => {
    expect(net.delivered.length).toBeGreaterThan(20);
    for (const sms of net.delivered) {
      expect(isGsm7(sms.text), sms.text).toBe(true);
      expect(gsm7Length(sms.text), sms.text).toBeLessThanOrEqual(160);
      expect(sms.text).toContain(formatDateVi(DUE));
    }
    expect(net.delivered.some((sms) => sms.text.includes("Nguyen Thi Thanh Huong"))).toBe(true);
  });

  it("quotes the interest the collector then asks for on the due date", () => {
    for (const b of list.filter((x) => x.role === "PAYER")) {
      const [dueSoon] = sentTo(b).filter((sms) => kindOf(sms) === "DUE_SOON");
      expect(dueSoon!.text).toContain(`lai ${formatVnd(interestPaid.get(b.spec.loanId)!)}d`);
    }
  });
});

describe("quiet hours", () => {
  const list = borrowers().slice(0, 3);
  const net = network();
  const day = addDays(DUE, -3);

  beforeAll(async () => {
    await useFreshTable("quiet");
    await seed(list);
  });

  const remind = (now: () => Date) =>
    runJobInProcess("send-reminders", { businessDate: day, now, sender: net.sender, shard: { pageSize: 4 } });

  it("sends nothing before 07:00 or from 20:00 Vietnam time", async () => {
    for (const time of ["06:59", "20:00", "23:30", "00:15"]) {
      const run = await remind(() => vietnamTime(day, time));
      expect(run.deferred).toBe(true);
    }
    expect(net.delivered).toEqual([]);
    expect(await readRun("send-reminders", day)).toBeUndefined();
  });

  it("sends nothing when the shard is picked up after 20:00, and sends it on the next run in hours", async () => {
    let calls = 0;
    // Dispatched a minute before the quiet hours start; the worker gets the shard after they began.
    await remind(() => (calls++ === 0 ? vietnamTime(day, "19:59") : vietnamTime(day, "20:01")));
    expect(net.delivered).toEqual([]);
    await remind(() => vietnamTime(addDays(day, 1), "07:00"));
    expect(net.delivered.map((sms) => kindOf(sms)).sort()).toEqual(["DUE_SOON", "DUE_SOON", "DUE_SOON"]);
  });
});

describe("a member who pays before the due date", () => {
  const [member] = borrowers();
  const net = network();

  beforeAll(async () => {
    await useFreshTable("early");
    await seed([member!]);
  });

  it("is not texted a second time about the same date", async () => {
    const spec = member!.spec;
    for (const date of datesFrom(addDays(DUE, -3), 3)) {
      net.setToday(date);
      await runJobInProcess("send-reminders", {
        businessDate: date,
        now: () => vietnamTime(date, "07:30"),
        sender: net.sender,
      });
      if (date === addDays(DUE, -3)) {
        // The reminder works: the member pays the installment and the interest to date that same day.
        const loan = loanState(await readLoan(spec.loanId));
        await pay(spec.loanId, spec.program, {
          paidOn: date,
          postedOn: date,
          interestVnd: payableInterestOn(loan, spec.program, date),
          principalVnd: loan.installments[0]!.principalVnd,
        });
      }
      await runNight(date);
    }
    expect(net.delivered.map((sms) => [kindOf(sms), sms.on])).toEqual([["DUE_SOON", addDays(DUE, -3)]]);
  });
});
