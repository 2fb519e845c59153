import type { ApiKeyRepository } from "../ports/api-keys.js";
import type { Clock } from "../ports/time.js";

/**
 * `last_used_at` without a write per validation: uses are collected in memory and written by
 * `flush()` (a timer in the composition root, and once more at shutdown) as one statement,
 * at most once per key per `minIntervalMs` (a minute) on the injected clock.
 */
export class ApiKeyUsage {
  private pending = new Set<string>();
  /** When each key's use was last written (epoch ms). */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly keys: Pick<ApiKeyRepository, "touch">,
    private readonly clock: Clock,
    private readonly options: { minIntervalMs: number; maxPending: number } = { minIntervalMs: 60_000, maxPending: 100_000 },
  ) {}

  /** A key was used: cheap, synchronous, no I/O. */
  record(keyId: string): void {
    const last = this.written.get(keyId);
    if (last !== undefined && this.clock.now().getTime() - last < this.options.minIntervalMs) return;
    if (this.pending.size < this.options.maxPending) this.pending.add(keyId);
  }

  /** Writes the uses collected since the last flush; the number of keys written. */
  async flush(): Promise<number> {
    if (this.pending.size === 0) return 0;
    const ids = [...this.pending];
    this.pending = new Set();
    const now = this.clock.now();
    for (const [id, at] of this.written) if (now.getTime() - at >= this.options.minIntervalMs) this.written.delete(id);
    // Marked written before the write: a failing database is not retried more than once a minute per key.
    for (const id of ids) this.written.set(id, now.getTime());
    await this.keys.touch(ids, now);
    return ids.length;
  }
}
