import { DomainError } from "../../domain/errors.js";
import { ipRateLimitKey } from "../../domain/network.js";
import type { AttemptLimiter } from "../ports/coordination.js";
import type { RequestContext } from "../ports/time.js";

/**
 * Counts one unauthenticated attempt from the caller's IP (an IPv6 caller by its /64: one
 * host usually holds the whole prefix); over the limit: RATE_LIMITED.
 */
export async function countIpAttempt(limiter: AttemptLimiter, ctx: RequestContext): Promise<void> {
  const state = await limiter.consume(`ip:${ipRateLimitKey(ctx.ipAddress)}`);
  if (!state.allowed) {
    throw new DomainError("RATE_LIMITED", "Too many requests; try again later", {
      retryAfterSeconds: Math.max(1, state.retryAfterSeconds),
    });
  }
}
