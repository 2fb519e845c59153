import { Redis, type RedisOptions } from "ioredis";

export interface CreateRedisOptions {
  /** Sent as CLIENT SETNAME, so an operator (or a test) can find this connection in CLIENT LIST. */
  name?: string;
  /** Upper bound for one command, including a half-open socket that never answers (default 2000). */
  commandTimeoutMs?: number;
  /**
   * Connection errors (refused, reset, timed out). ioredis emits one per failed reconnect;
   * without a listener it prints them to stderr. The URL is never part of what we pass on.
   */
  onError?: (error: Error) => void;
  /** Off for a subscriber that resubscribes itself and must know when delivery resumed. */
  autoResubscribe?: boolean;
  /** Commands issued in one tick go out in one write (for a hot path with many calls in flight). */
  autoPipelining?: boolean;
}

/** Reconnect forever, backing off quickly to a 1 s cap: Redis coming back must heal us without a restart. */
function reconnectDelay(times: number): number {
  const base = Math.min(50 * 2 ** Math.min(times - 1, 5), 1000);
  return base + Math.floor(Math.random() * 100);
}

/**
 * A Redis connection for a server, not a script: every call fails fast while Redis is
 * unreachable (no offline queue, one retry at most) so the caller's breaker, insurance
 * limiter or fail-closed path decides, instead of requests piling up behind a dead socket.
 *
 * Because the offline queue is off, commands issued before the first "ready" fail too;
 * await `waitForRedis`/`pingRedis` at startup when that matters.
 */
export function createRedis(url: string, opts: CreateRedisOptions = {}): Redis {
  const options: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: opts.commandTimeoutMs ?? 2000,
    retryStrategy: reconnectDelay,
    enableReadyCheck: true,
    autoResubscribe: opts.autoResubscribe ?? true,
    enableAutoPipelining: opts.autoPipelining ?? false,
    // A connection name may not contain spaces (CLIENT SETNAME rejects it and the handshake fails).
    ...(opts.name ? { connectionName: opts.name.replace(/\s+/g, "-") } : {}),
  };
  const redis = new Redis(url, options);
  const onError = opts.onError ?? (() => {});
  redis.on("error", (error: Error) => onError(error));
  return redis;
}

/** Resolves once the connection is ready; rejects after `timeoutMs` or when it ends for good. */
export function waitForRedis(redis: Redis, timeoutMs = 2000): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  if (redis.status === "end") return Promise.reject(new Error("Redis connection is closed"));
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      redis.off("end", onEnd);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error("Redis connection is closed"));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready within ${timeoutMs} ms (status ${redis.status})`));
    }, timeoutMs);
    redis.on("ready", onReady);
    redis.on("end", onEnd);
  });
}

/** Readiness probe: waits (bounded) for the connection, then round-trips a PING. */
export async function pingRedis(redis: Redis, timeoutMs = 2000): Promise<void> {
  await waitForRedis(redis, timeoutMs);
  const reply = await redis.ping();
  if (reply !== "PONG") throw new Error(`Unexpected PING reply: ${String(reply)}`);
}

/**
 * Closes the connection without hanging: QUIT when connected (lets in-flight replies
 * arrive), bounded by `timeoutMs`; otherwise, or if QUIT stalls, drop the socket and stop
 * reconnecting.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1000): Promise<void> {
  if (redis.status === "end") return;
  if (redis.status === "ready") {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.quit(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    } catch {
      // The socket went away under QUIT: disconnect below finishes the job.
    } finally {
      clearTimeout(timer);
    }
  }
  redis.disconnect(false);
}
