/**
 * Vietnam keeps UTC+7 all year (no daylight saving), so the business date is the UTC date seven hours
 * ahead. This is the only place that turns the clock into a business date.
 */
const VIETNAM_OFFSET_MS = 7 * 3600 * 1000;

export function businessDateInVietnam(now: Date = new Date()): string {
  return new Date(now.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** Hour and minute on the Vietnamese wall clock, for quiet hours. */
export function vietnamClock(now: Date = new Date()): { hour: number; minute: number } {
  const local = new Date(now.getTime() + VIETNAM_OFFSET_MS);
  return { hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}
