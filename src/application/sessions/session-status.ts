import type { RevocationBus } from "../ports/coordination.js";
import type { SessionRepository, SessionStatus } from "../ports/sessions.js";
import type { Clock } from "../ports/time.js";

interface Entry {
  live: boolean;
  expiresAt: number;
  checkedAt: number;
}

/** A database read in progress, shared by the checks of the same session that arrive meanwhile. */
interface Flight {
  startedAt: number;
  read: Promise<SessionStatus | null>;
}

/**
 * Answers "is this session still live?" for every authenticated call and ValidateToken.
 *
 * The database is the source of truth. A "live" answer is cached for at most `ttlMs` (default
 * 1 s) and only while the revocation bus is healthy; a revocation on any instance evicts it at
 * once through the bus. So a revocation is seen everywhere within one second even if a bus
 * message is lost, and when neither the cache nor the database can answer the check throws
 * (fail closed): a revoked session never validates.
 *
 * Checks of one session that miss the cache together share one database read (64 calls in
 * flight on one token would otherwise all read when its entry expires), but only a read started
 * less than `ttlMs` before them and only while the bus is healthy: an answer is never older
 * than the cache itself may keep one.
 */
export class SessionStatusCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Flight>();
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    private readonly sessions: Pick<SessionRepository, "statusOf">,
    private readonly bus: RevocationBus,
    private readonly clock: Clock,
    private readonly options: { ttlMs: number; maxEntries: number },
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe({
      onRevoked: (ids) => this.markRevoked(ids),
      onReset: () => {
        // Messages may have been lost: neither what was cached nor a read begun before counts.
        this.entries.clear();
        this.flights.clear();
      },
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
    const healthy = this.bus.isHealthy();
    if (cached && healthy && now - cached.checkedAt < this.options.ttlMs) {
      return cached.expiresAt > now;
    }
    const flight = this.read(sessionId, now, healthy);
    const status = await flight.read;
    // A revocation marked while this read was in flight wins over what the read saw.
    if (this.entries.get(sessionId)?.live === false) return false;
    // isSessionLive's rule, on the two columns it needs.
    const live = status !== null && status.revokedAt === null && status.expiresAt.getTime() > now;
    // Dated from when the read began: the cached answer is never trusted past ttlMs from there.
    this.remember(sessionId, { live, expiresAt: status?.expiresAt.getTime() ?? 0, checkedAt: flight.startedAt });
    return live;
  }

  /** The read in flight for this session if it may be shared, else a new one (shared only while the bus is healthy). */
  private read(sessionId: string, now: number, healthy: boolean): Flight {
    const current = this.flights.get(sessionId);
    if (healthy && current && now - current.startedAt < this.options.ttlMs) return current;
    const flight: Flight = { startedAt: now, read: this.sessions.statusOf(sessionId) };
    if (!healthy) return flight;
    this.flights.set(sessionId, flight);
    const done = () => {
      if (this.flights.get(sessionId) === flight) this.flights.delete(sessionId);
    };
    flight.read.then(done, done);
    return flight;
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
