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
