import type { RevocationBus } from "../ports/coordination.js";
import type { SessionStatusCache } from "./session-status.js";

/**
 * Tells every instance about sessions a committed transaction revoked. The local cache is
 * updated first and synchronously, so this instance never validates them again; the bus then
 * reaches the others. A failed publish is reported, not thrown: the revocation is already
 * committed, and other instances re-read the database within the cache TTL anyway.
 */
export class SessionRevoker {
  constructor(
    private readonly status: SessionStatusCache,
    private readonly bus: RevocationBus,
    private readonly reportError: (error: unknown, sessionIds: readonly string[]) => void,
  ) {}

  async announce(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    this.status.markRevoked(sessionIds);
    try {
      await this.bus.publish([...sessionIds]);
    } catch (error) {
      this.reportError(error, sessionIds);
    }
  }
}
