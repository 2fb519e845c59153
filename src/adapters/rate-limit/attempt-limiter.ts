import type { Redis } from "ioredis";
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { AttemptLimiter, LimitState } from "../../application/ports/coordination.js";
import type { Clock } from "../../application/ports/time.js";

export interface AttemptLimiterOptions {
  /** Namespaces the keys (`<keyPrefix>:<key>`); one prefix per limit. */
  keyPrefix: string;
  /** Attempts allowed per window. */
  points: number;
  /** The fixed window, in seconds. */
  durationSeconds: number;
  /**
   * Once `points` are exceeded the key is refused for this long (from the attempt that crossed
   * the limit). Attempts made while blocked are refused without extending the block.
   */
  blockSeconds?: number;
}

interface Fallback {
  /** The per-process limiter used when the shared store fails. */
  insurance: RateLimiterMemory;
  /** False while the store's connection is not usable (skip it rather than wait on it). */
  storeReady: () => boolean;
}

/**
 * AttemptLimiter over rate-limiter-flexible. Counting is atomic in the store (one Lua script
 * in Redis; single-threaded in memory), so N concurrent attempts can never all be allowed.
 *
 * Semantics, the same for every store:
 * - consume: `allowed` says whether THIS attempt fits in the limit; over it, the answer is
 *   `allowed: false` with `retryAfterSeconds >= 1`, never an exception.
 * - peek: `allowed` says whether ANOTHER attempt would fit now (`remaining > 0`), so a caller
 *   can refuse a locked account before doing any work (or revealing anything) for it.
 * - reset: forgets the key everywhere it may be counted.
 */
export class FlexibleAttemptLimiter implements AttemptLimiter {
  constructor(
    private readonly limiter: RateLimiterAbstract,
    private readonly fallback?: Fallback,
  ) {}

  async consume(key: string, points = 1): Promise<LimitState> {
    if (!Number.isInteger(points) || points < 1) {
      throw new RangeError(`points must be a positive integer, got ${points}`);
    }
    try {
      const res = await this.limiter.consume(key, points);
      return { allowed: true, remaining: res.remainingPoints, retryAfterSeconds: 0 };
    } catch (rejection) {
      // rate-limiter-flexible rejects with a RateLimiterRes when over the limit: an expected
      // outcome. Anything else is a real failure (store down and no insurance) and propagates.
      if (rejection instanceof RateLimiterRes) {
        return { allowed: false, remaining: 0, retryAfterSeconds: secondsUntil(rejection.msBeforeNext) };
      }
      throw rejection;
    }
  }

  async peek(key: string): Promise<LimitState> {
    // RateLimiterStoreAbstract#get already falls back to the insurance limiter on a store error.
    const res = await this.limiter.get(key);
    // No record, or one whose window has passed but was not evicted yet: a fresh key.
    if (res === null || res.msBeforeNext <= 0) {
      return { allowed: true, remaining: this.limiter.points, retryAfterSeconds: 0 };
    }
    // Consumed points can exceed `points` (refused attempts still count, and a block stores
    // the crossing count), so clamp at zero.
    const remaining = Math.max(this.limiter.points - res.consumedPoints, 0);
    if (remaining > 0) return { allowed: true, remaining, retryAfterSeconds: 0 };
    return { allowed: false, remaining: 0, retryAfterSeconds: secondsUntil(res.msBeforeNext) };
  }

  async reset(key: string): Promise<void> {
    const fallback = this.fallback;
    if (!fallback) {
      await this.limiter.delete(key);
      return;
    }
    // RateLimiterRedis#delete does not honour rejectIfRedisNotReady, so with a client that
    // queues offline it could wait on a dead connection; skip the store while it is down.
    // Its counter then stays, which errs towards refusing, never towards allowing.
    if (fallback.storeReady()) await this.limiter.delete(key);
    // Clear the insurance copy too: otherwise a success recorded while Redis was up would
    // leave stale per-process failures that resurface at the next Redis outage.
    await fallback.insurance.delete(key);
  }
}

/** Seconds to wait, rounded up and at least 1 whenever an attempt is refused. */
function secondsUntil(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

function validate(opts: AttemptLimiterOptions): void {
  if (!opts.keyPrefix) throw new RangeError("keyPrefix is required");
  if (!Number.isInteger(opts.points) || opts.points < 1) {
    throw new RangeError(`points must be a positive integer, got ${opts.points}`);
  }
  // A zero duration means "never expires" to rate-limiter-flexible: a permanent lock-out.
  if (!Number.isInteger(opts.durationSeconds) || opts.durationSeconds < 1) {
    throw new RangeError(`durationSeconds must be a positive integer, got ${opts.durationSeconds}`);
  }
  if (opts.blockSeconds !== undefined && (!Number.isInteger(opts.blockSeconds) || opts.blockSeconds < 0)) {
    throw new RangeError(`blockSeconds must be a non-negative integer, got ${opts.blockSeconds}`);
  }
}

function memoryLimiter(opts: AttemptLimiterOptions): RateLimiterMemory {
  return new RateLimiterMemory({
    keyPrefix: opts.keyPrefix,
    points: opts.points,
    duration: opts.durationSeconds,
    blockDuration: opts.blockSeconds ?? 0,
  });
}

/** Per-process limits: the embedded default, and tests. */
export function memoryAttemptLimiter(opts: AttemptLimiterOptions): FlexibleAttemptLimiter {
  validate(opts);
  return new FlexibleAttemptLimiter(memoryLimiter(opts));
}

/**
 * Limits shared by every instance through Redis. When Redis fails (down, not ready, or a
 * command times out) each call is answered by a per-process in-memory limiter with the same
 * points and window, so the per-account bound still holds on every instance (security.md 36)
 * instead of failing open, and logins keep working instead of failing closed.
 */
export function redisAttemptLimiter(redis: Redis, opts: AttemptLimiterOptions): FlexibleAttemptLimiter {
  validate(opts);
  const insurance = memoryLimiter(opts);
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    useRedisPackage: false,
    // Go to the insurance limiter at once while the connection is not ready, even with a
    // client that would otherwise queue commands offline until Redis returns.
    rejectIfRedisNotReady: true,
    keyPrefix: opts.keyPrefix,
    points: opts.points,
    duration: opts.durationSeconds,
    blockDuration: opts.blockSeconds ?? 0,
    insuranceLimiter: insurance,
  });
  return new FlexibleAttemptLimiter(limiter, { insurance, storeReady: () => redis.status === "ready" });
}

/**
 * A limit counted on the service's injected clock, in two adjacent fixed windows: an attempt
 * is counted in the bucket of the current window (`<key>@<window index>`), and a key is over
 * its limit while the current and the previous window together hold `points`. So the failures
 * that lock an account lock it wherever a window boundary falls between them, at most
 * `points` fit in any span of one window, and the lock lasts until the window after the last
 * counted attempt has passed. The inner store must keep a bucket for two windows (its own
 * expiry only cleans up). Tests move a ManualClock instead of sleeping, on Redis and in memory
 * alike; production runs on the system clock.
 *
 * Atomic like the inner limiter: `consume` adds to the current bucket in one step and allows
 * the attempt only if that total, with the previous window's, is within the limit.
 */
export class ClockWindowLimiter implements AttemptLimiter {
  constructor(
    private readonly inner: AttemptLimiter,
    private readonly clock: Clock,
    private readonly points: number,
    private readonly windowSeconds: number,
  ) {}

  private window(): { current: number; msLeft: number } {
    const windowMs = this.windowSeconds * 1000;
    const now = this.clock.now().getTime();
    return { current: Math.floor(now / windowMs), msLeft: windowMs - (now % windowMs) };
  }

  private used(state: LimitState): number {
    return this.points - state.remaining;
  }

  /** Refused: free again once the windows holding the attempts have passed. */
  private refused(currentUsed: number, msLeft: number): LimitState {
    const ms = msLeft + (currentUsed >= this.points ? this.windowSeconds * 1000 : 0);
    return { allowed: false, remaining: 0, retryAfterSeconds: secondsUntil(ms) };
  }

  async consume(key: string, points = 1): Promise<LimitState> {
    const { current, msLeft } = this.window();
    // The previous window is closed (nothing counts into it any more): read it alongside.
    const [before, after] = await Promise.all([this.inner.peek(`${key}@${current - 1}`), this.inner.consume(`${key}@${current}`, points)]);
    const previous = this.used(before);
    // The inner count clamps at its limit: a refusal there is over the limit here too.
    const currentUsed = after.allowed ? this.used(after) : this.points + 1;
    const total = previous + currentUsed;
    return total <= this.points ? { allowed: true, remaining: this.points - total, retryAfterSeconds: 0 } : this.refused(currentUsed, msLeft);
  }

  async peek(key: string): Promise<LimitState> {
    const { current, msLeft } = this.window();
    const [previous, now] = await Promise.all([this.inner.peek(`${key}@${current - 1}`), this.inner.peek(`${key}@${current}`)]);
    const total = this.used(previous) + this.used(now);
    // peek answers whether ANOTHER attempt fits now.
    return total < this.points ? { allowed: true, remaining: this.points - total, retryAfterSeconds: 0 } : this.refused(this.used(now), msLeft);
  }

  async reset(key: string): Promise<void> {
    const { current } = this.window();
    await Promise.all([this.inner.reset(`${key}@${current - 1}`), this.inner.reset(`${key}@${current}`)]);
  }
}
