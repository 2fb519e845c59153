import { describe, expect, it } from "vitest";
import { ManualClock, recordingBus } from "../../../test/support/fakes.js";
import { MemoryRevocationBus } from "../../adapters/memory/revocation-bus.js";
import { ApiKeyRevocations } from "./api-key-revocations.js";
import { ApiKeyStatusCache, type VerifiedApiKey } from "./api-key-status.js";

const key = (keyId: string, userId: string): VerifiedApiKey => ({ keyId, owner: { type: "user", userId }, scopes: [], plan: "free", expiresAt: null });

describe("ApiKeyStatusCache and ApiKeyRevocations", () => {
  it("a revocation announced on one cache drops the key from another on the same bus, keys and owners alike", async () => {
    const clock = new ManualClock();
    const bus = new MemoryRevocationBus();
    const here = new ApiKeyStatusCache(bus, clock, { ttlMs: 1000, maxEntries: 10 });
    const there = new ApiKeyStatusCache(bus, clock, { ttlMs: 1000, maxEntries: 10 });
    await here.start();
    await there.start();
    for (const c of [here, there]) {
      c.remember("h1", key("k1", "u1"), c.mark());
      c.remember("h2", key("k2", "u2"), c.mark());
      c.remember("h3", key("k3", "u2"), c.mark());
    }
    const revocations = new ApiKeyRevocations(here, bus, () => {});
    await revocations.announceKeys(["k1"]);
    expect([here.get("h1"), there.get("h1")]).toEqual([null, null]);
    expect(there.get("h2")).not.toBeNull();
    await revocations.announceOwner("u2");
    expect([there.get("h2"), there.get("h3"), here.get("h3")]).toEqual([null, null, null]);
    // Session ids on the same bus leave keys alone.
    there.remember("h4", key("k4", "u4"), there.mark());
    await bus.publish(["00000000-0000-7000-8000-000000000001"]);
    expect(there.get("h4")).not.toBeNull();
  });

  it("trusts an entry only within the TTL and while the bus is healthy", () => {
    const clock = new ManualClock();
    const bus = recordingBus();
    const cache = new ApiKeyStatusCache(bus, clock, { ttlMs: 1000, maxEntries: 10 });
    cache.remember("h", key("k", "u"), cache.mark());
    clock.advance(999);
    expect(cache.get("h")).not.toBeNull();
    clock.advance(1);
    expect(cache.get("h")).toBeNull();
    cache.remember("h", key("k", "u"), cache.mark());
    bus.healthy = false;
    expect(cache.get("h")).toBeNull();
    cache.remember("h", key("k", "u"), cache.mark());
    bus.healthy = true;
    expect(cache.get("h")).toBeNull();
  });

  it("a publish that fails is reported, and the local cache is dropped all the same", async () => {
    const clock = new ManualClock();
    const bus = { ...recordingBus(), publish: async () => Promise.reject(new Error("redis down")) };
    const cache = new ApiKeyStatusCache(bus, clock, { ttlMs: 1000, maxEntries: 10 });
    cache.remember("h", key("k", "u"), cache.mark());
    const errors: unknown[] = [];
    await new ApiKeyRevocations(cache, bus, (e) => errors.push(e)).announceKeys(["k"]);
    expect(cache.get("h")).toBeNull();
    expect(errors).toHaveLength(1);
  });
});
