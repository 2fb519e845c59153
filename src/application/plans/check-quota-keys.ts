/**
 * The daily counters' names and times, shared by CheckQuota and whoever reads usage
 * (GetSubscription): `quota:<YYYY-MM-DD>:<owner>:<service>` (the store adds REDIS__KEY_PREFIX).
 * Days are UTC calendar days. An owner is a user id, or `anon:<id>` for an anonymous visitor.
 */
const DAY_MS = 86_400_000;
/** The counter outlives its day a little, so a late reader of "yesterday" still sees it. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The next UTC midnight: when today's counters reset. */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
}

/** When a counter of the day containing `now` may be dropped by the store. */
export function counterExpiry(now: Date): Date {
  return new Date(nextUtcMidnight(now).getTime() + EXPIRY_MARGIN_MS);
}

export function quotaKey(now: Date, owner: string, serviceCode: string): string {
  return `quota:${utcDay(now)}:${owner}:${serviceCode}`;
}

export function anonymousOwner(anonymousId: string): string {
  return `anon:${anonymousId}`;
}
