/**
 * The metrics behind the operators' alerts (docs/operations.md, "Runbook: alerts"), scraped from
 * the operators' listener of a real server: accounts locked and refresh tokens reused counted
 * by kind only (no user, identifier or address), every breaker's state, the revocation bus's
 * health; the database's breaker shown open (2) while PostgreSQL is cut behind a proxy, closed
 * (0) again once it is back; the bus unhealthy (0) while Redis is cut, healthy again after.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyPostgresDatabase, databaseKinds } from "../support/database.js";
import { cleanup, expectUnavailable, login, targetOf } from "../support/faults.js";
import { registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { waitUntil } from "../support/net.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

async function scrape(server: TestServer): Promise<string> {
  const response = await fetch(`${server.opsUrl}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series (name and labels exactly as exposed), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const LOCKED = 'auth_security_events_total{event="account_locked"}';
const REUSED = 'auth_security_events_total{event="refresh_token_reused"}';
const DATABASE_BREAKER = 'auth_breaker_state{dependency="database"}';

describe("alert metrics on /metrics", () => {
  let server: TestServer;
  beforeAll(async () => {
    // Three wrong passwords lock an account; no grace window, so a second use is reuse at once.
    server = await startTestServer({ env: { AUTH__MAX_FAILED_LOGINS: "3", JWT__REFRESH_REUSE_GRACE_SECONDS: "0" } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("starts with the database breaker closed, the bus healthy and every security event at 0", async () => {
    const text = await scrape(server);
    expect(sample(text, DATABASE_BREAKER)).toBe(0);
    expect(sample(text, "auth_revocation_bus_healthy")).toBe(1);
    expect(sample(text, LOCKED)).toBe(0);
    expect(sample(text, REUSED)).toBe(0);
  });

  it("counts an account locked by wrong passwords, once, and never says whose", async () => {
    const user = await registerUser(server.clients);
    const before = sample(await scrape(server), LOCKED)!;
    for (let i = 0; i < 3; i++) expect((await failure(login(server.clients, user.username, "wrong password!"))).reason).toBe("INVALID_CREDENTIALS");
    // Locked now: refused without a check, and not a second lock.
    expect((await failure(login(server.clients, user.username, "wrong password!"))).reason).toBe("ACCOUNT_LOCKED");
    const text = await scrape(server);
    expect(sample(text, LOCKED)).toBe(before + 1);
    expect(text).not.toContain(user.user!.id);
    expect(text).not.toContain(user.username);
    expect(text).not.toContain(user.email);
  });

  it("counts a refresh token reused (its session revoked)", async () => {
    const { auth } = server.clients;
    const user = await registerUser(server.clients);
    const before = sample(await scrape(server), REUSED)!;
    const rt0 = user.tokens!.refreshToken;
    await call(auth, auth.refreshToken, { refreshToken: rt0 });
    const reused = await failure(call(auth, auth.refreshToken, { refreshToken: rt0 }));
    expect(reused.code).toBe(status.UNAUTHENTICATED);
    expect(reused.reason).toBe("REFRESH_TOKEN_REUSED");
    const text = await scrape(server);
    expect(sample(text, REUSED)).toBe(before + 1);
    expect(text).not.toContain(user.user!.id);
  });
});

const hasPostgres = (await databaseKinds()).includes("postgres");

describe.skipIf(!hasPostgres)("auth_breaker_state with PostgreSQL cut behind a proxy", () => {
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  let proxy: TcpProxy | undefined;
  let server: TestServer | undefined;

  beforeAll(async () => {
    scratch = await createEmptyPostgresDatabase();
    proxy = await startTcpProxy(targetOf(scratch.url, 5432));
    // Migrate and create the signing key straight to the database first (as test/faults/database
    // does), so the 300 ms server below does not spend its budget on that.
    const warm = await startTestServer({ env: { DATABASE__URL: scratch.url, REDIS__URL: "" } });
    await warm.close();
    server = await startTestServer({ env: { DATABASE__URL: proxy.rewriteUrl(scratch.url), DATABASE__TIMEOUT_MS: "300", REDIS__URL: "" } });
  });

  afterAll(async () => {
    proxy?.up();
    await cleanup(
      () => server?.close() ?? Promise.resolve(),
      () => proxy?.close() ?? Promise.resolve(),
      () => scratch?.drop() ?? Promise.resolve(),
    );
  });

  it("shows 2 while the breaker is open and 0 once the database is back", async () => {
    const s = server!;
    const user = await registerUser(s.clients);
    // Register's verification code goes out in the background; let it land before the outage.
    await waitUntil(() => s.app.outbox.latest(user.email) !== undefined, 5000);
    expect(sample(await scrape(s), DATABASE_BREAKER)).toBe(0);
    try {
      proxy!.down();
      // Five consecutive failures open it (test/faults/database.test.ts); a few more are refused fast.
      for (let i = 0; i < 7; i++) expectUnavailable(await failure(login(s.clients, user.username)));
      expect(s.logs.some((l) => l.includes('"dependency":"database"') && l.includes('"breaker":"open"'))).toBe(true);
      expect(sample(await scrape(s), DATABASE_BREAKER)).toBe(2);
    } finally {
      proxy!.up();
    }
    // Half-open 2 s after opening; the first call that goes through closes it.
    await waitUntil(
      async () => {
        await login(s.clients, user.username).catch(() => {});
        return sample(await scrape(s), DATABASE_BREAKER) === 0;
      },
      10_000,
      200,
      "database breaker closed again",
    );
  });
});

const redisUrl = await redisUrlForTests();

describe.skipIf(!redisUrl)("auth_revocation_bus_healthy with Redis cut behind a proxy", () => {
  let proxy: TcpProxy | undefined;
  let server: TestServer | undefined;

  beforeAll(async () => {
    proxy = await startTcpProxy(targetOf(redisUrl!, 6379));
    server = await startTestServer({ env: { REDIS__URL: proxy.rewriteUrl(redisUrl!), REDIS__KEY_PREFIX: `${uniqueTestId("alerts")}:` } });
  });

  afterAll(async () => {
    proxy?.up();
    await cleanup(
      () => server?.close() ?? Promise.resolve(),
      () => proxy?.close() ?? Promise.resolve(),
    );
  });

  it("shows 0 while the subscriber has lost Redis and 1 once it is subscribed again", async () => {
    const s = server!;
    const healthy = async () => sample(await scrape(s), "auth_revocation_bus_healthy");
    expect(await healthy()).toBe(1);
    try {
      proxy!.down();
      await waitUntil(async () => (await healthy()) === 0, 5000, 50, "bus unhealthy on /metrics");
    } finally {
      proxy!.up();
    }
    await waitUntil(async () => (await healthy()) === 1, 10_000, 100, "bus healthy again on /metrics");
  });
});
