// Fakes shared by the session-status.*.test.ts files: a settable clock, a session store that
// counts its reads and can fail or hang, and a revocation bus whose health the test controls.
import type { Session } from "../../domain/session.js";
import type { RevocationBus, RevocationListener } from "../ports/coordination.js";
import type { SessionRepository, SessionStatus } from "../ports/sessions.js";
import type { Clock } from "../ports/time.js";

export const START = Date.UTC(2026, 0, 15, 12, 0, 0);
export const TTL_MS = 1000;
export const DAY_MS = 24 * 3600_000;

export class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** statusOf over a map; counts calls; can be made to fail or to hang until released. */
export class FakeSessions implements Pick<SessionRepository, "statusOf"> {
  readonly rows = new Map<string, Session>();
  calls = 0;
  failWith: Error | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  async statusOf(id: string): Promise<SessionStatus | null> {
    this.calls += 1;
    // Read the row now (the snapshot a real query would see), answer later if gated.
    const snapshot = this.rows.get(id);
    const copy = snapshot ? { expiresAt: snapshot.expiresAt, revokedAt: snapshot.revokedAt } : null;
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return copy;
  }

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }

  add(id: string, overrides: Partial<Session> = {}): Session {
    const session: Session = {
      id,
      userId: "user-1",
      deviceName: "phone",
      userAgent: "test",
      ipAddress: "203.0.113.7",
      authMethod: "password",
      createdAt: new Date(START),
      authenticatedAt: new Date(START),
      lastUsedAt: new Date(START),
      expiresAt: new Date(START + DAY_MS),
      revokedAt: null,
      revokedReason: null,
      ...overrides,
    };
    this.rows.set(id, session);
    return session;
  }

  revokeInDb(id: string, at: number): void {
    const row = this.rows.get(id);
    if (!row) throw new Error(`no session ${id}`);
    row.revokedAt = new Date(at);
    row.revokedReason = "logout";
  }
}

/** A bus whose health the test controls and whose listener the test can drive. */
export class FakeBus implements RevocationBus {
  healthy = true;
  listener: RevocationListener | null = null;
  async publish(sessionIds: string[]): Promise<void> {
    this.listener?.onRevoked([...sessionIds]);
  }
  async subscribe(listener: RevocationListener): Promise<() => Promise<void>> {
    this.listener = listener;
    return async () => {
      this.listener = null;
    };
  }
  isHealthy(): boolean {
    return this.healthy;
  }
  async close(): Promise<void> {}
}
