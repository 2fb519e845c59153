/**
 * The FlowStore contract (OAuth state, WebAuthn challenges), in-process and on Redis: a record is
 * taken once (of many concurrent takes, exactly one gets it, also across two connections), it
 * expires after its TTL, a put replaces, and Redis unreachable → DependencyUnavailableError.
 */
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryFlowStore } from "../../src/adapters/memory/flow-store.js";
import { closeRedis, createRedis, pingRedis } from "../../src/adapters/redis/connection.js";
import { RedisFlowStore } from "../../src/adapters/redis/flow-store.js";
import type { FlowStore } from "../../src/application/ports/coordination.js";
import { DependencyUnavailableError } from "../../src/domain/errors.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";

const redisUrl = await redisUrlForTests();
const opened: Redis[] = [];
afterAll(async () => {
  await Promise.all(opened.map((r) => closeRedis(r)));
});

function redisStore(url: string, prefix: string): RedisFlowStore {
  const redis = createRedis(url, { name: "flow-contract", commandTimeoutMs: 500 });
  opened.push(redis);
  return new RedisFlowStore(redis, { keyPrefix: prefix });
}

/** Time moved by the test: the memory store follows the injected clock; Redis follows its own. */
interface Fixture {
  a: FlowStore;
  b: FlowStore;
  expire(ttlSeconds: number): Promise<void>;
}

const factories: Array<{ name: string; skip: boolean; create(): Promise<Fixture> }> = [
  {
    name: "memory",
    skip: false,
    async create() {
      let now = Date.parse("2026-01-01T00:00:00Z");
      const store = new MemoryFlowStore({ now: () => new Date(now) });
      return {
        a: store,
        b: store,
        expire: async (ttl) => {
          now += ttl * 1000 + 1;
        },
      };
    },
  },
  {
    name: "redis (two connections)",
    skip: !redisUrl,
    async create() {
      const prefix = `${uniqueTestId("flow")}:`;
      const a = redisStore(redisUrl!, prefix);
      const b = redisStore(redisUrl!, prefix);
      await Promise.all(opened.slice(-2).map((r) => pingRedis(r)));
      return { a, b, expire: (ttl) => new Promise((r) => setTimeout(r, ttl * 1000 + 150)) };
    },
  },
];

for (const f of factories) {
  describe.skipIf(f.skip)(`FlowStore contract: ${f.name}`, () => {
    it("a record is taken once: of 20 concurrent takes across two clients exactly one gets the value", async () => {
      const { a, b } = await f.create();
      await a.put("state-1", '{"provider":"google"}', 600);
      const taken = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).take("state-1")));
      expect(taken.filter((v) => v !== null)).toEqual(['{"provider":"google"}']);
      expect(await a.take("state-1")).toBeNull();
    });

    it("unknown keys are null; a put replaces the value; keys do not mix", async () => {
      const { a, b } = await f.create();
      expect(await a.take("never-put")).toBeNull();
      await a.put("k1", "one", 600);
      await a.put("k1", "two", 600);
      await a.put("k2", "other", 600);
      expect(await b.take("k1")).toBe("two");
      expect(await b.take("k2")).toBe("other");
    });

    it("a record expires after its TTL", async () => {
      const { a, expire } = await f.create();
      await a.put("short", "v", 1);
      await a.put("long", "w", 600);
      await expire(1);
      expect(await a.take("short")).toBeNull();
      expect(await a.take("long")).toBe("w");
    });
  });
}

describe.skipIf(!redisUrl)("FlowStore on Redis: unreachable", () => {
  it("put and take answer DependencyUnavailableError, never a value", async () => {
    const redis = createRedis("redis://127.0.0.1:1", { name: "flow-down", commandTimeoutMs: 200 });
    opened.push(redis);
    const store = new RedisFlowStore(redis);
    await expect(store.put("k", "v", 10)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(store.take("k")).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
