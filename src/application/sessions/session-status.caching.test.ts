import { beforeEach, describe, expect, it } from "vitest";
import { MemoryRevocationBus } from "../../adapters/memory/revocation-bus.js";
import type { RevocationBus } from "../ports/coordination.js";
import { SessionStatusCache } from "./session-status.js";
import { FakeBus, FakeClock, FakeSessions, START, TTL_MS } from "./session-status-test-kit.js";

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
