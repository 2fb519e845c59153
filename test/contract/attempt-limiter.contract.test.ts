import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AttemptLimiterOptions, memoryAttemptLimiter, redisAttemptLimiter } from "../../src/adapters/rate-limit/attempt-limiter.js";
import { closeRedis, createRedis, pingRedis } from "../../src/adapters/redis/connection.js";
import type { AttemptLimiter } from "../../src/application/ports/coordination.js";
import { closedPort } from "../support/net.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";

type Limits = Omit<AttemptLimiterOptions, "keyPrefix">;

interface LimiterFactory {
  name: string;
  /** A limiter with a key prefix of its own, so tests (and parallel runs) never share counters. */
  create(limits: Limits): AttemptLimiter;
}

const redisUrl = await redisUrlForTests();
let redis: Redis | undefined;

beforeAll(async () => {
  if (!redisUrl) return;
  redis = createRedis(redisUrl, { name: uniqueTestId("limiter") });
  await pingRedis(redis);
});

afterAll(async () => {
  if (redis) await closeRedis(redis);
});

const factories: LimiterFactory[] = [{ name: "memory", create: (limits) => memoryAttemptLimiter({ keyPrefix: uniqueTestId("rl"), ...limits }) }];
if (redisUrl) {
  factories.push({
    name: "redis",
    create: (limits) => redisAttemptLimiter(redis!, { keyPrefix: uniqueTestId("rl"), ...limits }),
  });
}

async function consumeTimes(limiter: AttemptLimiter, key: string, times: number) {
  const states = [];
  for (let i = 0; i < times; i++) states.push(await limiter.consume(key));
  return states;
}

/** The contract every AttemptLimiter adapter must meet. */
function attemptLimiterContract(factory: LimiterFactory): void {
  it("counts down remaining with each attempt", async () => {
    const limiter = factory.create({ points: 3, durationSeconds: 60 });
    const states = await consumeTimes(limiter, "k", 3);
    expect(states).toEqual([
      { allowed: true, remaining: 2, retryAfterSeconds: 0 },
      { allowed: true, remaining: 1, retryAfterSeconds: 0 },
      { allowed: true, remaining: 0, retryAfterSeconds: 0 },
    ]);
  });

  it("refuses the attempt after the last point, with a retry-after", async () => {
    const limiter = factory.create({ points: 3, durationSeconds: 60 });
    await consumeTimes(limiter, "k", 3);
    const refused = await limiter.consume("k");
    expect(refused.allowed).toBe(false);
    expect(refused.remaining).toBe(0);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Once the points are spent a peek says the next attempt would be refused.
    const peeked = await limiter.peek("k");
    expect(peeked.allowed).toBe(false);
    expect(peeked.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("counts multi-point attempts", async () => {
    const limiter = factory.create({ points: 5, durationSeconds: 60 });
    expect(await limiter.consume("k", 3)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.consume("k", 3)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it("blocks a key that went over the limit, and attempts while blocked do not extend the block", async () => {
    const limiter = factory.create({ points: 2, durationSeconds: 5, blockSeconds: 600 });
    await consumeTimes(limiter, "k", 2);
    const crossing = await limiter.consume("k");
    expect(crossing.allowed).toBe(false);
    // The block, not the 5 s window, decides when the key is free again.
    expect(crossing.retryAfterSeconds).toBeGreaterThan(5);

    const peeked = await limiter.peek("k");
    expect(peeked).toMatchObject({ allowed: false, remaining: 0 });
    expect(peeked.retryAfterSeconds).toBeGreaterThan(5);

    // security.md 12: an attempt while locked must not push the lock further out.
    const whileBlocked = await limiter.consume("k");
    expect(whileBlocked.allowed).toBe(false);
    expect(whileBlocked.retryAfterSeconds).toBeLessThanOrEqual(crossing.retryAfterSeconds);
    expect((await limiter.peek("k")).retryAfterSeconds).toBeLessThanOrEqual(crossing.retryAfterSeconds);
  });

  it("peeks without counting", async () => {
    const limiter = factory.create({ points: 3, durationSeconds: 60 });
    expect(await limiter.peek("k")).toEqual({ allowed: true, remaining: 3, retryAfterSeconds: 0 });
    await limiter.consume("k");
    for (let i = 0; i < 5; i++) {
      expect(await limiter.peek("k")).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    }
    expect(await limiter.consume("k")).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("reset clears the count and the block", async () => {
    const limiter = factory.create({ points: 2, durationSeconds: 60, blockSeconds: 600 });
    await consumeTimes(limiter, "k", 3);
    expect((await limiter.peek("k")).allowed).toBe(false);
    await limiter.reset("k");
    expect(await limiter.peek("k")).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    expect(await limiter.consume("k")).toMatchObject({ allowed: true, remaining: 1 });
    await limiter.reset("never-seen");
  });

  it("keeps keys independent", async () => {
    const limiter = factory.create({ points: 2, durationSeconds: 60 });
    await consumeTimes(limiter, "a", 3);
    expect((await limiter.peek("a")).allowed).toBe(false);
    expect(await limiter.peek("b")).toEqual({ allowed: true, remaining: 2, retryAfterSeconds: 0 });
    expect(await limiter.consume("b")).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("allows exactly `points` of 20 concurrent attempts (atomic counting)", async () => {
    const limiter = factory.create({ points: 10, durationSeconds: 60 });
    const states = await Promise.all(Array.from({ length: 20 }, () => limiter.consume("k")));
    expect(states.filter((s) => s.allowed)).toHaveLength(10);
    const remaining = states
      .filter((s) => s.allowed)
      .map((s) => s.remaining)
      .sort((x, y) => x - y);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
}

describe.each(factories)("AttemptLimiter contract: $name", (factory) => {
  attemptLimiterContract(factory);
});

describe.skipIf(!redisUrl)("redisAttemptLimiter", () => {
  it("shares counts between instances (two processes, one Redis)", async () => {
    const other = createRedis(redisUrl!, { name: uniqueTestId("limiter-b") });
    try {
      await pingRedis(other);
      const opts = { keyPrefix: uniqueTestId("rl"), points: 5, durationSeconds: 60 };
      const first = redisAttemptLimiter(redis!, opts);
      const second = redisAttemptLimiter(other, opts);
      await consumeTimes(first, "acct", 3);
      expect(await second.consume("acct")).toMatchObject({ allowed: true, remaining: 1 });
      expect((await first.peek("acct")).remaining).toBe(1);
      await second.reset("acct");
      expect((await first.peek("acct")).remaining).toBe(5);
    } finally {
      await closeRedis(other);
    }
  });

  // security.md 36: with Redis down, throttling still holds the per-account bound (per process).
  const unreachableClients: Array<[string, (port: number) => Redis]> = [
    ["createRedis (no offline queue)", (port) => createRedis(`redis://127.0.0.1:${port}`)],
    // A client that would queue commands until Redis returns must not stall the limiter either.
    [
      "a default ioredis client",
      (port) => {
        const client = new Redis(port, "127.0.0.1");
        client.on("error", () => {});
        return client;
      },
    ],
  ];

  it.each(unreachableClients)("holds the bound with Redis down, via the insurance limiter: %s", async (_, connect) => {
    const down = connect(await closedPort());
    try {
      const limiter = redisAttemptLimiter(down, {
        keyPrefix: uniqueTestId("rl"),
        points: 10,
        durationSeconds: 3600,
        blockSeconds: 900,
      });
      const started = Date.now();
      const states = await consumeTimes(limiter, "acct", 11);
      expect(states.slice(0, 10).every((s) => s.allowed)).toBe(true);
      expect(states[10]).toMatchObject({ allowed: false, remaining: 0 });
      expect(states[10]!.retryAfterSeconds).toBeGreaterThan(0);
      expect(await limiter.peek("acct")).toMatchObject({ allowed: false, remaining: 0 });
      expect(await limiter.peek("other")).toMatchObject({ allowed: true, remaining: 10 });

      await limiter.reset("acct");
      expect(await limiter.peek("acct")).toMatchObject({ allowed: true, remaining: 10 });
      // Every answer came from the insurance limiter at once, not after connection retries.
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      down.disconnect();
    }
  });
});
