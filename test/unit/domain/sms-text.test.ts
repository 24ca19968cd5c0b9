import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  gsm7Length,
  isGsm7,
  type ReminderInput,
  reminderText,
  SmsTooLong,
  stripDiacritics,
} from "../../../shared/domain/index.ts";

const base: ReminderInput = {
  kind: "DUE_SOON",
  memberName: "Nguyễn Thị Đào",
  loanRef: "LN-000123",
  dueDate: "2026-12-15",
  principalVnd: 1_250_000,
  interestVnd: 165_000,
};

describe("reminder SMS", () => {
  it("writes unaccented Vietnamese with amounts like 1.250.000d and dates like 15/12/2026", () => {
    expect(reminderText(base)).toBe(
      "NHCSXH: Nguyen Thi Dao, khoan vay LN-000123 den han tra ngay 15/12/2026: goc 1.250.000d, lai 165.000d. De nghi tra dung han.",
    );
    expect(reminderText({ ...base, kind: "INTEREST_DUE" })).toContain("lai 165.000d");
    expect(reminderText({ ...base, kind: "OVERDUE" })).toContain("goc qua han 1.250.000d");
  });

  it("strips every Vietnamese diacritic, đ included", () => {
    expect(stripDiacritics("Đặng Văn Ưởng, Hồ Thị Ngọc Ánh, ỹ ẫ ờ ự")).toBe("Dang Van Uong, Ho Thi Ngoc Anh, y a o u");
  });

  it("cuts the name, never the amounts, to stay in one GSM-7 segment", () => {
    const longName = "Tôn Nữ Thị Hoàng Phương Thảo Nguyên Bích Ngọc Lan Hương ".repeat(3);
    const text = reminderText({
      ...base,
      kind: "OVERDUE",
      memberName: longName,
      principalVnd: 100_000_000,
      interestVnd: 9_876_543,
    });
    expect(text.length).toBeLessThanOrEqual(160);
    expect(text).toContain("goc qua han 100.000.000d, lai 9.876.543d");
    expect(text).toMatch(/^NHCSXH: Ton Nu Thi Hoang/);
  });

  it("always fits one segment for any name and realistic amounts", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ReminderInput["kind"]>("DUE_SOON", "INTEREST_DUE", "OVERDUE"),
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.nat({ max: 2_000_000_000 }),
        fc.nat({ max: 2_000_000_000 }),
        (kind, memberName, principalVnd, interestVnd) => {
          const text = reminderText({ ...base, kind, memberName, principalVnd, interestVnd });
          expect(isGsm7(text)).toBe(true);
          expect(gsm7Length(text)).toBeLessThanOrEqual(160);
        },
      ),
    );
  });

  it("refuses rather than cut an amount when even an empty name does not fit", () => {
    expect(() => reminderText({ ...base, loanRef: "X".repeat(150) })).toThrow(SmsTooLong);
  });

  it("tells GSM-7 from text that would need UCS-2", () => {
    expect(isGsm7("Tra no dung han {1.000d}")).toBe(true);
    expect(gsm7Length("a{b}")).toBe(6);
    expect(isGsm7("Trả nợ")).toBe(false);
    expect(gsm7Length("Trả nợ")).toBeNull();
  });
});
