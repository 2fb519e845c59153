import type { FlowStore } from "../../application/ports/coordination.js";
import type { Clock } from "../../application/ports/time.js";

/**
 * The embedded default (no REDIS__URL): single-use records in this process, so a flow must be
 * finished on the instance that started it. Expiry follows the injected clock; expired records
 * are swept lazily.
 */
export class MemoryFlowStore implements FlowStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private lastSweep = 0;

  constructor(private readonly clock: Clock = { now: () => new Date() }) {}

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    const now = this.clock.now().getTime();
    this.sweep(now);
    this.entries.set(key, { value, expiresAt: now + ttlSeconds * 1000 });
  }

  async take(key: string): Promise<string | null> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    if (!entry || entry.expiresAt <= this.clock.now().getTime()) return null;
    return entry.value;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
