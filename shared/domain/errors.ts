/**
 * Domain errors. Each has a stable `code` that clients may rely on, an `httpStatus` hint (422 for a
 * business rule, 409 for a conflict with the loan's current state, 500 for a bug) and `details` that
 * the HTTP layer copies into the problem document. The mapping to problem+json lives in one place there.
 */

export type DomainErrorCode =
  | "INVARIANT_VIOLATION"
  | "INVALID_AMOUNT"
  | "INVALID_DATE"
  | "INVALID_TRANSITION"
  | "INVALID_SCHEDULE"
  | "AMOUNT_OVER_CAP"
  | "TERM_OVER_MAX"
  | "UNKNOWN_PROGRAM"
  | "NO_RATE_IN_FORCE"
  | "RATE_CHANGE_REJECTED"
  | "INTEREST_EXCEEDS_PAYABLE"
  | "PRINCIPAL_EXCEEDS_OUTSTANDING"
  | "BACKDATED_POSTING"
  | "ACCRUAL_BACKWARDS"
  | "NOT_LATEST_POSTING"
  | "SMS_TOO_LONG";

export type HttpStatusHint = 409 | 422 | 500;

export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly httpStatus: HttpStatusHint;
  readonly details: ErrorDetails;

  constructor(code: DomainErrorCode, httpStatus: HttpStatusHint, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = httpStatus;
    this.details = details;
  }
}

/** A bug: some state the code must never produce. Never clamp instead of throwing this. */
export class InvariantViolation extends DomainError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("INVARIANT_VIOLATION", 500, message, details);
  }
}

/** An amount supplied by a caller is not a whole, non-negative, safe number of đồng (or is zero where that means nothing). */
export class InvalidAmount extends DomainError {
  constructor(field: string, value: number, reason: string) {
    super("INVALID_AMOUNT", 422, `${field} ${reason}`, { field, value });
  }
}

export class InvalidDate extends DomainError {
  constructor(value: string) {
    super("INVALID_DATE", 422, `not a calendar date in YYYY-MM-DD form: ${JSON.stringify(value)}`, { value });
  }
}

export class InvalidTransition extends DomainError {
  constructor(from: string, to: string, reason?: string) {
    super("INVALID_TRANSITION", 409, reason ?? `a loan in ${from} cannot go to ${to}`, { from, to });
  }
}

export class InvalidSchedule extends DomainError {
  constructor(message: string, details: ErrorDetails = {}) {
    super("INVALID_SCHEDULE", 422, message, details);
  }
}

export class AmountOverCap extends DomainError {
  constructor(programCode: string, requestedVnd: number, maxPrincipalVnd: number) {
    super("AMOUNT_OVER_CAP", 422, `principal ${requestedVnd} is above the ${programCode} cap of ${maxPrincipalVnd}`, {
      programCode,
      requestedVnd,
      maxPrincipalVnd,
    });
  }
}

export class TermOverMax extends DomainError {
  constructor(programCode: string, termMonths: number, maxTermMonths: number) {
    super("TERM_OVER_MAX", 422, `term ${termMonths} months is above the ${programCode} maximum of ${maxTermMonths}`, {
      programCode,
      termMonths,
      maxTermMonths,
    });
  }
}

export class UnknownProgram extends DomainError {
  constructor(code: string) {
    super("UNKNOWN_PROGRAM", 422, `no program with code ${JSON.stringify(code)}`, { programCode: code });
  }
}

export class NoRateInForce extends DomainError {
  constructor(programCode: string, date: string) {
    super("NO_RATE_IN_FORCE", 422, `${programCode} has no rate in force on ${date}`, { programCode, date });
  }
}

export class RateChangeRejected extends DomainError {
  constructor(programCode: string, reason: string, details: ErrorDetails = {}) {
    super("RATE_CHANGE_REJECTED", 409, `rate change for ${programCode} refused: ${reason}`, {
      programCode,
      ...details,
    });
  }
}

export class InterestExceedsPayable extends DomainError {
  constructor(requestedVnd: number, payableVnd: number) {
    super("INTEREST_EXCEEDS_PAYABLE", 422, `interest ${requestedVnd} is more than the ${payableVnd} payable`, {
      requestedVnd,
      payableVnd,
    });
  }
}

export class PrincipalExceedsOutstanding extends DomainError {
  constructor(requestedVnd: number, outstandingVnd: number) {
    super(
      "PRINCIPAL_EXCEEDS_OUTSTANDING",
      422,
      `principal ${requestedVnd} is more than the ${outstandingVnd} outstanding`,
      {
        requestedVnd,
        outstandingVnd,
      },
    );
  }
}

/** A posting dated before the loan's disbursement or before a later posting already on the loan. */
export class BackdatedPosting extends DomainError {
  constructor(date: string, notBefore: string, reason: string) {
    super("BACKDATED_POSTING", 409, `${date} is before ${notBefore}: ${reason}`, { date, notBefore });
  }
}

export class AccrualBackwards extends DomainError {
  constructor(throughDate: string, interestAccruedThrough: string) {
    super(
      "ACCRUAL_BACKWARDS",
      409,
      `interest is already accrued through ${interestAccruedThrough}, after ${throughDate}`,
      {
        throughDate,
        interestAccruedThrough,
      },
    );
  }
}

export class NotLatestPosting extends DomainError {
  constructor(transactionId: string, lastPostingId: string | null) {
    super("NOT_LATEST_POSTING", 409, `transaction ${transactionId} is not the loan's latest reversible posting`, {
      transactionId,
      lastPostingId,
    });
  }
}

export class SmsTooLong extends DomainError {
  constructor(septets: number, limit: number) {
    super(
      "SMS_TOO_LONG",
      422,
      `the reminder needs ${septets} GSM-7 characters even with the name cut; the limit is ${limit}`,
      {
        septets,
        limit,
      },
    );
  }
}
