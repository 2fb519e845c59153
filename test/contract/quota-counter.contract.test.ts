/**
 * The QuotaCounter contract, on the in-process counter and on Redis: check and count are one
 * step (exactly N of M parallel consumes pass), a refused call uses nothing, unlimited never
 * refuses, a new day's key starts at 0, and Redis unreachable → DependencyUnavailableError.
 */
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryQuotaCounter } from "../../src/adapters/memory/quota-counter.js";
import { closeRedis, createRedis, pingRedis } from "../../src/adapters/redis/connection.js";
import { RedisQuotaCounter } from "../../src/adapters/redis/quota-counter.js";
import type { QuotaCounter } from "../../src/application/ports/quota.js";
import { DependencyUnavailableError } from "../../src/domain/errors.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";
import { startTcpProxy } from "../support/tcp-proxy.js";

const redisUrl = await redisUrlForTests();
const opened: Redis[] = [];
afterAll(async () => {
  await Promise.all(opened.map((r) => closeRedis(r)));
});

async function redisCounter(url: string, autoPipelining = false): Promise<QuotaCounter> {
  const redis = createRedis(url, { name: "quota-contract", autoPipelining });
  opened.push(redis);
  await pingRedis(redis);
  return new RedisQuotaCounter(redis);
}

const factories: Array<{ name: string; skip: boolean; create(): Promise<{ a: QuotaCounter; b: QuotaCounter }> }> = [
  {
    name: "memory",
    skip: false,
    async create() {
      const c = new MemoryQuotaCounter();
      return { a: c, b: c };
    },
  },
  {
    name: "redis (two connections, one auto-pipelined as the service uses it)",
    skip: !redisUrl,
    async create() {
      return { a: await redisCounter(redisUrl!), b: await redisCounter(redisUrl!, true) };
    },
  },
];

const tomorrow = () => new Date(Date.now() + 86_400_000);

for (const f of factories) {
  describe.skipIf(f.skip)(`QuotaCounter contract: ${f.name}`, () => {
    const key = (label: string) => `${uniqueTestId("quota")}:quota:2026-01-01:${label}:svc`;

    it("exactly N of M parallel consumes are allowed, across two clients", async () => {
      const { a, b } = await f.create();
      const k = key("race");
      const results = await Promise.all(Array.from({ length: 80 }, (_, i) => (i % 2 ? a : b).consume(k, 1, 50, tomorrow())));
      expect(results.filter((r) => r.allowed)).toHaveLength(50);
      expect(results.filter((r) => !r.allowed)).toHaveLength(30);
      expect(await a.peek(k)).toBe(50);
      expect(Math.max(...results.map((r) => r.used))).toBe(50);
    });

    it("a refused call uses nothing; a cost that does not fit is refused whole", async () => {
      const { a } = await f.create();
      const k = key("refuse");
      expect(await a.consume(k, 3, 5, tomorrow())).toEqual({ allowed: true, used: 3 });
      expect(await a.consume(k, 3, 5, tomorrow())).toEqual({ allowed: false, used: 3 });
      expect(await a.peek(k)).toBe(3);
      expect(await a.consume(k, 2, 5, tomorrow())).toEqual({ allowed: true, used: 5 });
      expect(await a.consume(k, 1, 5, tomorrow())).toEqual({ allowed: false, used: 5 });
      // A higher limit (plan change) lets the next call through from the same count.
      expect(await a.consume(k, 1, 1000, tomorrow())).toEqual({ allowed: true, used: 6 });
    });

    it("unlimited counts and never refuses", async () => {
      const { a } = await f.create();
      const k = key("unlimited");
      const results = await Promise.all(Array.from({ length: 200 }, () => a.consume(k, 1, null, tomorrow())));
      expect(results.every((r) => r.allowed)).toBe(true);
      expect(await a.peek(k)).toBe(200);
    });

    it("a new day's key starts at 0; an unknown key peeks 0", async () => {
      const { a } = await f.create();
      const prefix = uniqueTestId("quota");
      await a.consume(`${prefix}:quota:2026-01-01:u:svc`, 1, 1, tomorrow());
      expect((await a.consume(`${prefix}:quota:2026-01-01:u:svc`, 1, 1, tomorrow())).allowed).toBe(false);
      expect(await a.consume(`${prefix}:quota:2026-01-02:u:svc`, 1, 1, tomorrow())).toEqual({ allowed: true, used: 1 });
      expect(await a.peek(`${prefix}:quota:2026-01-03:u:svc`)).toBe(0);
    });
  });
}

describe.skipIf(!redisUrl)("RedisQuotaCounter specifics", () => {
  it("sets the expiry on the first count (never a key without TTL)", async () => {
    const redis = createRedis(redisUrl!, { name: "quota-contract-ttl" });
    opened.push(redis);
    await pingRedis(redis);
    const counter = new RedisQuotaCounter(redis);
    const k = `${uniqueTestId("quota")}:ttl`;
    const at = new Date(Date.now() + 3_600_000);
    await counter.consume(k, 1, 10, at);
    const ttl = await redis.pexpiretime(k);
    expect(ttl).toBe(at.getTime());
    // Refused calls write nothing, not even the TTL.
    const k2 = `${uniqueTestId("quota")}:ttl-refused`;
    expect((await counter.consume(k2, 5, 1, at)).allowed).toBe(false);
    expect(await redis.exists(k2)).toBe(0);
  });

  it("Redis unreachable → DependencyUnavailableError, never an allow; back → works", async () => {
    const { hostname, port } = new URL(redisUrl!);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 6379) });
    try {
      const redis = createRedis(proxy.rewriteUrl(redisUrl!), { name: "quota-contract-down", commandTimeoutMs: 500, autoPipelining: true });
      opened.push(redis);
      await pingRedis(redis);
      const counter = new RedisQuotaCounter(redis);
      const k = `${uniqueTestId("quota")}:down`;
      expect((await counter.consume(k, 1, 10, tomorrow())).allowed).toBe(true);
      proxy.down();
      await expect(counter.consume(k, 1, 10, tomorrow())).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(counter.peek(k)).rejects.toBeInstanceOf(DependencyUnavailableError);
      proxy.up();
      await pingRedis(redis, 5000);
      expect(await counter.consume(k, 1, 10, tomorrow())).toEqual({ allowed: true, used: 2 });
    } finally {
      proxy.up();
      await proxy.close();
    }
  });
});
