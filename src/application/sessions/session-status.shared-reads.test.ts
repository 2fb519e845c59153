import { beforeEach, describe, expect, it } from "vitest";
import { SessionStatusCache } from "./session-status.js";
import { FakeBus, FakeClock, FakeSessions, START, TTL_MS } from "./session-status-test-kit.js";

let clock: FakeClock;
let sessions: FakeSessions;
let bus: FakeBus;
let cache: SessionStatusCache;

beforeEach(async () => {
  clock = new FakeClock(START);
  sessions = new FakeSessions();
  bus = new FakeBus();
  cache = new SessionStatusCache(sessions, bus, clock, { ttlMs: TTL_MS, maxEntries: 1000 });
  await cache.start();
});

describe("SessionStatusCache — checks that miss together share one read", () => {
  it("answers 64 simultaneous checks of one session with one database read", async () => {
    sessions.add("s1");
    sessions.hold();
    const answers = Promise.all(Array.from({ length: 64 }, () => cache.isLive("s1")));
    sessions.release();
    expect(await answers).toEqual(Array(64).fill(true));
    expect(sessions.calls).toBe(1);
  });

  it("does not share a read between sessions", async () => {
    sessions.add("s1");
    sessions.add("s2", { revokedAt: new Date(START) });
    sessions.hold();
    const answers = Promise.all([cache.isLive("s1"), cache.isLive("s2"), cache.isLive("s1")]);
    sessions.release();
    expect(await answers).toEqual([true, false, true]);
    expect(sessions.calls).toBe(2);
  });

  it("never joins a read begun a TTL or more before the check: it reads again", async () => {
    sessions.add("s1");
    sessions.hold();
    const first = cache.isLive("s1");
    clock.advance(TTL_MS);
    sessions.revokeInDb("s1", START + TTL_MS - 1); // revoked after the first read's snapshot
    const second = cache.isLive("s1");
    sessions.release();
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(sessions.calls).toBe(2);
  });

  it("a revocation marked while the shared read is in flight wins for every check that shares it", async () => {
    sessions.add("s1");
    sessions.hold();
    const answers = Promise.all([cache.isLive("s1"), cache.isLive("s1")]);
    await bus.publish(["s1"]);
    sessions.release();
    expect(await answers).toEqual([false, false]);
    expect(sessions.calls).toBe(1);
  });

  it("shares nothing while the bus is unhealthy: each check reads the database", async () => {
    sessions.add("s1");
    bus.healthy = false;
    sessions.hold();
    const answers = Promise.all([cache.isLive("s1"), cache.isLive("s1"), cache.isLive("s1")]);
    sessions.release();
    expect(await answers).toEqual([true, true, true]);
    expect(sessions.calls).toBe(3);
  });

  it("drops a read in flight when the bus resubscribes (messages may have been lost)", async () => {
    sessions.add("s1");
    sessions.hold();
    const first = cache.isLive("s1");
    bus.listener?.onReset?.();
    const second = cache.isLive("s1");
    sessions.release();
    await Promise.all([first, second]);
    expect(sessions.calls).toBe(2);
  });

  it("a failed shared read fails every check that shares it, and the next check reads again", async () => {
    sessions.add("s1");
    sessions.failWith = new Error("database down");
    sessions.hold();
    const answers = Promise.allSettled([cache.isLive("s1"), cache.isLive("s1")]);
    sessions.release();
    expect((await answers).map((a) => a.status)).toEqual(["rejected", "rejected"]);
    sessions.failWith = null;
    expect(await cache.isLive("s1")).toBe(true);
    expect(sessions.calls).toBe(2);
  });
});
