/**
 * SIGTERM on a real process (security.md 34): health goes NOT_SERVING first, an in-flight call
 * finishes, new calls get UNAVAILABLE, and the process exits 0 within the drain timeout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterAll, expect, it } from "vitest";
import { registerUser } from "../support/fixtures.js";
import { call, connect, failure } from "../support/grpc.js";
import { healthClient } from "../support/operators.js";
import { spawnService } from "../support/process.js";

const dir = mkdtempSync(join(tmpdir(), "auth-shutdown-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("drains on SIGTERM and exits 0", async () => {
  const service = await spawnService({
    DATABASE__DATA_DIR: join(dir, "db"),
    // A slow hash keeps a Register in flight long enough to send the signal during it.
    CRYPTO__ARGON2_ITERATIONS: "20",
    CRYPTO__ARGON2_MEMORY_KIB: "65536",
    LOG__LEVEL: "info",
  });
  const clients = connect(service.port);
  const health = healthClient(service.port);
  try {
    const statuses: string[] = [];
    const watch = health.watch("");
    watch.on("data", (m: { status: string }) => statuses.push(m.status));
    watch.on("error", () => undefined);
    await expect.poll(() => statuses.at(-1), { timeout: 5000 }).toBe("SERVING");

    const inFlight = registerUser(clients);
    await new Promise((r) => setTimeout(r, 150)); // the call is now hashing on the server
    const signalledAt = Date.now();
    service.child.kill("SIGTERM");
    await expect.poll(() => statuses.includes("NOT_SERVING"), { timeout: 3000 }).toBe(true);

    // The in-flight call completes normally.
    const reg = await inFlight;
    expect(reg.user?.username).toBe(reg.username);

    // A new call after the drain began is refused as UNAVAILABLE (or the listener is gone).
    const late = await failure(call(clients.auth, clients.auth.getJwks, {}, { deadlineMs: 2000 }));
    expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(late.code);

    expect(await service.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(service.lines.some((l) => l.includes('"stopped"'))).toBe(true);
  } finally {
    health.close();
    clients.close();
    await service.stop();
  }
}, 60_000);
