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
