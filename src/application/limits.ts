import { DomainError } from "../domain/errors.js";
import type { AttemptLimiter, RequestContext } from "./ports.js";

/** Counts one unauthenticated attempt from the caller's IP; over the limit: RATE_LIMITED. */
export async function countIpAttempt(limiter: AttemptLimiter, ctx: RequestContext): Promise<void> {
  const state = await limiter.consume(`ip:${ctx.ipAddress}`);
  if (!state.allowed) {
    throw new DomainError("RATE_LIMITED", "Too many requests; try again later", {
      retryAfterSeconds: Math.max(1, state.retryAfterSeconds),
    });
  }
}
