import type { QuotaConsumption, QuotaCounter } from "../../application/ports/quota.js";
import type { Clock } from "../../application/ports/time.js";

/**
 * The embedded default (no REDIS__URL): counts in this process only, so it is exact for ONE
 * instance. Several instances need Redis (adapters/redis/quota-counter.ts). Expired keys are
 * swept lazily, on the clock the keys were given.
 */
export class MemoryQuotaCounter implements QuotaCounter {
  private readonly counters = new Map<string, { used: number; expiresAt: number }>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock = { now: () => new Date() }) {}

  async consume(key: string, cost: number, limit: number | null, expiresAt: Date): Promise<QuotaConsumption> {
    const now = this.clock.now().getTime();
    this.sweep(now);
    const entry = this.live(key, now);
    const used = entry?.used ?? 0;
    if (limit !== null && used + cost > limit) return { allowed: false, used };
    const next = used + cost;
    this.counters.set(key, { used: next, expiresAt: expiresAt.getTime() });
    return { allowed: true, used: next };
  }

  async peek(key: string): Promise<number> {
    return this.live(key, this.clock.now().getTime())?.used ?? 0;
  }

  private live(key: string, now: number): { used: number; expiresAt: number } | undefined {
    const entry = this.counters.get(key);
    if (entry && entry.expiresAt <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
  }
}
