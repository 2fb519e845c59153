/**
 * The gateway in the life of the process: a trusted proxy in front of it (X-Forwarded-For
 * believed only then), /readyz when Redis goes away, and shutdown (requests in progress finish,
 * new connections are refused, the port is released).
 */
import { request as httpRequest } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { PASSWORD, uniqueName } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { startTestServer } from "../support/server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const register = (baseUrl: string, headers: Record<string, string> = {}) => {
  const username = uniqueName("life");
  return rest(baseUrl, "POST", "/v1/auth/register", { body: { username, email: `${username}@example.com`, password: PASSWORD }, headers });
};

/** A request on a fresh connection (no keep-alive reuse): resolves the status or the error code. */
function freshGet(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    req.end();
  });
}

describe("behind a trusted proxy", () => {
  it("believes X-Forwarded-For up to the first untrusted hop only when the HTTP peer is trusted", async () => {
    const server = await startTestServer({ env: { SERVER__TRUSTED_PROXIES: "127.0.0.1" } });
    cleanups.push(() => server.close());
    const r = await register(server.baseUrl, { "x-forwarded-for": "198.51.100.7, 203.0.113.8", "user-agent": "Behind/LB" });
    expect(r.status, r.text).toBe(200);
    expect(r.json.session).toMatchObject({ ipAddress: "203.0.113.8", userAgent: "Behind/LB" });
  });
});

describe.skipIf(!process.env.REDIS__URL)("readiness with Redis behind a proxy", () => {
  it("/readyz is 503 while Redis does not answer, 200 again once it does", async () => {
    const target = new URL(process.env.REDIS__URL as string);
    const proxy: TcpProxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    cleanups.push(() => proxy.close());
    const server = await startTestServer({ env: { REDIS__URL: proxy.rewriteUrl(process.env.REDIS__URL as string) } });
    cleanups.push(() => server.close());
    expect((await rest(server.baseUrl, "GET", "/readyz")).status).toBe(200);
    proxy.down();
    await expect
      .poll(async () => (await rest(server.baseUrl, "GET", "/readyz")).json, { timeout: 10_000 })
      .toEqual({ status: "not ready", database: true, redis: false });
    expect((await rest(server.baseUrl, "GET", "/healthz")).status).toBe(200);
    proxy.up();
    await expect.poll(async () => (await rest(server.baseUrl, "GET", "/readyz")).status, { timeout: 15_000 }).toBe(200);
  });
});

describe("shutdown", () => {
  it("lets a REST call in progress finish, refuses new connections, releases the port", async () => {
    // A slow hash keeps a Register in flight long enough to begin the shutdown during it.
    const server = await startTestServer({ env: { CRYPTO__ARGON2_ITERATIONS: "20", CRYPTO__ARGON2_MEMORY_KIB: "65536" } });
    const inFlight = register(server.baseUrl);
    await new Promise((r) => setTimeout(r, 150));
    const started = Date.now();
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 50));
    const late = await freshGet(`${server.baseUrl}/healthz`);
    expect(["ECONNREFUSED", "ECONNRESET", 503]).toContain(late);
    const done = await inFlight;
    expect(done.status, done.text).toBe(200);
    expect(done.json.user.username).toMatch(/^life_/);
    await closing;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await freshGet(`${server.baseUrl}/healthz`)).toBe("ECONNREFUSED");
  });
});
