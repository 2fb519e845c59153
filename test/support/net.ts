/** Small helpers for tests that wait on something or need a port nobody listens on. */
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A TCP port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  return address.port;
}

/**
 * Polls `probe` (sync or async) until it yields something other than `undefined` or `false`,
 * and resolves with that. A probe that throws counts as "not yet": a dependency coming back
 * fails for a while, and that is what the caller is waiting out. Rejects after `timeoutMs`,
 * naming `what` and the last error, so a timeout says what never happened.
 */
export async function waitUntil<T>(probe: () => T | Promise<T>, timeoutMs = 2000, stepMs = 2, what = "condition"): Promise<Exclude<T, undefined | false>> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`${what} not met within ${timeoutMs} ms${last === undefined ? "" : ` (last error: ${String(last)})`}`);
    }
    await sleep(stepMs);
  }
}
