import type { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRevocationBus } from "../../src/adapters/memory/revocation-bus.js";
import { closeRedis, createRedis, pingRedis } from "../../src/adapters/redis/connection.js";
import { RedisRevocationBus } from "../../src/adapters/redis/revocation-bus.js";
import type { RevocationBus, RevocationListener } from "../../src/application/ports/coordination.js";
import { closedPort, waitUntil } from "../support/net.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";

/** Two buses on one transport: two "processes" (the same bus twice for the in-process one). */
interface BusPair {
  a: RevocationBus;
  b: RevocationBus;
}

interface BusFactory {
  name: string;
  create(): Promise<BusPair>;
}

class RecordingListener implements RevocationListener {
  readonly batches: string[][] = [];
  resets = 0;
  onRevoked(sessionIds: string[]): void {
    this.batches.push(sessionIds);
  }
  onReset(): void {
    this.resets += 1;
  }
  has(id: string): boolean {
    return this.batches.some((batch) => batch.includes(id));
  }
}

const redisUrl = await redisUrlForTests();

const factories: BusFactory[] = [
  {
    name: "memory",
    async create() {
      const bus = new MemoryRevocationBus();
      return { a: bus, b: bus };
    },
  },
];
if (redisUrl) {
  factories.push({
    name: "redis",
    async create() {
      const channel = uniqueTestId("revoked");
      return {
        a: new RedisRevocationBus(redisUrl, { channel, name: `${channel}-a` }),
        b: new RedisRevocationBus(redisUrl, { channel, name: `${channel}-b` }),
      };
    },
  });
}

/** The contract every RevocationBus adapter must meet. */
function revocationBusContract(factory: BusFactory): void {
  let pair: BusPair;
  const open: RevocationBus[] = [];

  async function setup(): Promise<BusPair> {
    pair = await factory.create();
    open.push(pair.a, pair.b);
    return pair;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });

  it("delivers a published id to every subscriber on every instance, within 1 s", async () => {
    const { a, b } = await setup();
    const onA = new RecordingListener();
    const onB1 = new RecordingListener();
    const onB2 = new RecordingListener();
    await a.subscribe(onA);
    await b.subscribe(onB1);
    await b.subscribe(onB2);
    expect(a.isHealthy()).toBe(true);
    expect(b.isHealthy()).toBe(true);

    const started = Date.now();
    await a.publish(["s-1", "s-2"]);
    await waitUntil(() => [onA, onB1, onB2].every((l) => l.has("s-2")), 1000);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const listener of [onA, onB1, onB2]) expect(listener.batches).toEqual([["s-1", "s-2"]]);
  });

  it("stops delivering to a listener once it unsubscribed", async () => {
    const { a, b } = await setup();
    const gone = new RecordingListener();
    const stays = new RecordingListener();
    const unsubscribe = await b.subscribe(gone);
    await b.subscribe(stays);
    await unsubscribe();

    await a.publish(["after-unsubscribe"]);
    // Delivery to `stays` proves the message went round; `gone` must not have seen it.
    await waitUntil(() => stays.has("after-unsubscribe"), 1000);
    expect(gone.batches).toEqual([]);
  });

  it("treats publishing no ids as a no-op", async () => {
    const { a, b } = await setup();
    const listener = new RecordingListener();
    await b.subscribe(listener);

    await a.publish([]);
    await a.publish(["marker"]);
    await waitUntil(() => listener.has("marker"), 1000);
    expect(listener.batches).toEqual([["marker"]]);
  });

  it("keeps delivering to others when one listener throws", async () => {
    const { a, b } = await setup();
    const listener = new RecordingListener();
    await b.subscribe({
      onRevoked: () => {
        throw new Error("listener bug");
      },
      onReset: () => {},
    });
    await b.subscribe(listener);

    await a.publish(["s-x"]);
    await waitUntil(() => listener.has("s-x"), 1000);
  });

  it("is unhealthy and refuses to publish once closed", async () => {
    const { a } = await setup();
    await a.close();
    expect(a.isHealthy()).toBe(false);
    await expect(a.publish(["s-1"])).rejects.toThrow();
  });
}

describe.each(factories)("RevocationBus contract: $name", (factory) => {
  revocationBusContract(factory);
});

describe.skipIf(!redisUrl)("RedisRevocationBus faults", () => {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  async function killClient(admin: Redis, name: string): Promise<void> {
    const list = (await admin.client("LIST")) as string;
    const line = list.split("\n").find((l) => l.includes(` name=${name} `));
    const id = line?.match(/\bid=(\d+)/)?.[1];
    if (!id) throw new Error(`no client named ${name}`);
    await admin.client("KILL", "ID", id);
  }

  it("reports unhealthy while the subscriber is disconnected, then resets listeners once resubscribed", async () => {
    const channel = uniqueTestId("revoked");
    const admin = createRedis(redisUrl!, { name: `${channel}-admin` });
    open.push({ close: () => closeRedis(admin) });
    await pingRedis(admin);
    const bus = new RedisRevocationBus(redisUrl!, { channel, name: channel });
    open.push(bus);
    const listener = new RecordingListener();
    await bus.subscribe(listener);
    expect(bus.isHealthy()).toBe(true);
    const resetsBefore = listener.resets;

    await killClient(admin, `${channel}:sub`);
    // Messages published now could be lost: a cache must stop trusting itself at once.
    await waitUntil(() => !bus.isHealthy(), 1000, 1);
    await waitUntil(() => bus.isHealthy(), 3000);
    expect(listener.resets).toBeGreaterThan(resetsBefore);

    // Delivery works again after the reconnect.
    await bus.publish(["after-reconnect"]);
    await waitUntil(() => listener.has("after-reconnect"), 1000);
  });

  it("fails a publish fast when Redis cannot be reached, and never reports healthy", async () => {
    const port = await closedPort();
    const bus = new RedisRevocationBus(`redis://127.0.0.1:${port}`, { subscribeWaitMs: 200 });
    open.push(bus);
    const listener = new RecordingListener();

    let started = Date.now();
    await bus.subscribe(listener);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(bus.isHealthy()).toBe(false);

    started = Date.now();
    await expect(bus.publish(["s-1"])).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(bus.isHealthy()).toBe(false);
  });

  it("resets listeners instead of delivering a payload it cannot read", async () => {
    const channel = uniqueTestId("revoked");
    const bus = new RedisRevocationBus(redisUrl!, { channel, name: channel });
    const raw = createRedis(redisUrl!, { name: `${channel}-raw` });
    open.push(bus, { close: () => closeRedis(raw) });
    await pingRedis(raw);
    const listener = new RecordingListener();
    await bus.subscribe(listener);
    const resetsBefore = listener.resets;

    // Someone else on the channel sends something we cannot parse: drop caches, deliver nothing.
    await raw.publish(channel, "not json");
    await raw.publish(channel, JSON.stringify([42]));
    await waitUntil(() => listener.resets >= resetsBefore + 2, 1000);
    expect(listener.batches).toEqual([]);
  });
});
