/**
 * The in-process dispatch next to a real grpc-js server built from the same handler map: what
 * a REST call gets in process must be what the same call would have got over gRPC.
 */
import { Writable } from "node:stream";
import { Client, status as Code, credentials, Metadata, type Server, type ServiceError } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import { type AuthServiceServer, AuthServiceService, ValidateTokenRequest, ValidateTokenResponse } from "../../gen/pb/auth/v1/auth_service.js";
import { type LocalCallWrapper, setLocalCallWrapper } from "../../telemetry/local-calls.js";
import { createLogger } from "../logging/logger.js";
import { GATEWAY_SECRET_METADATA } from "../transport/gateway-metadata.js";
import { InflightCalls } from "../transport/inflight-calls.js";
import type { CallContext } from "./call-context.js";
import { readDescriptorSet } from "./descriptors.js";
import { errorsInterceptor } from "./interceptors/errors.js";
import { LocalDispatcher } from "./local-dispatch.js";
import { bindServer, createGrpcServer, type GrpcService, HealthReporter } from "./server.js";
import { makeUnary } from "./unary.js";

const VALIDATE = AuthServiceService.validateToken.path;
const SECRET = "gateway-secret";
const MAX = 1024;

/** Seen by the handler: the request and what the chain made of the call. */
const seen: { request: ValidateTokenRequest; ctx: CallContext }[] = [];
const inflight = new InflightCalls();
let release: (() => void) | null = null;

function services(): GrpcService[] {
  const logger = createLogger("silent", new Writable({ write: (_c, _e, done) => done() }));
  const unary = makeUnary({ logger, trustedProxies: new Set(["10.0.0.1"]), gatewaySecret: SECRET, interceptors: [errorsInterceptor], inflight });
  const s = AuthServiceService;
  const handlers: Partial<AuthServiceServer> = {
    validateToken: unary(s.validateToken, async (req, ctx) => {
      seen.push({ request: req, ctx });
      if (req.accessToken === "hold") await new Promise<void>((r) => (release = r));
      if (req.accessToken === "expired") throw new DomainError("TOKEN_EXPIRED", "The access token has expired");
      if (req.accessToken === "boom") throw new Error("SELECT secret FROM somewhere");
      if (req.accessToken === "huge") return { userId: "u".repeat(2 * MAX), username: "", sessionId: "", roles: [], scopes: [], expiresAt: undefined };
      return { userId: `user-of-${req.accessToken}`, username: "ann", sessionId: "s1", roles: ["user"], scopes: [], expiresAt: new Date(0) };
    }),
  };
  // getJwks and the rest are left out: grpc-js answers them UNIMPLEMENTED, so must the dispatch.
  return [{ definition: AuthServiceService, handlers: handlers as AuthServiceServer }];
}

const list = services();
const dispatcher = new LocalDispatcher(list, { maxReceiveBytes: MAX, maxSendBytes: MAX });
let server: Server;
let client: Client;

beforeAll(async () => {
  server = createGrpcServer({ services: list, health: new HealthReporter(), maxMessageBytes: MAX, descriptorSet: readDescriptorSet() });
  // The send limit of createGrpcServer is 4 MiB; the dispatch is compared with it on receive only.
  const port = await bindServer(server, "127.0.0.1", 0);
  client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
});

afterAll(() => {
  client?.close();
  server?.forceShutdown();
});

afterEach(() => {
  seen.length = 0;
  setLocalCallWrapper(null);
});

const encode = (accessToken: string) => ValidateTokenRequest.encode({ accessToken }).finish();

function overGrpc(path: string, bytes: Uint8Array, metadata = new Metadata()): Promise<{ ok: true; bytes: Buffer } | { ok: false; error: ServiceError }> {
  const identity = (b: Buffer) => b;
  return new Promise((resolve) =>
    client.makeUnaryRequest(path, identity, identity, Buffer.from(bytes), metadata, (error, response) =>
      resolve(error ? { ok: false, error } : { ok: true, bytes: response as Buffer }),
    ),
  );
}

const statusBin = (e: ServiceError) => e.metadata.get("grpc-status-details-bin")[0];

describe("LocalDispatcher", () => {
  it("answers a call with the bytes the gRPC server answers, through the same handler", async () => {
    const local = await dispatcher.dispatch(VALIDATE, encode("t1"), new Metadata(), "127.0.0.1");
    const remote = await overGrpc(VALIDATE, encode("t1"));
    expect(local.ok && remote.ok).toBe(true);
    if (!local.ok || !remote.ok) return;
    expect(local.bytes.equals(remote.bytes)).toBe(true);
    expect(ValidateTokenResponse.decode(local.bytes)).toMatchObject({ userId: "user-of-t1", roles: ["user"] });
    expect(seen.map((s) => s.request.accessToken)).toEqual(["t1", "t1"]);
    expect(seen[0]?.ctx.method).toBe(VALIDATE);
  });

  it("takes the client address from the gateway's metadata only with its secret, else from the peer", async () => {
    const vouched = new Metadata();
    vouched.set("x-forwarded-for", "6.6.6.6, 203.0.113.7");
    vouched.set("x-forwarded-user-agent", "Browser/1");
    vouched.set("x-request-id", "req-12345678");
    vouched.set(GATEWAY_SECRET_METADATA, SECRET);
    await dispatcher.dispatch(VALIDATE, encode("a"), vouched, "127.0.0.1");
    const forged = new Metadata();
    forged.set("x-forwarded-for", "6.6.6.6");
    forged.set(GATEWAY_SECRET_METADATA, "not-the-secret");
    forged.set("user-agent", "Direct/1");
    await dispatcher.dispatch(VALIDATE, encode("b"), forged, "::ffff:192.0.2.1:5000");
    expect(seen.map((s) => s.ctx.request)).toMatchObject([
      { ipAddress: "203.0.113.7", userAgent: "Browser/1", requestId: "req-12345678" },
      { ipAddress: "192.0.2.1", userAgent: "Direct/1" },
    ]);
    // The secret never reaches the interceptors or handlers.
    expect(seen.map((s) => s.ctx.metadata.get(GATEWAY_SECRET_METADATA))).toEqual([[], []]);
  });

  it("gives a handler's failure with the status grpc-js would send: code, details and google.rpc.Status", async () => {
    const withId = () => {
      const m = new Metadata();
      m.set("x-request-id", "req-87654321");
      return m;
    };
    for (const token of ["expired", "boom"]) {
      const local = await dispatcher.dispatch(VALIDATE, encode(token), withId(), "127.0.0.1");
      const remote = await overGrpc(VALIDATE, encode(token), withId());
      if (local.ok || remote.ok) throw new Error("expected failures");
      expect(local.error.code).toBe(remote.error.code);
      expect(local.error.details).toBe(remote.error.details);
      expect(statusBin(local.error)).toBeInstanceOf(Buffer);
      expect((statusBin(local.error) as Buffer).equals(statusBin(remote.error) as Buffer)).toBe(true);
    }
    const expired = await dispatcher.dispatch(VALIDATE, encode("expired"), new Metadata(), "127.0.0.1");
    expect(!expired.ok && expired.error.code).toBe(Code.UNAUTHENTICATED);
    const boom = await dispatcher.dispatch(VALIDATE, encode("boom"), new Metadata(), "127.0.0.1");
    expect(!boom.ok && boom.error.details).toMatch(/^Internal error \(request id /);
  });

  it("refuses what grpc-js's server refuses before any handler, with the same codes", async () => {
    const cases: [string, Uint8Array, Code][] = [
      ["/auth.v1.AuthService/GetJwks", new Uint8Array(), Code.UNIMPLEMENTED], // no handler in the map
      ["/auth.v1.NoSuchService/Call", new Uint8Array(), Code.UNIMPLEMENTED],
      [VALIDATE, encode("x".repeat(MAX)), Code.RESOURCE_EXHAUSTED], // over SERVER__MAX_MESSAGE_BYTES
      [VALIDATE, Uint8Array.from([0x0a, 0x05, 0x61]), Code.INTERNAL], // does not parse
    ];
    for (const [path, bytes, code] of cases) {
      const local = await dispatcher.dispatch(path, bytes, new Metadata(), "127.0.0.1");
      const remote = await overGrpc(path, bytes);
      expect([!local.ok && local.error.code, !remote.ok && remote.error.code], path).toEqual([code, code]);
      // No details of ours: the gateway renders these by their code alone.
      expect(!local.ok && statusBin(local.error)).toBeUndefined();
    }
    const unparsable = await dispatcher.dispatch(VALIDATE, Uint8Array.from([0x0a, 0x05, 0x61]), new Metadata(), "127.0.0.1");
    // The parser's own message is not passed on.
    expect(!unparsable.ok && unparsable.error.details).toBe("Error deserializing request");
    expect(seen).toEqual([]);
  });

  it("refuses an answer over the send limit", async () => {
    const local = await dispatcher.dispatch(VALIDATE, encode("huge"), new Metadata(), "127.0.0.1");
    expect(!local.ok && local.error.code).toBe(Code.RESOURCE_EXHAUSTED);
  });

  it("counts the call in progress where the gRPC server's drain waits for it", async () => {
    const pending = dispatcher.dispatch(VALIDATE, encode("hold"), new Metadata(), "127.0.0.1");
    let idle = false;
    void inflight.idle().then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(idle).toBe(false);
    release?.();
    expect((await pending).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(idle).toBe(true);
  });

  it("runs every call through the installed local-call wrapper, which sees its outcome", async () => {
    const outcomes: [string, number | undefined][] = [];
    const wrapper: LocalCallWrapper = (path, invoke, done) =>
      invoke((error, value) => {
        outcomes.push([path, error ? error.code : 0]);
        done(error, value);
      });
    setLocalCallWrapper(wrapper);
    await dispatcher.dispatch(VALIDATE, encode("ok"), new Metadata(), "127.0.0.1");
    await dispatcher.dispatch(VALIDATE, encode("expired"), new Metadata(), "127.0.0.1");
    expect(outcomes).toEqual([
      [VALIDATE, 0],
      [VALIDATE, Code.UNAUTHENTICATED],
    ]);
  });
});
