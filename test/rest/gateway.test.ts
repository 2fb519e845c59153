/**
 * The built-in gateway's own rules: refusals as google.rpc.Status JSON (malformed JSON, unknown
 * route, unknown query parameter, oversized body), the proto3 JSON mapping, x-request-id both
 * ways, and who may speak for the client's address and user agent (security.md 14, 25, 30).
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, registerUser, uniqueName } from "../support/fixtures.js";
import { call } from "../support/grpc.js";
import { expectStatus, GRPC, rest } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  // Debug level: the gateway's own per-request lines are written too, for the hygiene check.
  server = await startTestServer({ env: { LOG__LEVEL: "debug", OTP__RESEND_SECONDS: "0" } });
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => rest(server.baseUrl, "POST", path, { body, headers });
const newUser = async () => {
  const username = uniqueName("gw");
  const r = await post("/v1/auth/register", { username, email: `${username}@example.com`, password: PASSWORD });
  expect(r.status, r.text).toBe(200);
  return { username, email: `${username}@example.com`, token: r.json.tokens.accessToken as string, sessionId: r.json.session.id as string };
};

describe("refusals in the google.rpc.Status shape", () => {
  it("malformed JSON: 400 VALIDATION_FAILED, without echoing the input", async () => {
    const r = await rest(server.baseUrl, "POST", "/v1/auth/login", {
      rawBody: '{"identifier":"ada","password":"sentinel-pw-8c1f',
      headers: { "content-type": "application/json" },
    });
    expectStatus(r, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(r.json.message).toBe("The request body is not valid JSON");
    expect(r.text).not.toContain("sentinel-pw-8c1f");
    // A JSON value that is not an object.
    expectStatus(await rest(server.baseUrl, "POST", "/v1/auth/login", { rawBody: "[1,2]" }), 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
  });

  it("a value of the wrong type or an unknown field: 400 with a field violation naming it, no value echoed", async () => {
    const wrongType = await post("/v1/auth/login", { identifier: "ada", password: { secret: "sentinel-pw-77aa" } });
    expectStatus(wrongType, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(wrongType.text).not.toContain("sentinel-pw-77aa");
    const badRequest = wrongType.json.details.find((d: { "@type": string }) => d["@type"] === "type.googleapis.com/google.rpc.BadRequest");
    expect(badRequest.fieldViolations).toEqual([{ field: "password", description: expect.any(String), reason: "" }]);

    const unknown = await post("/v1/auth/login", { identifier: "ada", password: "x", isAdmin: true });
    expectStatus(unknown, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(unknown.text).toContain('"field":"isAdmin"');
    expectStatus(await post("/v1/auth/otp", { email: "a@example.com", purpose: "OTP_PURPOSE_NOPE" }), 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
  });

  it("unknown route: 404 ROUTE_NOT_FOUND, also for a known path with another method", async () => {
    const r = await rest(server.baseUrl, "GET", "/v1/nothing/here");
    expectStatus(r, 404, GRPC.NOT_FOUND, "ROUTE_NOT_FOUND");
    expect(r.json.message).toBe("No route for GET /v1/nothing/here");
    expectStatus(await rest(server.baseUrl, "PUT", "/v1/auth/login", { body: {} }), 404, GRPC.NOT_FOUND, "ROUTE_NOT_FOUND");
    expectStatus(await rest(server.baseUrl, "GET", "/v1/sessions/"), 404, GRPC.NOT_FOUND, "ROUTE_NOT_FOUND");
    expectStatus(await rest(server.baseUrl, "POST", "/v1/sessions:nope", { body: {} }), 404, GRPC.NOT_FOUND, "ROUTE_NOT_FOUND");
    // Control characters in the path are not echoed raw.
    const odd = await rest(server.baseUrl, "GET", "/v1/%0a%7B%22level%22:50%7D");
    expectStatus(odd, 404, GRPC.NOT_FOUND, "ROUTE_NOT_FOUND");
    expect(odd.json.message).not.toMatch(/[\n\r]/);
  });

  it('unknown query parameter: 400 naming it; a body:"*" route takes no query parameters', async () => {
    const u = await newUser();
    // (ListSessions pages now, so page_size is a real parameter: ask with one it does not have.)
    const r = await rest(server.baseUrl, "GET", "/v1/sessions", { bearer: u.token, query: { sortOrder: "asc" } });
    expectStatus(r, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(r.json.message).toBe("Unknown query parameter");
    expect(r.text).toContain('"field":"sortOrder"');
    expectStatus(
      await rest(server.baseUrl, "POST", "/v1/auth/login", { query: { identifier: "ada" }, body: {} }),
      400,
      GRPC.INVALID_ARGUMENT,
      "VALIDATION_FAILED",
    );
    // A field already bound by the path cannot come again from the query.
    const twice = await rest(server.baseUrl, "DELETE", `/v1/sessions/${u.sessionId}`, { bearer: u.token, query: { session_id: u.sessionId } });
    expectStatus(twice, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
  });

  it("an oversized body: 413 before any RPC (declared length and chunked)", async () => {
    const big = JSON.stringify({ identifier: "ada", password: "x".repeat(70_000) });
    const r = await rest(server.baseUrl, "POST", "/v1/auth/login", { rawBody: big, headers: { "content-type": "application/json" } });
    expectStatus(r, 413, GRPC.RESOURCE_EXHAUSTED, "MESSAGE_TOO_LARGE");

    // Chunked, with no Content-Length: counted as it arrives.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.baseUrl}/v1/auth/login`,
        { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      for (let i = 0; i < 10; i++) req.write("x".repeat(10_000));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: GRPC.RESOURCE_EXHAUSTED });
    const grpcCalls = server.logs.filter((l) => l.includes('"msg":"rpc"') && l.includes("/auth.v1.AuthService/Login"));
    expect(grpcCalls.some((l) => l.includes("x".repeat(100)))).toBe(false);
  });
});

describe("proto3 JSON mapping", () => {
  it("lowerCamelCase out, both spellings in, enums by name or number, defaults printed", async () => {
    const username = uniqueName("gw");
    const r = await post("/v1/auth/register", { username, email: `${username}@example.com`, password: PASSWORD, full_name: "Snake Case", deviceName: "camel" });
    expect(r.status, r.text).toBe(200);
    expect(r.json.user).toMatchObject({ fullName: "Snake Case", phone: "", phoneVerified: false, mfaEnabled: false });
    expect(r.json.session.deviceName).toBe("camel");
    expect(Object.keys(r.json.user).every((k) => !k.includes("_"))).toBe(true);
    // OTP_PURPOSE_LOGIN by number.
    const otp = await post("/v1/auth/otp", { email: `${username}@example.com`, purpose: 2 });
    expect(otp.status, otp.text).toBe(200);
    expect(otp.json.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it("a gRPC error through REST carries the same status a gRPC caller gets", async () => {
    const r = await post("/v1/auth/register", { username: "x", email: "not an email", password: "short" });
    expectStatus(r, 400, GRPC.INVALID_ARGUMENT);
    const types = r.json.details.map((d: { "@type": string }) => d["@type"]);
    expect(types).toEqual(expect.arrayContaining(["type.googleapis.com/google.rpc.ErrorInfo", "type.googleapis.com/google.rpc.BadRequest"]));
    const violations = r.json.details.find((d: { "@type": string }) => d["@type"].endsWith("BadRequest")).fieldViolations;
    expect(violations.map((v: { field: string }) => v.field)).toEqual(expect.arrayContaining(["email"]));
  });
});

describe("x-request-id, bearer, client address and user agent", () => {
  it("keeps a plain x-request-id end to end and replaces a hostile one", async () => {
    const r = await rest(server.baseUrl, "GET", "/v1/auth/jwks", { headers: { "x-request-id": "trace-abc.123" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-request-id")).toBe("trace-abc.123");
    expect(server.logs.some((l) => l.includes('"requestId":"trace-abc.123"') && l.includes('"msg":"rpc"'))).toBe(true);

    const failed = await rest(server.baseUrl, "GET", "/v1/users/me", { headers: { "x-request-id": "trace-def" } });
    expect(failed.headers.get("x-request-id")).toBe("trace-def");
    const info = failed.json.details.find((d: { "@type": string }) => d["@type"].endsWith("RequestInfo"));
    expect(info.requestId).toBe("trace-def");

    for (const hostile of ['{"level":50} spaces', "a".repeat(65)]) {
      const r2 = await rest(server.baseUrl, "GET", "/v1/auth/jwks", { headers: { "x-request-id": hostile } });
      expect(r2.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("a spoofed X-Forwarded-For does not change the client address (the HTTP peer is not a trusted proxy)", async () => {
    const username = uniqueName("gw");
    const r = await post(
      "/v1/auth/register",
      { username, email: `${username}@example.com`, password: PASSWORD },
      { "x-forwarded-for": "203.0.113.50", "user-agent": "Browser/7" },
    );
    expect(r.json.session).toMatchObject({ ipAddress: "127.0.0.1", userAgent: "Browser/7" });
  });

  it("a direct gRPC caller cannot borrow the gateway's forwarding headers", async () => {
    const reg = await registerUser(server.clients);
    const metadata = { "x-forwarded-for": "203.0.113.51", "x-forwarded-user-agent": "Forged/1", "x-auth-gateway-secret": "a-guess" };
    const login = await call(
      server.clients.auth,
      server.clients.auth.login,
      { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" },
      { metadata },
    );
    expect(login.session?.ipAddress).toBe("127.0.0.1");
    expect(login.session?.userAgent).not.toBe("Forged/1");
    expect(login.session?.userAgent).toMatch(/grpc-node-js/);
  });

  it("passes the bearer header as metadata and never logs it", async () => {
    const u = await newUser();
    const me = await rest(server.baseUrl, "GET", "/v1/users/me", { bearer: u.token });
    expect(me.json.user.username).toBe(u.username);
    expect(server.logs.some((l) => l.includes(u.token))).toBe(false);
    expect(server.logs.some((l) => l.includes(u.token.split(".")[2] as string))).toBe(false);
    expect(server.logs.some((l) => l.includes("x-auth-gateway-secret"))).toBe(false);
  });

  it("refuses a credential header that gRPC metadata cannot carry (naming it, never its value); cleans an accented user agent", async () => {
    const token = "eyJsecret.tokené";
    const bad = await rest(server.baseUrl, "GET", "/v1/users/me", { headers: { authorization: `Bearer ${token}` } });
    expectStatus(bad, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(bad.json.message).toMatch(/\bauthorization\b/);
    expect(bad.text).not.toContain("eyJsecret");
    const key = await rest(server.baseUrl, "GET", "/v1/auth/jwks", { headers: { "x-api-key": "key-sécret-42" } });
    expectStatus(key, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expect(key.json.message).toMatch(/\bx-api-key\b/);

    // Informational headers are cleaned and the call goes through.
    const agent = "Navigateur/2.0 (Système é)";
    const username = uniqueName("gw");
    const ok = await post(
      "/v1/auth/register",
      { username, email: `${username}@example.com`, password: PASSWORD },
      { "user-agent": agent, "x-forwarded-for": "203.0.113.9é" },
    );
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.session.userAgent).toBe("Navigateur/2.0 (Systme )");
    expect(ok.json.session.ipAddress).toBe("127.0.0.1");

    const logs = server.logs.join("\n");
    for (const secret of ["eyJsecret", "key-s", agent, "illegal characters"]) expect(logs).not.toContain(secret);
  });
});
