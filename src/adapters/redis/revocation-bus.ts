import type { Redis } from "ioredis";
import type { RevocationBus, RevocationListener } from "../../application/ports/coordination.js";
import { closeRedis, createRedis, waitForRedis } from "./connection.js";

const REVOCATION_CHANNEL = "auth:v1:session-revoked";

export interface RedisRevocationBusOptions {
  /** Defaults to `auth:v1:session-revoked`; tests pass a unique one. */
  channel?: string;
  /** Connection-name prefix: the connections are named `<name>:pub` and `<name>:sub`. */
  name?: string;
  /** Connection errors and listener exceptions; neither may stop delivery to other listeners. */
  onError?: (error: unknown) => void;
  /** How long subscribe() waits for the first subscription before resolving anyway (default 2000). */
  subscribeWaitMs?: number;
}

/**
 * Session revocations over Redis pub/sub, one channel for every instance.
 *
 * Pub/sub is fire-and-forget: a message published while our subscriber is disconnected is
 * lost. So the bus reports itself unhealthy from the moment the subscriber's socket closes
 * until the channel is subscribed again, and on every (re)subscription tells each listener
 * to drop what it cached (onReset). Caches that honour isHealthy()/onReset therefore never
 * trust an entry across a gap in delivery.
 */
export class RedisRevocationBus implements RevocationBus {
  readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Set<RevocationListener>();
  private readonly onError: (error: unknown) => void;
  private readonly subscribeWaitMs: number;
  private subscribed = false;
  /** Bumped whenever the subscriber's socket closes, so a late SUBSCRIBE reply from an old socket is ignored. */
  private epoch = 0;
  private closed = false;
  private readonly firstConnect: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(url: string, options: RedisRevocationBusOptions = {}) {
    this.channel = options.channel ?? REVOCATION_CHANNEL;
    this.onError = options.onError ?? (() => {});
    this.subscribeWaitMs = options.subscribeWaitMs ?? 2000;
    const name = options.name ?? "auth-revocation";
    this.publisher = createRedis(url, { name: `${name}:pub`, onError: this.onError });
    this.firstConnect = waitForRedis(this.publisher, this.subscribeWaitMs).catch(() => undefined);
    // Pub/sub gets its own connection: a subscribed RESP2 connection can run nothing else, and
    // publishes must not queue behind pushes.
    // We resubscribe ourselves (autoResubscribe off) so we know exactly when delivery resumed.
    this.subscriber = createRedis(url, { name: `${name}:sub`, onError: this.onError, autoResubscribe: false });

    this.subscriber.on("close", () => {
      this.epoch += 1;
      this.subscribed = false;
    });
    this.subscriber.on("ready", () => void this.resubscribe());
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.deliver(message);
    });
  }

  async publish(sessionIds: string[]): Promise<void> {
    if (this.closed) throw new Error("Revocation bus is closed");
    if (sessionIds.length === 0) return;
    // Right after start the publisher may still be making its first connection: every publish
    // shares one bounded wait for it. After that a lost connection fails at once (no offline
    // queue) and a dead socket within the command timeout: the caller has already committed
    // the revocation and decides.
    await this.firstConnect;
    await this.publisher.publish(this.channel, JSON.stringify(sessionIds));
  }

  async subscribe(listener: RevocationListener): Promise<() => Promise<void>> {
    if (this.closed) throw new Error("Revocation bus is closed");
    this.listeners.add(listener);
    // Wait (bounded) for the channel subscription so a caller that starts right after us
    // sees messages. If Redis is down we still return: isHealthy() stays false and the
    // listener gets onReset once the subscription exists.
    await this.waitSubscribed(this.subscribeWaitMs);
    return async () => {
      this.listeners.delete(listener);
    };
  }

  isHealthy(): boolean {
    return !this.closed && this.subscribed && this.subscriber.status === "ready";
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscribed = false;
    this.listeners.clear();
    this.releaseWaiters();
    await Promise.all([closeRedis(this.publisher), closeRedis(this.subscriber)]);
  }

  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    const epoch = this.epoch;
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (error) {
      // The socket dropped mid-SUBSCRIBE; the next "ready" tries again.
      this.onError(error);
      return;
    }
    if (this.closed || epoch !== this.epoch || this.subscriber.status !== "ready") return;
    this.subscribed = true;
    this.releaseWaiters();
    // Anything published before this point may never reach us: every cache starts over.
    for (const listener of [...this.listeners]) {
      this.safely(() => listener.onReset());
    }
  }

  private deliver(message: string): void {
    const ids = parseSessionIds(message);
    for (const listener of [...this.listeners]) {
      // A payload we cannot read is a revocation we may have missed: fail safe, drop caches.
      this.safely(() => (ids === null ? listener.onReset() : listener.onRevoked([...ids])));
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.onError(error);
    }
  }

  private waitSubscribed(timeoutMs: number): Promise<void> {
    if (this.subscribed || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const release of waiters) release();
  }
}

/** A JSON array of non-empty strings, or null for anything else. */
function parseSessionIds(message: string): string[] | null {
  try {
    const value: unknown = JSON.parse(message);
    if (!Array.isArray(value)) return null;
    if (!value.every((id): id is string => typeof id === "string" && id.length > 0)) return null;
    return value;
  } catch {
    return null;
  }
}
