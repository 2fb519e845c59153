/**
 * Database faults (security.md 32, 35), through a TCP proxy in front of the shared PostgreSQL
 * so only the server under test sees the outage or the slowness.
 *
 * - 35: PostgreSQL down → UNAVAILABLE (retryable), fast once the breaker opens, no token,
 *   NOT_SERVING, and recovery without a restart.
 * - 32: a 50 ms deadline against a slowed database → DEADLINE_EXCEEDED and all or nothing of
 *   the registration in the database, never part of it.
 */
import { status } from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyPostgresDatabase, databaseKinds } from "../support/database.js";
import { cleanup, expectUnavailable, login, targetOf, timed, validate } from "../support/faults.js";
import { PASSWORD, registerUser, uniqueName } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { waitUntil } from "../support/net.js";
import { healthCheck } from "../support/operators.js";
import { uniqueTestId } from "../support/redis.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const hasPostgres = (await databaseKinds()).includes("postgres");

describe.skipIf(!hasPostgres)("PostgreSQL behind a proxy (security.md 32, 35)", () => {
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let proxy: TcpProxy | undefined;
  let server: TestServer | undefined;
  /** Straight to the scratch database, not through the proxy: what is really committed. */
  let sql: pg.Client | undefined;
  /** The server's environment: the scratch database through the proxy, a 300 ms budget. */
  let env: Record<string, string> = {};

  beforeAll(async () => {
    scratch = await createEmptyPostgresDatabase();
    proxy = await startTcpProxy(targetOf(scratch.url, 5432));
    // The proxied URL overrides the scratch database startTestServer makes by itself when
    // DATABASE__URL is set in the environment (options.env is applied last). Redis is left
    // out so that only the database is at fault here.
    // Warm-up with the default budget, straight to the database: migrates it, creates the
    // signing key and loads Prisma's query compiler in this process. Otherwise the first
    // query of the 300 ms server below pays for all that and can miss its own budget on a
    // busy machine (the start-up then fails in KeyRing.init).
    const warm = await startTestServer({ env: { DATABASE__URL: scratch.url, REDIS__URL: "" } });
    await warm.close();
    env = {
      DATABASE__URL: proxy.rewriteUrl(scratch.url),
      DATABASE__TIMEOUT_MS: "300",
      DATABASE__POOL_SIZE: "4",
      REDIS__URL: "",
    };
    server = await startTestServer({ env });
    expect(server.app.config.database.url).toBe(proxy.rewriteUrl(scratch.url));
    sql = new pg.Client({ connectionString: scratch.url });
    await sql.connect();
  });

  afterAll(async () => {
    proxy?.up();
    proxy?.setLatency(0, "both");
    await cleanup(
      () => sql?.end() ?? Promise.resolve(),
      () => server?.close() ?? Promise.resolve(),
      () => proxy?.close() ?? Promise.resolve(),
      () => scratch?.drop() ?? Promise.resolve(),
    );
  });

  /** Runs a fault scenario; the proxy is healthy again afterwards, whatever happened. */
  async function withFault<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } finally {
      proxy!.up();
      proxy!.setLatency(0, "both");
    }
  }

  async function countSessions(userId: string): Promise<number> {
    const r = await sql!.query<{ n: string }>("SELECT count(*) AS n FROM sessions WHERE user_id = $1", [userId]);
    return Number(r.rows[0]!.n);
  }

  /** users, 'user.registered' audit events, sessions, refresh tokens: the whole database. */
  async function totals(): Promise<number[]> {
    const r = await sql!.query<{ users: string; registered: string; sessions: string; tokens: string }>(
      `SELECT (SELECT count(*) FROM users) AS users,
              (SELECT count(*) FROM audit_events WHERE type = 'user.registered') AS registered,
              (SELECT count(*) FROM sessions) AS sessions,
              (SELECT count(*) FROM refresh_tokens) AS tokens`,
    );
    const row = r.rows[0]!;
    return [Number(row.users), Number(row.registered), Number(row.sessions), Number(row.tokens)];
  }

  /** For one username: [user rows, its 'user.registered' events, its sessions, their refresh tokens]. */
  async function registrationOf(username: string): Promise<number[]> {
    const r = await sql!.query<{ users: string; audit: string; sessions: string; tokens: string }>(
      `WITH u AS (SELECT id FROM users WHERE username = $1)
       SELECT (SELECT count(*) FROM u) AS users,
              (SELECT count(*) FROM audit_events WHERE user_id IN (SELECT id FROM u) AND type = 'user.registered') AS audit,
              (SELECT count(*) FROM sessions WHERE user_id IN (SELECT id FROM u)) AS sessions,
              (SELECT count(*) FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id
                WHERE s.user_id IN (SELECT id FROM u)) AS tokens`,
      [username],
    );
    const row = r.rows[0]!;
    return [Number(row.users), Number(row.audit), Number(row.sessions), Number(row.tokens)];
  }

  /** The server's own outcome of a call (its access-log line), once it has one. */
  function answered(s: TestServer, requestId: string): { code: string; reason?: string } | undefined {
    const line = s.logs.find((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"msg":"rpc"'));
    return line === undefined ? undefined : (JSON.parse(line) as { code: string; reason?: string });
  }

  /** No transaction open (nor statement running) on the scratch database but ours. */
  async function settled(): Promise<true | undefined> {
    const r = await sql!.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND (xact_start IS NOT NULL OR state = 'active')`,
      [new URL(scratch!.url).pathname.slice(1)],
    );
    return Number(r.rows[0]!.n) === 0 ? true : undefined;
  }

  /**
   * Register with a 50 ms deadline while every answer of the database is `latencyMs` late.
   * The server goes on after the client gave up: the database stays slow until the server
   * has answered the call (committed, or given up at its own 300 ms budget), then it is fast
   * again, answers already on their way included, and whatever is still in flight settles.
   */
  async function registerAgainstSlowDatabase(s: TestServer, latencyMs: number, label: string) {
    const username = uniqueName("slow");
    const requestId = uniqueTestId(label);
    const before = await totals();
    const client = await withFault(async () => {
      proxy!.setLatency(latencyMs, "downstream");
      const e = await failure(
        call(
          s.clients.auth,
          s.clients.auth.register,
          { username, email: `${username}@example.com`, phone: "", password: PASSWORD, fullName: "Slow", deviceName: "" },
          { deadlineMs: 50, metadata: { "x-request-id": requestId } },
        ),
      );
      await waitUntil(() => answered(s, requestId) !== undefined, 5000, 5, `server answered ${requestId}`);
      proxy!.setLatency(0, "both");
      proxy!.release();
      return e;
    });
    await waitUntil(settled, 5000, 25, `in-flight work of ${requestId} settled`);
    const after = await totals();
    return {
      client,
      server: answered(s, requestId)!,
      written: await registrationOf(username),
      delta: after.map((n, k) => n - before[k]!),
    };
  }

  it("35: database down → UNAVAILABLE, fast once the breaker opens, no token, NOT_SERVING; recovers without a restart", async () => {
    const s = server!;
    const { auth } = s.clients;
    const user = await registerUser(s.clients);
    // Register sends its verification code in the background; let it land first, or its
    // database calls during the outage would count toward the breaker too.
    await waitUntil(() => s.app.outbox.latest(user.email) !== undefined, 5000);
    expect(await healthCheck(s.port, "")).toBe("SERVING");
    const sessionsBefore = await countSessions(user.user!.id);

    await withFault(async () => {
      const downAt = performance.now();
      proxy!.down();

      // Until the breaker opens each call still tries the database: UNAVAILABLE, retryable.
      const opened = () => s.logs.some((l) => l.includes('"breaker":"open"'));
      let failuresToOpen = 0;
      while (!opened()) {
        failuresToOpen += 1;
        expect(failuresToOpen, "the breaker opens after 5 consecutive failures").toBeLessThanOrEqual(5);
        expectUnavailable(await failure(login(s.clients, user.username)));
      }
      expect(failuresToOpen).toBe(5);

      // Open: refused at once, whatever the call needs from the database.
      const fast = [
        () => login(s.clients, user.username),
        () => login(s.clients, user.email),
        () => call(auth, auth.refreshToken, { refreshToken: user.tokens!.refreshToken }),
        // Fail closed: the session's status cannot be read, so the token does not validate.
        () => validate(s.clients, user.tokens!.accessToken),
      ];
      for (const attempt of fast) {
        const { value: e, ms } = await timed(failure(attempt()));
        expectUnavailable(e);
        // ~5 ms on an idle machine; the bound leaves room for a loaded 2-core CI box while
        // staying well under DATABASE__TIMEOUT_MS (300 ms here), which a waiting call would spend.
        expect(ms, "a refused call answers fast").toBeLessThan(150);
      }
      // No account either (how fast: see the next test).
      expectUnavailable(await failure(registerUser(s.clients)));

      // The health monitor (every 2 s) takes the instance out of rotation.
      await waitUntil(async () => (await healthCheck(s.port, "")) === "NOT_SERVING", 3500, 100, "NOT_SERVING");
      expect(performance.now() - downAt).toBeLessThan(3500);
      expect(await healthCheck(s.port, "auth.v1.AuthService")).toBe("NOT_SERVING");

      // Nothing was issued while the database was away.
      expect(await countSessions(user.user!.id)).toBe(sessionsBefore);

      const upAt = performance.now();
      proxy!.up();
      await waitUntil(async () => (await healthCheck(s.port, "")) === "SERVING", 5000, 100, "SERVING again");
      const recovered = await waitUntil(
        async () => {
          try {
            return await login(s.clients, user.username);
          } catch (error) {
            // Until the breaker lets a trial call through: still the retryable answer.
            expectUnavailable(await failure(Promise.reject(error)));
            return undefined;
          }
        },
        6000,
        100,
        "Login works again",
      );
      expect(performance.now() - upAt).toBeLessThan(6000);
      expect((await validate(s.clients, recovered.tokens!.accessToken)).sessionId).toBe(recovered.session!.id);
      expect(await countSessions(user.user!.id)).toBe(sessionsBefore + 1);
      expect(s.logs.some((l) => l.includes('"breaker":"closed"'))).toBe(true);
    });
  });

  // FAILS today: Register hashes the password (argon2, tens of ms and 19 MiB) before its first
  // database call, so with the breaker open it still answers only after a full hash.
  it("35: with the breaker open, Register is refused before it spends a password hash", async () => {
    // Same database and proxy; a deliberately slow hash makes the difference unmistakable.
    const slow = await startTestServer({ env: { ...env, CRYPTO__ARGON2_ITERATIONS: "20" } });
    try {
      await withFault(async () => {
        proxy!.down();
        for (let i = 0; i < 5; i++) expectUnavailable(await failure(login(slow.clients, "nobody@example.com")));
        expect(slow.logs.some((l) => l.includes('"breaker":"open"'))).toBe(true);
        const { value: e, ms } = await timed(failure(registerUser(slow.clients)));
        expectUnavailable(e);
        expect(ms, "Register refused without hashing first").toBeLessThan(50);
      });
    } finally {
      await slow.close();
    }
  });

  it("32: a 50 ms deadline against a slowed database → DEADLINE_EXCEEDED, and all of the registration or none of it", async () => {
    const s = server!;
    await waitUntil(() => registerUser(s.clients), 6000, 100, "the service answers");
    // From far too slow for the server's own 300 ms budget down to barely slow: depending on
    // where the budget runs out, the registration rolls back or commits after the client left.
    const outcomes: string[] = [];
    for (const [i, latencyMs] of [200, 50, 30, 10].entries()) {
      const r = await registerAgainstSlowDatabase(s, latencyMs, `deadline-${i}`);
      expect(r.client.code).toBe(status.DEADLINE_EXCEEDED);
      const complete = r.written[0] === 1;
      expect(r.written, `latency ${latencyMs} ms: all of the registration or none of it`).toEqual(complete ? [1, 1, 1, 1] : [0, 0, 0, 0]);
      expect(r.delta, "nothing else was written (no orphans)").toEqual(r.written);
      if (r.server.code === "OK") expect(complete, "what the server reported as done is there").toBe(true);
      outcomes.push(`${latencyMs}ms: ${complete ? "complete" : "none"} (server answered ${r.server.reason ?? r.server.code})`);
      // The service answers normally again (and a success resets the breaker's count).
      await registerUser(s.clients);
    }
    console.info(`security.md 32 outcomes: ${outcomes.join("; ")}`);
  });

  // FAILS today: the 300 ms budget is enforced by cockatiel's aggressive timeout, which only
  // abandons the transaction: the caller is told UNAVAILABLE ("retry") while Prisma goes on and
  // COMMITs (its own timeout counts from after BEGIN, so it has not expired yet).
  it("32: a registration the server answered UNAVAILABLE is not committed afterwards", async () => {
    const s = server!;
    await waitUntil(() => registerUser(s.clients), 6000, 100, "the service answers");
    // 200 ms per answer: BEGIN alone takes 200 ms, the budget runs out in the first INSERT.
    const r = await registerAgainstSlowDatabase(s, 200, "budget");
    expect(r.client.code).toBe(status.DEADLINE_EXCEEDED);
    expect(r.server.reason).toBe("SERVICE_UNAVAILABLE");
    expect(r.written, "rolled back, as the server said").toEqual([0, 0, 0, 0]);
    expect(r.delta).toEqual([0, 0, 0, 0]);
  });
});
