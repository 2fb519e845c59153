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
