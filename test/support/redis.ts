import { randomBytes } from "node:crypto";
import net from "node:net";

const DEFAULT_URL = "redis://127.0.0.1:6379";

let probed: Promise<string | null> | undefined;

/**
 * The Redis to run Redis-backed tests against: `REDIS__URL` when set (then it must work),
 * else a local Redis on the default port if one answers PING within 500 ms, else null
 * (the caller skips its Redis cases). Tests never flush the database: each run uses its own
 * key prefix / channel from `uniqueTestId`, so parallel test files never collide.
 */
export function redisUrlForTests(): Promise<string | null> {
  const configured = process.env.REDIS__URL;
  if (configured) return Promise.resolve(configured);
  probed ??= probe(DEFAULT_URL, 500);
  return probed;
}

/** A short random id for key prefixes, channels and connection names. */
export function uniqueTestId(label: string): string {
  return `test-${label}-${randomBytes(6).toString("hex")}`;
}

function probe(url: string, timeoutMs: number): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: hostname, port: Number(port || 6379) });
    let reply = "";
    const finish = (result: string | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      // "-NOAUTH ..." means a Redis we hold no credentials for: not usable.
      if (reply.includes("\r\n")) finish(reply.startsWith("+PONG") ? url : null);
    });
    socket.on("error", () => finish(null));
  });
}
