/**
 * OpenTelemetry tracing (docs/tracing.md). The service runs in this worker with the spans in
 * an InMemorySpanExporter: `startTracing` runs before anything here imports grpc-js, pg,
 * ioredis or node:http (vitest gives every test file a fresh process, and the imports below are
 * dynamic, after it). The last part runs the service as its own process, as `npm start` does:
 * with no OTEL_* it loads no OpenTelemetry module at all; with an endpoint it exports its
 * spans over OTLP/HTTP to a small collector here on loopback.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracing } from "../../src/telemetry/tracing.js";

const exporter = new InMemorySpanExporter();
const tracing = startTracing({ spanProcessor: new SimpleSpanProcessor(exporter) });
// Only now: these load grpc-js, pg, ioredis and node:http, which the instrumentations patch.
const { status } = await import("@grpc/grpc-js");
const { startTestServer } = await import("../support/server.js");
const { call, failure } = await import("../support/grpc.js");
const { registerUser, uniqueName } = await import("../support/fixtures.js");
const { createEmptyPostgresDatabase } = await import("../support/database.js");
const { spawnMain } = await import("../support/process.js");
const { apiKeyClient } = await import("../support/api-key-server.js");

afterAll(() => tracing.shutdown());

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

const REDIS_URL = process.env.REDIS__URL ?? "redis://127.0.0.1:6379";
const tracer = trace.getTracer("tracing.test");

/** Runs `fn` inside a new root span (the "caller"), which is ended after it. */
async function asCaller<T>(name: string, fn: (root: Span) => Promise<T>): Promise<{ root: Span; result: T }> {
  return tracer.startActiveSpan(name, async (root) => {
    try {
      return { root, result: await fn(root) };
    } finally {
      root.end();
    }
  });
}

/** The finished spans of one trace, waiting (briefly) until `ready` holds: an HTTP server span ends after its response is read. */
async function spansOf(traceId: string, ready: (spans: ReadableSpan[]) => boolean = () => true): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    if (ready(spans) || Date.now() > deadline) return spans;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function only(spans: ReadableSpan[], kind: SpanKind, name: string): ReadableSpan {
  const found = spans.filter((s) => s.kind === kind && s.name === name);
  expect(
    found.map((s) => s.name),
    `${SpanKind[kind]} ${name} in ${spans.map((s) => s.name).join(", ")}`,
  ).toEqual([name]);
  return found[0]!;
}

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

/** Whether `ancestor` is on the path from `span` up to the trace's root. */
function descendsFrom(span: ReadableSpan, ancestor: ReadableSpan, spans: ReadableSpan[]): boolean {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  for (let at: ReadableSpan | undefined = span; at; at = byId.get(parentOf(at) ?? "")) {
    if (parentOf(at) === ancestor.spanContext().spanId) return true;
  }
  return false;
}

/** What of a span leaves the process besides ids and times: where a secret could hide. */
function exported(spans: ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((s) => ({
      name: s.name,
      attributes: s.attributes,
      status: s.status,
      events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })),
      links: s.links.map((l) => l.attributes),
      resource: s.resource.attributes,
    })),
  );
}

describe("tracing in the service (in-memory exporter)", () => {
  let server: TestServer;
  let pg: Awaited<ReturnType<typeof createEmptyPostgresDatabase>>;

  beforeAll(async () => {
    // PostgreSQL through the pg driver (the embedded PGlite has no driver spans) and Redis.
    pg = await createEmptyPostgresDatabase();
    server = await startTestServer({ env: { DATABASE__URL: pg.url, REDIS__URL: REDIS_URL } });
  });

  afterAll(async () => {
    await server?.close();
    await pg?.drop();
  });

  it("one trace: the caller's client span, the server span, then PostgreSQL and Redis spans below it", async () => {
    const reg = await registerUser(server.clients);
    const { root } = await asCaller("caller", () =>
      call(server.clients.auth, server.clients.auth.login, { identifier: reg.username, password: reg.password, otpCode: "", deviceName: "t" }),
    );
    const traceId = root.spanContext().traceId;
    const spans = await spansOf(traceId);

    const client = only(spans, SpanKind.CLIENT, "grpc.auth.v1.AuthService/Login");
    expect(parentOf(client)).toBe(root.spanContext().spanId);
    // The server span's parent came in the call's `traceparent` metadata; one server span per call.
    const rpc = only(spans, SpanKind.SERVER, "grpc.auth.v1.AuthService/Login");
    expect(parentOf(rpc)).toBe(client.spanContext().spanId);
    expect(rpc.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.service": "auth.v1.AuthService", "rpc.method": "Login", "rpc.grpc.status_code": 0 });
    expect(rpc.status.code).not.toBe(SpanStatusCode.ERROR);

    const database = spans.filter((s) => s.attributes["db.system.name"] === "postgresql" && s.name.startsWith("pg.query"));
    expect(database.length).toBeGreaterThan(0);
    for (const s of database) {
      expect(s.kind).toBe(SpanKind.CLIENT);
      expect(descendsFrom(s, rpc, spans), s.name).toBe(true);
      // The statement's text, with $n placeholders: the bound values (the login name here) are never recorded.
      expect(JSON.stringify(s.attributes)).not.toContain(reg.username);
    }
    const redis = spans.filter((s) => s.attributes["db.system.name"] === "redis");
    expect(redis.length).toBeGreaterThan(0);
    for (const s of redis) {
      expect(descendsFrom(s, rpc, spans), s.name).toBe(true);
      // The command and how many arguments: no key, no value.
      expect(String(s.attributes["db.query.text"])).toMatch(/^[a-z]+( \[\d+ args\])?$/i);
    }
  });

  it("the REST gateway's call joins the same trace: HTTP server span → gRPC server span, in process (no client span)", async () => {
    const reg = await registerUser(server.clients);
    const { root, result } = await asCaller("browser", () =>
      fetch(`${server.baseUrl}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ identifier: reg.username, password: reg.password }),
      }).then((r) => r.status),
    );
    expect(result).toBe(200);
    const traceId = root.spanContext().traceId;
    const spans = await spansOf(traceId, (s) => s.some((x) => x.kind === SpanKind.SERVER && x.name.startsWith("POST")));

    // fetch is undici: its CLIENT span (the SMS webhook and OIDC calls get the same) carries traceparent.
    const fetchSpan = spans.find((s) => s.kind === SpanKind.CLIENT && parentOf(s) === root.spanContext().spanId);
    expect(fetchSpan?.attributes["http.request.method"]).toBe("POST");
    const http = spans.find((s) => s.kind === SpanKind.SERVER && s.name.startsWith("POST"));
    expect(http, spans.map((s) => `${SpanKind[s.kind]} ${s.name}`).join(", ")).toBeDefined();
    expect(parentOf(http!)).toBe(fetchSpan!.spanContext().spanId);
    expect(http!.attributes["http.response.status_code"] ?? http!.attributes["http.status_code"]).toBe(200);
    // No hop over the network any more: no gRPC client span at all.
    expect(spans.filter((s) => s.kind === SpanKind.CLIENT && s.name.startsWith("grpc."))).toEqual([]);
    const rpc = only(spans, SpanKind.SERVER, "grpc.auth.v1.AuthService/Login");
    expect(parentOf(rpc)).toBe(http!.spanContext().spanId);
    expect(rpc.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.service": "auth.v1.AuthService", "rpc.method": "Login", "rpc.grpc.status_code": 0 });
    expect(rpc.status.code).not.toBe(SpanStatusCode.ERROR);
    const database = spans.filter((s) => s.attributes["db.system.name"] === "postgresql");
    expect(database.length).toBeGreaterThan(0);
    for (const s of database) expect(descendsFrom(s, rpc, spans), s.name).toBe(true);
    const redis = spans.filter((s) => s.attributes["db.system.name"] === "redis");
    expect(redis.length).toBeGreaterThan(0);
    for (const s of redis) expect(descendsFrom(s, rpc, spans), s.name).toBe(true);
  });

  it("a REST call the access interceptor refuses has its gRPC server span with the error, and its log line that span's ids", async () => {
    const { root, result } = await asCaller("browser", () => fetch(`${server.baseUrl}/v1/users/me`).then((r) => r.status));
    expect(result).toBe(401);
    const spans = await spansOf(root.spanContext().traceId, (s) => s.some((x) => x.kind === SpanKind.SERVER && x.name.startsWith("GET")));
    const http = spans.find((s) => s.kind === SpanKind.SERVER && s.name.startsWith("GET"));
    const rpc = only(spans, SpanKind.SERVER, "grpc.auth.v1.UserService/GetMe");
    expect(parentOf(rpc)).toBe(http!.spanContext().spanId);
    expect(rpc.attributes).toMatchObject({
      "rpc.system": "grpc",
      "rpc.service": "auth.v1.UserService",
      "rpc.method": "GetMe",
      "rpc.grpc.status_code": status.UNAUTHENTICATED,
      "grpc.error_name": "Error",
      "grpc.error_message": "This call needs 'authorization: Bearer <access token>'",
    });
    expect(rpc.status).toEqual({ code: SpanStatusCode.ERROR, message: "This call needs 'authorization: Bearer <access token>'" });
    const line = server.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === "rpc" && l.method === "/auth.v1.UserService/GetMe" && l.trace_id === root.spanContext().traceId);
    expect(line).toMatchObject({ span_id: rpc.spanContext().spanId, code: "UNAUTHENTICATED" });
  });

  it("a REST caller's own traceparent header becomes the HTTP server span's parent", async () => {
    // A span that is not active: fetch makes no span of its own, the header is all the service gets.
    const caller = tracer.startSpan("remote caller");
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), caller), headers);
    caller.end();
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const response = await fetch(`${server.baseUrl}/v1/auth/jwks`, { headers });
    expect(response.status).toBe(200);
    const spans = await spansOf(caller.spanContext().traceId, (s) => s.some((x) => x.kind === SpanKind.SERVER && x.name.startsWith("GET")));
    const http = spans.find((s) => s.kind === SpanKind.SERVER && s.name.startsWith("GET"));
    expect(parentOf(http!)).toBe(caller.spanContext().spanId);
    expect(descendsFrom(only(spans, SpanKind.SERVER, "grpc.auth.v1.AuthService/GetJwks"), http!, spans)).toBe(true);
  });

  it("a call the access interceptor refuses still has its server span, with the status code and an error status", async () => {
    const { root, result } = await asCaller("caller", () => failure(call(server.clients.users, server.clients.users.getMe, {})));
    expect(result.code).toBe(status.UNAUTHENTICATED);
    const spans = await spansOf(root.spanContext().traceId);
    const rpc = only(spans, SpanKind.SERVER, "grpc.auth.v1.UserService/GetMe");
    expect(rpc.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.service": "auth.v1.UserService", "rpc.method": "GetMe" });
    expect(rpc.attributes["rpc.grpc.status_code"]).toBe(status.UNAUTHENTICATED);
    expect(rpc.status.code).toBe(SpanStatusCode.ERROR);
    // Refused before any use case: nothing below the server span touched the database.
    expect(spans.filter((s) => s.attributes["db.system.name"] === "postgresql")).toEqual([]);
  });

  it("log lines written during a span carry its trace_id and span_id; others carry none", async () => {
    const reg = await registerUser(server.clients);
    const { root } = await asCaller("caller", () => call(server.clients.users, server.clients.users.getMe, {}, { bearer: reg.tokens!.accessToken }));
    const spans = await spansOf(root.spanContext().traceId);
    const rpc = only(spans, SpanKind.SERVER, "grpc.auth.v1.UserService/GetMe");
    const line = server.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === "rpc" && l.method === "/auth.v1.UserService/GetMe" && l.trace_id === root.spanContext().traceId);
    expect(line).toMatchObject({ trace_id: rpc.spanContext().traceId, span_id: rpc.spanContext().spanId, code: "OK" });

    server.app.logger.info("outside any span");
    expect(JSON.parse(server.logs.at(-1)!)).not.toHaveProperty("trace_id");
    tracer.startActiveSpan("job", (span) => {
      server.app.logger.info("inside a span");
      span.end();
      expect(JSON.parse(server.logs.at(-1)!)).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    });
  });

  it("no password, token, key or code sent in requests or metadata appears in any span", async () => {
    exporter.reset();
    const password = `Pw-${randomBytes(12).toString("hex")}`;
    const reg = await registerUser(server.clients, { password });
    // Register's verification code, delivered to the development outbox after the call returns.
    let code: string | undefined;
    for (let i = 0; i < 100 && !code; i++) {
      code = server.app.outbox?.latest(reg.email)?.code;
      if (!code) await new Promise((r) => setTimeout(r, 50));
    }
    expect(code).toMatch(/^\d{6}$/);
    const accessToken = reg.tokens!.accessToken;
    const refreshToken = reg.tokens!.refreshToken;
    const fakeBearer = `tok_${randomBytes(16).toString("hex")}`;
    const fakeKey = `sk_live_${randomBytes(16).toString("hex")}`;
    const wrongPassword = `Wrong-${randomBytes(12).toString("hex")}`;
    const { auth, users, sessions } = server.clients;

    await asCaller("sentinels", async () => {
      await call(auth, auth.verifyContact, { email: reg.email, code: code! });
      await failure(call(auth, auth.login, { identifier: reg.username, password: wrongPassword, otpCode: "", deviceName: "" }));
      await call(auth, auth.login, { identifier: reg.email, password, otpCode: "", deviceName: "" });
      await call(users, users.getMe, {}, { bearer: accessToken, metadata: { "x-api-key": fakeKey } });
      await failure(call(users, users.getMe, {}, { bearer: fakeBearer }));
      await call(auth, auth.validateToken, { accessToken });
      await call(auth, auth.refreshToken, { refreshToken });
      await call(sessions, sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer: accessToken });
      const keys = apiKeyClient(server.port);
      await failure(call(keys, keys.validateApiKey, { key: fakeKey }, { metadata: { "x-api-key": fakeKey } }));
      keys.close();
      // Over REST: the Authorization header, a credential-looking query string, a JSON body.
      const authorization = { authorization: `Bearer ${accessToken}`, "x-api-key": fakeKey, cookie: `session=${fakeBearer}` };
      await fetch(`${server.baseUrl}/v1/users/me?access_token=${fakeBearer}&code=${code}`, { headers: authorization });
      await fetch(`${server.baseUrl}/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json", ...authorization },
        body: JSON.stringify({ identifier: reg.username, password: wrongPassword }),
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    const spans = exporter.getFinishedSpans();
    const text = exported(spans);
    // The calls did produce spans with attributes (a vacuous pass would hide a broken setup).
    expect(spans.filter((s) => s.kind === SpanKind.SERVER).length).toBeGreaterThanOrEqual(11);
    expect(text).toContain("pg.query");
    for (const [what, secret] of Object.entries({ password, wrongPassword, code: code!, accessToken, refreshToken, fakeBearer, fakeKey })) {
      expect(text.includes(secret), `${what} in a span`).toBe(false);
    }
    // No header or metadata was recorded at all (error messages may name the x-api-key header).
    const keys = spans.flatMap((s) => [...Object.keys(s.attributes), ...s.events.flatMap((e) => Object.keys(e.attributes ?? {}))]);
    expect(keys.filter((k) => /header|metadata|authorization|cookie|api.?key|secret/i.test(k))).toEqual([]);
  });
});

describe("rate limiting", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH__IP_ATTEMPTS_PER_MINUTE: "2" } });
  });
  afterAll(async () => server?.close());

  it("a call refused as RESOURCE_EXHAUSTED has its server span with the code", async () => {
    const { auth } = server.clients;
    const { root } = await asCaller("caller", async () => {
      for (let i = 0; i < 4; i++) await failure(call(auth, auth.login, { identifier: uniqueName(), password: "x", otpCode: "", deviceName: "" }));
    });
    const spans = (await spansOf(root.spanContext().traceId)).filter((s) => s.kind === SpanKind.SERVER);
    expect(spans).toHaveLength(4);
    const limited = spans.filter((s) => s.attributes["rpc.grpc.status_code"] === status.RESOURCE_EXHAUSTED);
    expect(limited.length).toBeGreaterThan(0);
    for (const s of limited) expect(s.status.code).toBe(SpanStatusCode.ERROR);
  });
});

/**
 * The service as its own process, the way main.ts sets it up. A probe loaded with
 * `--import` lists every module the process resolves (ESM, through a resolve hook) or
 * requires (CommonJS, from require.cache) and prints the counts when the process exits.
 */
const PROBE = `
import { createRequire, register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on("message", (url) => seen.add(url));
port1.unref();
register("data:text/javascript," + encodeURIComponent("let port; export function initialize(d) { port = d.port; } export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }"), import.meta.url, { data: { port: port2 }, transferList: [port2] });
process.on("exit", () => {
  const all = [...seen, ...Object.keys(createRequire(process.cwd() + "/probe.js").cache)];
  const packages = (scope) => [...new Set(all.map((u) => u.match(new RegExp("/node_modules/(" + scope + "/[^/]+)/"))?.[1]).filter(Boolean))].sort();
  process.stderr.write("PROBE " + JSON.stringify({ opentelemetry: packages("@opentelemetry"), grpc: packages("@grpc") }) + "\\n");
});
`;

/** The packages of a scope the probe saw loaded, e.g. ["@grpc/grpc-js", "@grpc/proto-loader"]. */
interface Loaded {
  opentelemetry: string[];
  grpc: string[];
}

async function runService(env: Record<string, string>, during: (grpcPort: number) => Promise<void>): Promise<Loaded> {
  let listening: (port: number) => void = () => {};
  const started = new Promise<number>((resolve) => (listening = resolve));
  const proc = spawnMain(
    {
      SERVER__HOST: "127.0.0.1",
      SERVER__GRPC_PORT: "0",
      SERVER__HTTP_PORT: "0",
      SERVER__OPS_PORT: "0",
      SERVER__ENVIRONMENT: "test",
      DATABASE__DATA_DIR: "memory://",
      LOG__LEVEL: "info",
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(PROBE)}`,
      ...env,
    },
    { killAfterMs: 110_000, onLine: (line) => line.includes('"auth-service listening"') && listening(JSON.parse(line).grpcPort) },
  );
  const port = await Promise.race([started, proc.exited.then((code) => Promise.reject(new Error(`service exited (${code}):\n${proc.lines.join("\n")}`)))]);
  try {
    await during(port);
  } finally {
    proc.child.kill("SIGTERM");
    await proc.exited;
  }
  const probe = proc.lines.find((l) => l.startsWith("PROBE "));
  expect(probe, proc.lines.join("\n")).toBeDefined();
  return JSON.parse(probe!.slice("PROBE ".length));
}

/** Just enough protobuf to read an OTLP ExportTraceServiceRequest: fields by number. */
function fields(buf: Buffer): Map<number, (Buffer | bigint)[]> {
  const out = new Map<number, (Buffer | bigint)[]>();
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const [no, wire] = [key >> 3, key & 7];
    let value: Buffer | bigint;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const len = Number(varint());
      value = buf.subarray(i, i + len);
      i += len;
    } else if (wire === 1) {
      value = buf.subarray(i, i + 8);
      i += 8;
    } else {
      value = buf.subarray(i, i + 4);
      i += 4;
    }
    out.set(no, [...(out.get(no) ?? []), value]);
  }
  return out;
}

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
}

function decodeExport(body: Buffer): ExportedSpan[] {
  const bytes = (m: Map<number, (Buffer | bigint)[]>, n: number) => (m.get(n) ?? []) as Buffer[];
  const spans: ExportedSpan[] = [];
  for (const resourceSpans of bytes(fields(body), 1).map(fields)) {
    let service = "";
    for (const resource of bytes(resourceSpans, 1).map(fields)) {
      for (const kv of bytes(resource, 1).map(fields)) {
        if (bytes(kv, 1)[0]?.toString() === "service.name") service = bytes(fields(bytes(kv, 2)[0]!), 1)[0]!.toString();
      }
    }
    for (const scopeSpans of bytes(resourceSpans, 2).map(fields)) {
      for (const span of bytes(scopeSpans, 2).map(fields)) {
        spans.push({
          service,
          traceId: bytes(span, 1)[0]!.toString("hex"),
          spanId: bytes(span, 2)[0]!.toString("hex"),
          parentSpanId: (bytes(span, 4)[0] ?? Buffer.alloc(0)).toString("hex"),
          name: bytes(span, 5)[0]!.toString(),
          kind: Number((span.get(6)?.[0] as bigint | undefined) ?? 0n),
        });
      }
    }
  }
  return spans;
}

describe("the service process (node --import tsx src/main.ts)", () => {
  let collector: Server;
  const received: ExportedSpan[] = [];
  let endpoint = "";

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.url === "/v1/traces") received.push(...decodeExport(Buffer.concat(chunks)));
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    collector.listen(0, "127.0.0.1");
    await once(collector, "listening");
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  const jwks = async (port: number) => {
    const { connect } = await import("../support/grpc.js");
    const clients = connect(port);
    try {
      return await asCaller("caller", () => call(clients.auth, clients.auth.getJwks, {}));
    } finally {
      clients.close();
    }
  };

  it("loads no OpenTelemetry module when no OTEL_* is configured", async () => {
    const probe = await runService({}, async (port) => {
      await jwks(port);
    });
    // The probe does see packages (grpc-js); of OpenTelemetry only the API, which prom-client
    // requires for its exemplars whether or not we trace (a no-op without an SDK): no SDK, no
    // instrumentation, no exporter, nothing patched.
    expect(probe.grpc).toContain("@grpc/grpc-js");
    expect(probe.opentelemetry).toEqual(["@opentelemetry/api"]);
  }, 120_000);

  it("with OTEL_EXPORTER_OTLP_ENDPOINT: exports the server span, child of the caller's, over OTLP/HTTP", async () => {
    const serviceName = `auth-test-${randomBytes(3).toString("hex")}`;
    let client: ReadableSpan | undefined;
    const probe = await runService({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: serviceName, OTEL_BSP_SCHEDULE_DELAY: "100" }, async (port) => {
      const { root } = await jwks(port);
      client = only(await spansOf(root.spanContext().traceId), SpanKind.CLIENT, "grpc.auth.v1.AuthService/GetJwks");
    });
    expect(probe.opentelemetry).toEqual(
      expect.arrayContaining(["@opentelemetry/sdk-trace-node", "@opentelemetry/instrumentation-grpc", "@opentelemetry/exporter-trace-otlp-proto"]),
    );
    const mine = received.filter((s) => s.traceId === client!.spanContext().traceId);
    expect(mine).toEqual([
      {
        service: serviceName,
        traceId: client!.spanContext().traceId,
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        parentSpanId: client!.spanContext().spanId,
        name: "grpc.auth.v1.AuthService/GetJwks",
        kind: 2, // SPAN_KIND_SERVER
      },
    ]);
  }, 120_000);
});
