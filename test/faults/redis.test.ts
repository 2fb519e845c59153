/**
 * Redis faults (security.md 36), through a TCP proxy in front of the shared Redis: a
 * revocation still holds on every instance (the cache is bypassed while the bus is unhealthy),
 * the per-account lockout still holds (insurance limiter), and Register/Login keep working;
 * Redis back → revocations propagate again within 1 s.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { status } from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyPostgresDatabase, databaseKinds } from "../support/database.js";
import { cleanup, login, targetOf, validate } from "../support/faults.js";
import { registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { waitUntil } from "../support/net.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const hasPostgres = (await databaseKinds()).includes("postgres");
const redisUrl = await redisUrlForTests();

describe.skipIf(!hasPostgres || !redisUrl)("Redis behind a proxy, two instances (security.md 36)", () => {
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let proxy: TcpProxy | undefined;
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  let sql: pg.Client | undefined;
  const brokenBroadcasts = (s: TestServer) => s.logs.filter((l) => l.includes("revocation broadcast failed")).length;

  beforeAll(async () => {
    scratch = await createEmptyPostgresDatabase();
    proxy = await startTcpProxy(targetOf(redisUrl!, 6379));
    const env = {
      DATABASE__URL: scratch.url,
      REDIS__URL: proxy.rewriteUrl(redisUrl!),
      // One prefix for both, so they share the revocation channel and the limiter keys.
      REDIS__KEY_PREFIX: `${uniqueTestId("faults")}:`,
    };
    a = await startTestServer({ env });
    // B trusts a cached "live" for a minute while its bus is healthy: a revocation can only
    // reach it through the bus, or through the database once the bus is unhealthy.
    b = await startTestServer({ env: { ...env, SESSION__STATUS_CACHE_MS: "60000" } });
    sql = new pg.Client({ connectionString: scratch.url });
    await sql.connect();
  });

  afterAll(async () => {
    proxy?.up();
    await cleanup(
      () => sql?.end() ?? Promise.resolve(),
      () => a?.close() ?? Promise.resolve(),
      () => b?.close() ?? Promise.resolve(),
      () => proxy?.close() ?? Promise.resolve(),
      () => scratch?.drop() ?? Promise.resolve(),
    );
  });

  it("36: Redis down → a session revoked on A never validates on B; lockout and Register/Login still work", async () => {
    const A = a!;
    const B = b!;
    const user = await registerUser(A.clients);
    const session = await login(A.clients, user.username);
    const token = session.tokens!.accessToken;
    // B now holds the session as live in its cache.
    expect((await validate(B.clients, token)).sessionId).toBe(session.session!.id);

    proxy!.down();
    await waitUntil(
      async () => {
        const [pa, pb] = await Promise.all([A.app.probe(), B.app.probe()]);
        return !pa.redis && !pb.redis;
      },
      5000,
      50,
      "A and B see Redis down",
    );

    const broken = brokenBroadcasts(A);
    // The publish fails; the logout does not.
    await call(A.clients.auth, A.clients.auth.logout, { refreshToken: "" }, { bearer: token });
    expect(brokenBroadcasts(A)).toBe(broken + 1);
    for (const s of [B, A]) {
      const e = await failure(validate(s.clients, token));
      expect(e.code).toBe(status.UNAUTHENTICATED);
      expect(e.reason).toBe("SESSION_REVOKED");
    }
    // …and never validates again, however often asked.
    for (let i = 0; i < 3; i++) expect((await failure(validate(B.clients, token))).reason).toBe("SESSION_REVOKED");

    // Register and Login still work on both (the limiters fall back to their insurance).
    const other = await registerUser(B.clients);
    expect((await login(A.clients, other.username)).tokens!.accessToken).not.toBe("");
    expect((await login(B.clients, other.email)).tokens!.accessToken).not.toBe("");

    // Ten failed logins on one instance lock the account there, right password or not.
    for (let i = 0; i < 10; i++) {
      const e = await failure(login(A.clients, other.username, `wrong password ${i}`));
      expect(e.reason).toBe("INVALID_CREDENTIALS");
    }
    const locked = await failure(login(A.clients, other.username));
    expect(locked.code).toBe(status.PERMISSION_DENIED);
    expect(locked.reason).toBe("ACCOUNT_LOCKED");
    expect(locked.retryDelaySeconds).toBeGreaterThanOrEqual(1);
    expect(proxy!.isDown).toBe(true);
  });

  it("36: Redis back → B's bus is healthy again and revocations propagate within 1 s", async () => {
    const A = a!;
    const B = b!;
    const user = await registerUser(A.clients);
    proxy!.up();

    // B's bus is healthy when B trusts its cached "live" again: a session revoked behind its
    // back (straight in SQL, no broadcast) still validates on B from the cache.
    await waitUntil(
      async () => {
        const probe = await login(A.clients, user.username);
        await validate(B.clients, probe.tokens!.accessToken);
        await sql!.query("UPDATE sessions SET revoked_at = now(), revoked_reason = 'admin' WHERE id = $1", [probe.session!.id]);
        try {
          await validate(B.clients, probe.tokens!.accessToken);
          return true;
        } catch {
          return false; // read from the database: the bus is not healthy yet
        }
      },
      8000,
      100,
      "B's revocation bus healthy",
    );

    // A revocation on A reaches B's cache through the bus within a second. A's publisher
    // reconnects on its own schedule: a publish that failed is retried with a new session.
    const elapsed = await waitUntil(
      async () => {
        const s = await login(A.clients, user.username);
        const token = s.tokens!.accessToken;
        await validate(B.clients, token); // cached as live on B
        const broken = brokenBroadcasts(A);
        await call(A.clients.auth, A.clients.auth.logout, { refreshToken: "" }, { bearer: token });
        const revokedAt = performance.now();
        if (brokenBroadcasts(A) !== broken) return undefined;
        // Published: from here on there is no retry; B must refuse within the second.
        while (performance.now() - revokedAt < 1000) {
          try {
            await validate(B.clients, token);
          } catch (error) {
            const e = await failure(Promise.reject(error));
            return e.reason === "SESSION_REVOKED" ? performance.now() - revokedAt : Number.NaN;
          }
          await sleep(10);
        }
        return Number.POSITIVE_INFINITY;
      },
      8000,
      100,
      "a revocation propagated from A to B",
    );
    expect(elapsed).toBeLessThan(1000);
  });
});
