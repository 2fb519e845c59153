import { isSessionLive } from "../../domain/session.js";
import type { RevocationBus } from "../ports/coordination.js";
import type { SessionRepository } from "../ports/sessions.js";
import type { Clock } from "../ports/time.js";

interface Entry {
  live: boolean;
  expiresAt: number;
  checkedAt: number;
}

/**
 * Answers "is this session still live?" for every authenticated call and ValidateToken.
 *
 * The database is the source of truth. A "live" answer is cached for at most `ttlMs` (default
 * 1 s) and only while the revocation bus is healthy; a revocation on any instance evicts it at
 * once through the bus. So a revocation is seen everywhere within one second even if a bus
 * message is lost, and when neither the cache nor the database can answer the check throws
 * (fail closed): a revoked session never validates.
 */
export class SessionStatusCache {
  private readonly entries = new Map<string, Entry>();
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    private readonly sessions: Pick<SessionRepository, "findById">,
    private readonly bus: RevocationBus,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxEntries: number },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe({
      onRevoked: (ids) => this.markRevoked(ids),
      onReset: () => this.entries.clear(),
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Throws when the database cannot be reached and nothing trustworthy is cached. */
  async isLive(sessionId: string): Promise<boolean> {
    const now = this.clock.now().getTime();
    const cached = this.entries.get(sessionId);
    // A revocation is permanent, so a cached "revoked" is always trusted.
    if (cached && !cached.live) return false;
    if (cached && this.bus.isHealthy() && now - cached.checkedAt < this.options.ttlMs) {
      return cached.expiresAt > now;
    }
    const session = await this.sessions.findById(sessionId);
    // A revocation marked while this read was in flight wins over what the read saw.
    if (this.entries.get(sessionId)?.live === false) return false;
    const live = session !== null && isSessionLive(session, new Date(now));
    this.remember(sessionId, { live, expiresAt: session?.expiresAt.getTime() ?? 0, checkedAt: now });
    return live;
  }

  /** Called for revocations made here (at once) and for those arriving over the bus. */
  markRevoked(sessionIds: readonly string[]): void {
    const now = this.clock.now().getTime();
    for (const id of sessionIds) this.remember(id, { live: false, expiresAt: 0, checkedAt: now });
  }

  private remember(id: string, entry: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
    // Map keeps insertion order: the first key is the least recently checked.
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
