import { DomainError } from "../domain/errors.js";
import type { AttemptLimiter, LimitState, RequestContext } from "./ports.js";

/** Counts one unauthenticated attempt from the caller's IP; over the limit: RATE_LIMITED. */
export async function countIpAttempt(limiter: AttemptLimiter, ctx: RequestContext): Promise<void> {
  const state = await limiter.consume(`ip:${ctx.ipAddress}`);
  if (!state.allowed) {
    throw new DomainError("RATE_LIMITED", "Too many requests; try again later", {
      retryAfterSeconds: Math.max(1, state.retryAfterSeconds),
    });
  }
}

/** ACCOUNT_LOCKED, told only to a caller who proved the password or a code. */
export function accountLocked(lock: LimitState): DomainError {
  return new DomainError("ACCOUNT_LOCKED", "The account is temporarily locked after too many failed logins", {
    retryAfterSeconds: Math.max(1, lock.retryAfterSeconds),
  });
}

/**
 * Counts a login attempt on the account BEFORE the slow checks (argon2, second factor), so N
 * concurrent guesses cannot all slip through the last remaining try; a success clears it with
 * `reset`. While locked nothing is counted, so attempts never extend a lock.
 * `locked` is true when the account was locked already or this attempt went over the limit.
 */
export async function countLoginAttempt(limiter: AttemptLimiter, key: string): Promise<{ locked: boolean; state: LimitState }> {
  const before = await limiter.peek(key);
  if (!before.allowed) return { locked: true, state: before };
  const after = await limiter.consume(key);
  return { locked: !after.allowed, state: after };
}
