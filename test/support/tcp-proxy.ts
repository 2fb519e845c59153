/**
 * A real TCP proxy for fault tests: listens on 127.0.0.1 (port 0 by default) and forwards
 * every connection to a target host:port, so a test can cut or slow a dependency (PostgreSQL,
 * Redis) for one server under test without touching the shared servers.
 *
 * - `down()` destroys every open connection (RST, as a crashed host or a cut link does) and
 *   resets every new one at once, until `up()`. The listening port stays the same.
 * - `setLatency(ms, direction)` delays each chunk by `ms` before it is forwarded, in order:
 *   "downstream" (from the target back to the client: the default, a slow database),
 *   "upstream" (client to target) or "both". 0 removes it; chunks already queued keep
 *   their due time and their order, unless `release()` sends them on at once.
 */
import net from "node:net";

export type LatencyDirection = "upstream" | "downstream" | "both";

export interface TcpProxy {
  /** The port clients connect to (127.0.0.1). */
  readonly port: number;
  /** Connections accepted since start (refused ones included). */
  readonly accepted: number;
  /** Pairs currently forwarding. */
  readonly open: number;
  /** `url` (postgresql://, redis://, ...) with the proxy's host and port in place of the target's. */
  rewriteUrl(url: string): string;
  down(): void;
  up(): void;
  readonly isDown: boolean;
  setLatency(ms: number, direction?: LatencyDirection): void;
  /** Forwards at once every chunk still held back by latency (a slow link that is fast again). */
  release(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  target: net.Socket;
}

export async function startTcpProxy(target: { host: string; port: number }, listenPort = 0): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let down = false;
  let accepted = 0;
  let upstreamMs = 0;
  let downstreamMs = 0;
  const releasers = new Set<() => void>();

  const kill = (socket: net.Socket): void => {
    if (socket.destroyed) return;
    // An RST rather than a FIN: the peer sees ECONNRESET, as when the host dies.
    if (typeof socket.resetAndDestroy === "function" && socket.readyState !== "opening") socket.resetAndDestroy();
    else socket.destroy();
  };

  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    accepted += 1;
    client.on("error", () => {});
    if (down) {
      kill(client);
      return;
    }
    const upstream = net.createConnection({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    upstream.on("error", () => {});
    const pair: Pair = { client, target: upstream };
    pairs.add(pair);
    // A reset on one side resets the other at once; an orderly close is passed on (FIN) once
    // the bytes still held by the latency queue have been written (see forward).
    const onClose = (other: net.Socket) => (hadError: boolean) => {
      if (other.destroyed) pairs.delete(pair);
      if (hadError) kill(other);
    };
    client.on("close", onClose(upstream));
    upstream.on("close", onClose(client));
    forward(client, upstream, () => upstreamMs, releasers);
    forward(upstream, client, () => downstreamMs, releasers);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listenPort, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no TCP address");
  const port = address.port;

  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    get isDown() {
      return down;
    },
    rewriteUrl(url: string): string {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    down() {
      down = true;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        kill(pair.client);
        kill(pair.target);
      }
    },
    up() {
      down = false;
    },
    setLatency(ms: number, direction: LatencyDirection = "downstream") {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`latency must be >= 0, got ${ms}`);
      if (direction !== "upstream") downstreamMs = ms;
      if (direction !== "downstream") upstreamMs = ms;
    },
    release() {
      for (const release of [...releasers]) release();
    },
    async close() {
      down = true;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        kill(pair.client);
        kill(pair.target);
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Pipes `from` into `to`, each chunk held until `latency()` ms after it arrived. One queue
 * per direction keeps the byte order even when the latency changes; the source is paused
 * while the destination is full.
 */
function forward(from: net.Socket, to: net.Socket, latency: () => number, releasers: Set<() => void>): void {
  const queue: { due: number; data: Buffer }[] = [];
  let timer: NodeJS.Timeout | null = null;
  let ended = false;

  const pump = (): void => {
    timer = null;
    while (queue.length > 0) {
      const head = queue[0] as { due: number; data: Buffer };
      const wait = head.due - Date.now();
      if (wait > 0) {
        timer = setTimeout(pump, wait);
        return;
      }
      queue.shift();
      if (to.destroyed) {
        queue.length = 0;
        return;
      }
      if (!to.write(head.data) && !from.isPaused()) {
        from.pause();
        to.once("drain", () => from.resume());
      }
    }
    if (ended && !to.destroyed && !to.writableEnded) to.end();
  };

  from.on("data", (data: Buffer) => {
    queue.push({ due: Date.now() + latency(), data });
    if (timer === null) pump();
  });
  const finish = (): void => {
    if (ended) return;
    ended = true;
    if (timer === null) pump();
  };
  from.on("end", finish);
  from.on("close", finish);
  const release = (): void => {
    for (const item of queue) item.due = 0;
    if (timer !== null) clearTimeout(timer);
    pump();
  };
  releasers.add(release);
  to.on("close", () => {
    releasers.delete(release);
    queue.length = 0;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  });
}
