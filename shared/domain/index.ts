/** The credit engine: pure functions over plain data. No I/O, no clock; dates are always parameters. */
export * from "./accrual.ts";
export * from "./allocation.ts";
export * from "./dates.ts";
export * from "./errors.ts";
export * from "./interest.ts";
export * from "./loan-state.ts";
export * from "./money.ts";
export * from "./overdue.ts";
export * from "./payment.ts";
export * from "./programs.ts";
export * from "./schedule.ts";
export * from "./sms-text.ts";
export * from "./transitions.ts";
export * from "./view.ts";
