/** Time as the service sees it: injected so tests can pick the day. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

const DAY_MS = 24 * 60 * 60 * 1000;

/** `2026-11-22` for any instant of that UTC day. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Midnight UTC that starts the day of `at`. */
export function startOfUtcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** Midnight UTC that ends the day of `at` (the start of the next day). */
export function endOfUtcDay(at: Date): Date {
  return new Date(startOfUtcDay(at).getTime() + DAY_MS);
}

/** Days since 1970-01-01 UTC: the deterministic input that picks the quote of the day. */
export function utcDayNumber(at: Date): number {
  return Math.floor(at.getTime() / DAY_MS);
}
