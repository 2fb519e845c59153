import type { RevocationBus, RevocationListener } from "../../application/ports/coordination.js";

/**
 * The revocation bus for a single process (the embedded default). Delivery is synchronous:
 * by the time publish() resolves every listener has seen the ids, so there is no window in
 * which this process could still trust a revoked session. Nothing can be missed, so it is
 * healthy until closed and never calls onReset.
 */
export class MemoryRevocationBus implements RevocationBus {
  private readonly listeners = new Set<RevocationListener>();
  private closed = false;

  constructor(private readonly onError: (error: unknown) => void = () => {}) {}

  async publish(sessionIds: string[]): Promise<void> {
    if (this.closed) throw new Error("Revocation bus is closed");
    if (sessionIds.length === 0) return;
    // Listeners get their own copy: one of them mutating it must not change what the next sees.
    const ids = [...sessionIds];
    for (const listener of [...this.listeners]) {
      try {
        listener.onRevoked([...ids]);
      } catch (error) {
        // One failing listener must not keep the revocation from the others.
        this.onError(error);
      }
    }
  }

  async subscribe(listener: RevocationListener): Promise<() => Promise<void>> {
    if (this.closed) throw new Error("Revocation bus is closed");
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }

  isHealthy(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}
