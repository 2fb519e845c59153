import { beforeEach, describe, expect, it } from "vitest";
import { MemoryRevocationBus } from "../../adapters/memory/revocation-bus.js";
import type { Session } from "../../domain/session.js";
import type { RevocationBus, RevocationListener } from "../ports/coordination.js";
import type { SessionRepository } from "../ports/sessions.js";
import type { Clock } from "../ports/time.js";
import { SessionStatusCache } from "./session-status.js";

// ---------------------------------------------------------------- fakes

const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const TTL_MS = 1000;
const DAY_MS = 24 * 3600_000;

class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** findById over a map; counts calls; can be made to fail or to hang until released. */
class FakeSessions implements Pick<SessionRepository, "findById"> {
  readonly rows = new Map<string, Session>();
  calls = 0;
  failWith: Error | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  async findById(id: string): Promise<Session | null> {
    this.calls += 1;
    // Read the row now (the snapshot a real query would see), answer later if gated.
    const snapshot = this.rows.get(id);
    const copy = snapshot ? { ...snapshot } : null;
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
class FakeBus implements RevocationBus {
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

let clock: FakeClock;
let sessions: FakeSessions;

beforeEach(() => {
  clock = new FakeClock(START);
  sessions = new FakeSessions();
});

async function cacheWith(bus: RevocationBus, maxEntries = 1000): Promise<SessionStatusCache> {
  const cache = new SessionStatusCache(sessions, bus, clock, { ttlMs: TTL_MS, maxEntries });
  await cache.start();
  return cache;
}

// ---------------------------------------------------------------- suite

describe("SessionStatusCache — caching a live session", () => {
  it("answers two checks within the TTL with one database read", async () => {
    sessions.add("s1");
    const cache = await cacheWith(new MemoryRevocationBus());
    expect(await cache.isLive("s1")).toBe(true);
    clock.advance(TTL_MS - 1);
    expect(await cache.isLive("s1")).toBe(true);
    expect(sessions.calls).toBe(1);
  });

  it("reads the database again once the TTL has passed", async () => {
    sessions.add("s1");
    const cache = await cacheWith(new MemoryRevocationBus());
    await cache.isLive("s1");
    clock.advance(TTL_MS);
    expect(await cache.isLive("s1")).toBe(true);
    expect(sessions.calls).toBe(2);
  });

  it("sees a revocation whose bus message was lost within one TTL (ValidateToken: within 1 s)", async () => {
    sessions.add("s1");
    const cache = await cacheWith(new MemoryRevocationBus());
    expect(await cache.isLive("s1")).toBe(true);
    sessions.revokeInDb("s1", START + 10); // another instance revoked; no message arrives
    clock.advance(TTL_MS);
    expect(await cache.isLive("s1")).toBe(false);
  });

  it("caches per session", async () => {
    sessions.add("s1");
    sessions.add("s2");
    const cache = await cacheWith(new MemoryRevocationBus());
    await cache.isLive("s1");
    await cache.isLive("s2");
    await cache.isLive("s1");
    await cache.isLive("s2");
    expect(sessions.calls).toBe(2);
  });
});

describe("SessionStatusCache — revocations", () => {
  it("answers false at once for a session revoked over the bus, without the database", async () => {
    sessions.add("s1");
    const bus = new MemoryRevocationBus();
    const cache = await cacheWith(bus);
    expect(await cache.isLive("s1")).toBe(true);
    await bus.publish(["s1"]);
    expect(await cache.isLive("s1")).toBe(false);
    expect(sessions.calls).toBe(1);
  });

  it("answers false for a session revoked over the bus before it was ever checked", async () => {
    sessions.add("s1"); // the database of this test still says live: the bus alone decides
    const bus = new MemoryRevocationBus();
    const cache = await cacheWith(bus);
    await bus.publish(["s1", "s2"]);
    expect(await cache.isLive("s1")).toBe(false);
    expect(await cache.isLive("s2")).toBe(false);
    expect(sessions.calls).toBe(0);
  });

  it("keeps a revocation however much time passes (it is permanent)", async () => {
    sessions.add("s1");
    const bus = new MemoryRevocationBus();
    const cache = await cacheWith(bus);
    await bus.publish(["s1"]);
    clock.advance(10 * TTL_MS);
    expect(await cache.isLive("s1")).toBe(false);
    expect(sessions.calls).toBe(0);
  });

  it("trusts markRevoked even when the bus is unhealthy", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    const cache = await cacheWith(bus);
    expect(await cache.isLive("s1")).toBe(true);
    bus.healthy = false;
    cache.markRevoked(["s1"]);
    expect(await cache.isLive("s1")).toBe(false);
    expect(sessions.calls).toBe(1);
  });

  it("no longer listens after stop()", async () => {
    sessions.add("s1");
    const bus = new MemoryRevocationBus();
    const cache = await cacheWith(bus);
    await cache.isLive("s1");
    await cache.stop();
    await bus.publish(["s1"]);
    expect(await cache.isLive("s1")).toBe(true); // still the cached answer
  });

  // BUG (src/application/session-status.ts, isLive, the `this.remember(...)` after the
  // database read): a database read that started BEFORE a revocation but resolves AFTER the
  // revocation was marked (markRevoked from this instance's Logout, or a bus message)
  // overwrites the cached "revoked" entry with its stale "live" answer. The session then
  // validates again for up to ttlMs, on the very instance that revoked it, contradicting the
  // class invariant "a cached 'revoked' is always trusted" (and security.md 17/36).
  // Fix: after the await, if the current entry for the id is `live: false`, keep it and
  // return false (never let remember() turn a revoked entry back into a live one).
  it("does not let an in-flight stale read undo a revocation marked meanwhile", async () => {
    sessions.add("s1");
    const bus = new MemoryRevocationBus();
    const cache = await cacheWith(bus);

    sessions.hold();
    const inFlight = cache.isLive("s1"); // reads "live" from the database...
    sessions.revokeInDb("s1", START);
    await bus.publish(["s1"]); // ...the revocation lands while the answer is in flight
    sessions.release();
    await inFlight; // (this call may answer either way: it started before the revocation)

    expect(await cache.isLive("s1")).toBe(false);
  });
});

describe("SessionStatusCache — unhealthy bus", () => {
  it("goes to the database for every check while the bus is unhealthy", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    bus.healthy = false;
    const cache = await cacheWith(bus);
    expect(await cache.isLive("s1")).toBe(true);
    expect(await cache.isLive("s1")).toBe(true);
    expect(await cache.isLive("s1")).toBe(true);
    expect(sessions.calls).toBe(3);
  });

  it("stops trusting a cached live entry as soon as the bus turns unhealthy", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    const cache = await cacheWith(bus);
    expect(await cache.isLive("s1")).toBe(true);
    sessions.revokeInDb("s1", START); // a revocation whose message this instance cannot get
    bus.healthy = false;
    expect(await cache.isLive("s1")).toBe(false);
    expect(sessions.calls).toBe(2);
  });

  it("caches again once the bus is healthy", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    bus.healthy = false;
    const cache = await cacheWith(bus);
    await cache.isLive("s1");
    await cache.isLive("s1");
    expect(sessions.calls).toBe(2);
    bus.healthy = true;
    // The last database answer is fresh (within the TTL), so the healthy bus lets it be reused.
    expect(await cache.isLive("s1")).toBe(true);
    expect(await cache.isLive("s1")).toBe(true);
    expect(sessions.calls).toBe(2);
    clock.advance(TTL_MS);
    await cache.isLive("s1");
    await cache.isLive("s1");
    expect(sessions.calls).toBe(3);
  });
});

describe("SessionStatusCache — failing closed", () => {
  it("throws when the database fails and nothing is cached", async () => {
    sessions.add("s1");
    sessions.failWith = new Error("connection refused");
    const cache = await cacheWith(new MemoryRevocationBus());
    await expect(cache.isLive("s1")).rejects.toThrow("connection refused");
  });

  it("throws when the database fails after the cached live answer went stale", async () => {
    sessions.add("s1");
    const cache = await cacheWith(new MemoryRevocationBus());
    expect(await cache.isLive("s1")).toBe(true);
    clock.advance(TTL_MS);
    sessions.failWith = new Error("connection refused");
    await expect(cache.isLive("s1")).rejects.toThrow();
  });

  it("throws when the database fails and the bus is unhealthy, even with a fresh live entry", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    const cache = await cacheWith(bus);
    expect(await cache.isLive("s1")).toBe(true);
    bus.healthy = false;
    sessions.failWith = new Error("connection refused");
    await expect(cache.isLive("s1")).rejects.toThrow();
  });

  it("answers false from a cached revocation when the database fails", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    const cache = await cacheWith(bus);
    cache.markRevoked(["s1"]);
    sessions.failWith = new Error("connection refused");
    bus.healthy = false;
    expect(await cache.isLive("s1")).toBe(false);
  });

  it("does not cache a failure as an answer", async () => {
    sessions.add("s1");
    const cache = await cacheWith(new MemoryRevocationBus());
    sessions.failWith = new Error("connection refused");
    await expect(cache.isLive("s1")).rejects.toThrow();
    sessions.failWith = null;
    expect(await cache.isLive("s1")).toBe(true);
  });
});

describe("SessionStatusCache — expiry and unknown sessions", () => {
  it("answers false for an expired session", async () => {
    sessions.add("s1", { expiresAt: new Date(START - 1) });
    const cache = await cacheWith(new MemoryRevocationBus());
    expect(await cache.isLive("s1")).toBe(false);
  });

  it("answers false for a session that expires while its live answer is cached", async () => {
    sessions.add("s1", { expiresAt: new Date(START + TTL_MS / 2) });
    const cache = await cacheWith(new MemoryRevocationBus());
    expect(await cache.isLive("s1")).toBe(true);
    clock.advance(TTL_MS / 2);
    expect(await cache.isLive("s1")).toBe(false);
    expect(sessions.calls).toBe(1);
  });

  it("answers false for a session revoked in the database", async () => {
    sessions.add("s1", { revokedAt: new Date(START - 1000), revokedReason: "logout" });
    const cache = await cacheWith(new MemoryRevocationBus());
    expect(await cache.isLive("s1")).toBe(false);
  });

  it("answers false for an unknown session", async () => {
    const cache = await cacheWith(new MemoryRevocationBus());
    expect(await cache.isLive("nope")).toBe(false);
  });
});

describe("SessionStatusCache — reset and bounds", () => {
  it("drops every cached answer on onReset (messages may have been missed)", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    const cache = await cacheWith(bus);
    await cache.isLive("s1");
    await cache.isLive("s1");
    expect(sessions.calls).toBe(1);
    bus.listener?.onReset();
    expect(await cache.isLive("s1")).toBe(true);
    expect(sessions.calls).toBe(2);
  });

  it("after onReset a revocation missed on the bus is read from the database", async () => {
    sessions.add("s1");
    const bus = new FakeBus();
    const cache = await cacheWith(bus);
    expect(await cache.isLive("s1")).toBe(true);
    sessions.revokeInDb("s1", START);
    bus.listener?.onReset();
    expect(await cache.isLive("s1")).toBe(false);
  });

  it("evicts the oldest entry beyond maxEntries", async () => {
    for (const id of ["a", "b", "c"]) sessions.add(id);
    const cache = await cacheWith(new MemoryRevocationBus(), 2);
    await cache.isLive("a");
    await cache.isLive("b");
    await cache.isLive("c"); // evicts "a"
    expect(sessions.calls).toBe(3);
    await cache.isLive("c");
    await cache.isLive("b");
    expect(sessions.calls).toBe(3); // b and c still cached
    await cache.isLive("a");
    expect(sessions.calls).toBe(4); // a was evicted
  });

  it("bounds revocation entries too", async () => {
    const cache = await cacheWith(new MemoryRevocationBus(), 2);
    sessions.add("x", { revokedAt: new Date(START), revokedReason: "logout" });
    cache.markRevoked(["x", "y", "z"]); // "x" is evicted from the cache...
    expect(await cache.isLive("y")).toBe(false);
    expect(await cache.isLive("z")).toBe(false);
    expect(sessions.calls).toBe(0);
    expect(await cache.isLive("x")).toBe(false); // ...and answered by the database
    expect(sessions.calls).toBe(1);
  });
});
