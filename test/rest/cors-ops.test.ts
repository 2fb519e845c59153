/**
 * CORS from SERVER__ALLOWED_ORIGINS, security headers on every response, and what operators
 * read: /healthz, /readyz, /openapi.json and the /docs assets on the public port, /metrics on
 * the operators' listener only.
 */
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApi } from "../../scripts/openapi/openapi.js";
import { accessTable } from "../../src/adapters/grpc/access-table.js";
import { readDescriptorSet } from "../../src/adapters/grpc/descriptors.js";
import { authPolicyOf } from "../../src/adapters/grpc/server.js";
import { loadApi } from "../../src/adapters/http/gateway/http-rules.js";
import { openApiPath } from "../../src/adapters/http/gateway/path-template.js";
import { OPENAPI_PATH } from "../../src/adapters/http/ops/docs.js";
import { PASSWORD, uniqueName } from "../support/fixtures.js";
import { expectStatus, GRPC, rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

const ALLOWED = "http://app.example.test:3000";
let server: TestServer;
beforeAll(async () => {
  // One entry as configured by hand (upper case, trailing slash): compared as browsers send it.
  server = await startTestServer({ env: { SERVER__ALLOWED_ORIGINS: `["${ALLOWED}","HTTP://Other.Example.test/"]` } });
});
afterAll(async () => {
  await server?.close();
});

const preflight = (origin: string, method = "POST", headers = "authorization,content-type,x-request-id") =>
  fetch(`${server.baseUrl}/v1/sessions:revokeAll`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });

describe("CORS", () => {
  it("answers a preflight from an allowed origin: echoed origin, credentials, methods and headers", async () => {
    const r = await preflight(ALLOWED);
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(r.headers.get("access-control-allow-credentials")).toBe("true");
    const methods = r.headers.get("access-control-allow-methods")?.split(/,\s*/) ?? [];
    expect(methods).toEqual(expect.arrayContaining(["GET", "POST", "PATCH", "DELETE"]));
    const headers = r.headers.get("access-control-allow-headers")?.split(/,\s*/) ?? [];
    expect(headers).toEqual(expect.arrayContaining(["authorization", "content-type", "x-request-id"]));
    expect(r.headers.get("vary")).toMatch(/Origin/);
    expect(Number(r.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect((await preflight("http://other.example.test")).headers.get("access-control-allow-origin")).toBe("http://other.example.test");
  });

  it("refuses a preflight and a request from any other origin (no wildcard, no CORS headers)", async () => {
    for (const origin of ["http://evil.example.test", "http://app.example.test:3001", "null", "https://app.example.test:3000"]) {
      const p = await preflight(origin);
      expect(p.status, origin).toBe(403);
      expect(p.headers.get("access-control-allow-origin")).toBeNull();
    }
    const username = uniqueName("cors");
    const r = await rest(server.baseUrl, "POST", "/v1/auth/register", {
      body: { username, email: `${username}@example.com`, password: PASSWORD },
      headers: { origin: "http://evil.example.test" },
    });
    expectStatus(r, 403, GRPC.PERMISSION_DENIED, "PERMISSION_DENIED");
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    // The refused request had no effect: the username is still free.
    const again = await rest(server.baseUrl, "POST", "/v1/auth/register", { body: { username, email: `${username}@example.com`, password: PASSWORD } });
    expect(again.status, again.text).toBe(200);
  });

  it("adds CORS headers to actual responses for an allowed origin, success and error alike", async () => {
    for (const path of ["/v1/auth/jwks", "/v1/users/me"]) {
      const r = await rest(server.baseUrl, "GET", path, { headers: { origin: ALLOWED } });
      expect(r.headers.get("access-control-allow-origin")).toBe(ALLOWED);
      expect(r.headers.get("access-control-allow-credentials")).toBe("true");
      expect(r.headers.get("access-control-expose-headers")).toMatch(/x-request-id/);
      expect(r.headers.get("vary")).toMatch(/Origin/);
    }
    const plain = await rest(server.baseUrl, "GET", "/v1/auth/jwks");
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    expect(plain.headers.get("vary")).toMatch(/Origin/);
    // Same origin (the /docs page calling its own server) is not a CORS request.
    const host = new URL(server.baseUrl).host;
    expect((await rest(server.baseUrl, "GET", "/v1/auth/jwks", { headers: { origin: `http://${host}` } })).status).toBe(200);
  });
});

/** A request with a Host header of our choosing (fetch may not set Host), as a rebound browser sends it. */
function withHost(host: string, origin: string, path: string, method = "GET", body?: string): Promise<{ status: number; body: string }> {
  const port = new URL(server.baseUrl).port;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, origin, ...(body === undefined ? {} : { "content-type": "application/json" }) };
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("CORS and DNS rebinding", () => {
  it("an Origin that only matches a non-loopback Host is refused, and the request has no effect", async () => {
    const port = new URL(server.baseUrl).port;
    // A page from rebind.example.test whose name now resolves to this server.
    const host = `rebind.example.test:${port}`;
    const username = uniqueName("rebind");
    const body = JSON.stringify({ username, email: `${username}@example.com`, password: PASSWORD });
    const r = await withHost(host, `http://${host}`, "/v1/auth/register", "POST", body);
    expect(r.status, r.body).toBe(403);
    expect((await withHost(host, `http://${host}`, "/v1/auth/jwks")).status).toBe(403);
    // Nothing was registered: the name is still free.
    const again = await rest(server.baseUrl, "POST", "/v1/auth/register", { body: { username, email: `${username}@example.com`, password: PASSWORD } });
    expect(again.status, again.text).toBe(200);
  });

  it("an Origin matching a loopback Host is still same-origin (the local /docs page)", async () => {
    const port = new URL(server.baseUrl).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await withHost(host, `http://${host}`, "/v1/auth/jwks")).status, host).toBe(200);
    }
  });
});

describe("security headers", () => {
  it("are on every response: API success, API error, refusal, operations, docs", async () => {
    const responses = await Promise.all(
      ["/v1/auth/jwks", "/v1/users/me", "/v1/none", "/healthz", "/readyz", "/openapi.json", "/docs", "/docs/init.js"].map(
        async (p) => [p, await fetch(`${server.baseUrl}${p}`)] as const,
      ),
    );
    responses.push(["ops /metrics", await fetch(`${server.opsUrl}/metrics`)], ["ops /nothing", await fetch(`${server.opsUrl}/nothing`)]);
    for (const [path, r] of responses) {
      expect(r.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(r.headers.get("x-frame-options"), path).toBe("DENY");
      expect(r.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(r.headers.get("content-security-policy"), path).toMatch(/frame-ancestors 'none'/);
      expect(r.headers.get("x-request-id"), path).toBeTruthy();
    }
    const api = responses[0]![1];
    expect(api.headers.get("cache-control")).toBe("no-store");
  });

  it("the docs page has a strict CSP: scripts and styles from this origin only, nothing inline, no CDN", async () => {
    const r = await fetch(`${server.baseUrl}/docs`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = r.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const html = await r.text();
    expect(html).not.toMatch(/<script>(?!<\/script>)|<script[^>]*>[^<]+<\/script>|<style|style=/);
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)) {
      const a = await fetch(`${server.baseUrl}${asset}`);
      expect(a.status, asset).toBe(200);
    }
    expect((await fetch(`${server.baseUrl}/docs/../package.json`)).status).toBe(404);
    expect((await fetch(`${server.baseUrl}/docs/swagger-ui.js.map`)).status).toBe(404);
  });
});

describe("operations endpoints", () => {
  it("/healthz says the process is up; /readyz that the database and Redis answer", async () => {
    const h = await rest(server.baseUrl, "GET", "/healthz");
    expect(h.status).toBe(200);
    expect(h.json).toEqual({ status: "ok" });
    expect((await fetch(`${server.baseUrl}/healthz`, { method: "HEAD" })).status).toBe(200);
    const r = await rest(server.baseUrl, "GET", "/readyz");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: "ready", database: true, redis: true });
  });

  it("/metrics: default process metrics, gRPC calls by method and code (REST ones included), HTTP requests by route", async () => {
    await rest(server.baseUrl, "GET", "/v1/auth/jwks");
    await rest(server.baseUrl, "GET", "/v1/users/me");
    const r = await fetch(`${server.opsUrl}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(r.headers.get("cache-control")).toBe("no-store");
    const text = await r.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^grpc_server_handled_total\{grpc_service="auth.v1.AuthService",grpc_method="GetJwks",grpc_code="OK"\} [1-9]/m);
    expect(text).toMatch(/^grpc_server_handled_total\{grpc_service="auth.v1.UserService",grpc_method="GetMe",grpc_code="UNAUTHENTICATED"\} [1-9]/m);
    expect(text).toMatch(/^grpc_server_handling_seconds_bucket\{le="0.005",grpc_service="auth.v1.AuthService",grpc_method="GetJwks"\} /m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/v1\/auth\/jwks",code="200"\} [1-9]/m);
    // Labels are route templates, never raw paths (bounded cardinality).
    await rest(server.baseUrl, "DELETE", "/v1/sessions/01900000-0000-7000-8000-000000000000");
    const after = await (await fetch(`${server.opsUrl}/metrics`)).text();
    expect(after).toContain('route="/v1/sessions/{session_id}"');
    expect(after).not.toContain("01900000-0000-7000-8000-000000000000");
  });

  it("/metrics is not served on the public REST port: 404 like any unknown path, whatever the method or spelling", async () => {
    expect(server.opsPort).not.toBe(server.httpPort);
    for (const path of ["/metrics", "/metrics?x=1", "/metrics/"]) {
      const r = await rest(server.baseUrl, "GET", path);
      expect(r.status, path).toBe(404);
      expect(r.text).not.toMatch(/process_cpu|grpc_server_handled_total|http_requests_total/);
    }
    expect((await fetch(`${server.baseUrl}/metrics`, { method: "HEAD" })).status).toBe(404);
  });

  it("the operators' listener serves /metrics (GET and HEAD) and nothing else: no API, no health, no docs", async () => {
    expect((await fetch(`${server.opsUrl}/metrics`, { method: "HEAD" })).status).toBe(200);
    for (const path of ["/", "/healthz", "/readyz", "/openapi.json", "/docs", "/v1/auth/jwks", "/metrics/../v1/auth/jwks"]) {
      const r = await fetch(`${server.opsUrl}${path}`);
      expect(r.status, path).toBe(404);
      expect(await r.text()).not.toContain("keys");
    }
    const post = await fetch(`${server.opsUrl}/metrics`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    // No CORS on it: a browser page elsewhere gets no permission to read it.
    const cross = await fetch(`${server.opsUrl}/metrics`, { headers: { origin: "http://evil.example.test" } });
    expect(cross.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("the operators' listener is bound where SERVER__OPS_HOST says: loopback here, not every interface", async () => {
    const address = await new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.opsPort, path: "/metrics" }, (res) => {
        resolve(res.socket.localAddress ?? "");
        res.resume();
      });
      req.on("error", reject);
      req.end();
    });
    expect(address).toBe("127.0.0.1");
    expect(server.app.config.server.opsHost).toBe("127.0.0.1");
  });

  it("/openapi.json is the committed document, which is what the descriptor set gives now", async () => {
    const r = await rest(server.baseUrl, "GET", "/openapi.json");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.text).toBe(readFileSync(OPENAPI_PATH, "utf8"));
    const api = loadApi(readDescriptorSet());
    const fresh = buildOpenApi(api, { title: r.json.info.title, version: r.json.info.version, authPolicyOf });
    expect(r.json, "src/gen/openapi.json is stale: run npm run gen").toEqual(JSON.parse(JSON.stringify(fresh)));
    expect(r.json.openapi).toBe("3.1.0");
    for (const b of api.bindings) {
      const op = r.json.paths[openApiPath(b.template)]?.[b.verb.toLowerCase()];
      expect(op, `${b.verb} ${b.template.source}`).toBeDefined();
      const policy = authPolicyOf(b.grpcPath);
      const access = accessTable().get(b.grpcPath);
      // A service scope adds the x-api-key scheme; roles make the bearer needed (not optional).
      const expected =
        access?.serviceScope || access?.roles.length
          ? [...(access.roles.length ? [{ bearerAuth: [] }] : []), ...(access.serviceScope ? [{ apiKey: [] }] : [])]
          : policy === "required"
            ? [{ bearerAuth: [] }]
            : policy === "optional"
              ? [{ bearerAuth: [] }, {}]
              : [];
      expect(op.security, b.grpcPath).toEqual(expected);
    }
    expect(r.json.components.schemas["google.rpc.Status"].properties).toHaveProperty("details");
    expect(r.json.components.schemas["auth.v1.User"].description).toMatch(/account/i);
  });
});
