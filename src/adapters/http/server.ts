/**
 * The built-in REST gateway (SERVER__HTTP_PORT): the same REST face Envoy's transcoder gives
 * in production, from the same google.api.http rules, so `npm start` alone serves browsers.
 * Per request: security headers, CORS, operations paths, then the route table → transcode →
 * our RPC handlers, in process, behind the same interceptors as a gRPC call
 * (gateway/grpc-forwarder.ts, grpc/local-dispatch.ts) → JSON (or google.rpc.Status JSON with
 * Envoy's HTTP code).
 * `/metrics` is not served here (404 like any unknown path): see ops/ops-listener.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { Counter, Histogram, type Registry } from "prom-client";
import type { Logger } from "../logging/logger.js";
import { InflightCalls } from "../transport/inflight-calls.js";
import { LATENCY_BUCKETS } from "../transport/latency-buckets.js";
import { peerAddress } from "../transport/peer-address.js";
import type { Readiness } from "../transport/readiness.js";
import { requestIdOr } from "../transport/request-id.js";
import { BodyTooLarge, readBody } from "./body.js";
import { CorsPolicy, isPreflight } from "./cors.js";
import { gatewayError, type HttpErrorResponse, renderGrpcError } from "./gateway/errors.js";
import { type Dispatch, GrpcForwarder } from "./gateway/grpc-forwarder.js";
import type { ApiDescriptors } from "./gateway/http-rules.js";
import { RouteTable } from "./gateway/route-table.js";
import { BadHttpRequest, decodeResponse, encodeRequest } from "./gateway/transcode.js";
import { listenOn } from "./listen.js";
import { DocsAssets } from "./ops/docs.js";
import { OpsEndpoints, type Reply } from "./ops/ops-endpoints.js";
import { NO_STORE, SECURITY_HEADERS } from "./security-headers.js";

export interface HttpGatewayOptions {
  api: ApiDescriptors;
  logger: Logger;
  allowedOrigins: readonly string[];
  /** Largest request body accepted (413 above it). */
  maxBodyBytes: number;
  /** Vouches for forwarded client IP and user agent (see transport/gateway-metadata.ts). */
  gatewaySecret: string;
  /** Runs a transcoded call through our RPC handlers: LocalDispatcher.dispatch (grpc/local-dispatch.ts). */
  dispatch: Dispatch;
  /** The dependencies' state as last seen by the health monitor: /readyz does no I/O of its own. */
  ready: () => Readiness;
  /** Where the gateway's own request metrics are registered (served on the operators' listener, never here). */
  metrics: Registry;
  docs?: DocsAssets;
}

/** Headers passed through to the RPC as metadata, unchanged. */
const PASS_THROUGH = ["authorization", "x-api-key"];

/** Per forwarded call, like Envoy's default route timeout. */
const FORWARD_DEADLINE_MS = 15_000;

/**
 * What gRPC metadata may carry as text. grpc-js throws on anything else, quoting the value in
 * its message: for a credential header that would put the secret into an error (and a log).
 */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export class HttpGateway {
  private readonly server: Server;
  private readonly routes: RouteTable;
  private readonly cors: CorsPolicy;
  private readonly ops: OpsEndpoints;
  private readonly requests: Counter<"method" | "route" | "code">;
  private readonly seconds: Histogram<"method" | "route">;
  private readonly forwarder: GrpcForwarder;
  /** HTTP requests in progress, so shutdown can let exactly those finish. */
  private readonly inflight = new InflightCalls();
  private stopping = false;

  constructor(private readonly options: HttpGatewayOptions) {
    // Every error body is a google.rpc.Status: fail at start-up, not on the first error.
    if (!options.api.registry.getMessage("google.rpc.Status")) throw new Error("google.rpc.Status is not in the descriptor set");
    this.routes = new RouteTable(options.api.bindings);
    this.forwarder = new GrpcForwarder(options.dispatch, { secret: options.gatewaySecret, deadlineMs: FORWARD_DEADLINE_MS });
    if (options.api.unsupported.length > 0) {
      options.logger.warn({ methods: options.api.unsupported }, "streaming RPCs with an HTTP rule have no REST route on the built-in gateway");
    }
    this.cors = new CorsPolicy(options.allowedOrigins, [...new Set([...this.routes.verbs, "GET"])]);
    this.ops = new OpsEndpoints({
      ready: options.ready,
      docs: options.docs ?? new DocsAssets(),
      stopping: () => this.stopping,
    });
    this.requests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered by the built-in gateway, by route template and status.",
      labelNames: ["method", "route", "code"] as const,
      registers: [options.metrics],
    });
    this.seconds = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time to answer an HTTP request on the built-in gateway, by route template.",
      labelNames: ["method", "route"] as const,
      buckets: [...LATENCY_BUCKETS],
      registers: [options.metrics],
    });
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (req, res) => {
      this.inflight.enter();
      void this.handle(req, res).finally(() => this.inflight.leave());
    });
  }

  /** Binds the HTTP port (0 picks one). */
  async listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, host, port);
  }

  /** Stops accepting, lets requests in progress finish until `deadline` (epoch ms), then closes. */
  async close(deadline: number): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const wait = Math.max(0, deadline - Date.now());
    await Promise.race([this.inflight.idle(), sleep(wait)]);
    this.server.closeAllConnections();
    await Promise.race([closed, sleep(500)]);
    this.forwarder.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? "GET";
    const requestId = requestIdOr(req.headers["x-request-id"]);
    let route = "unmatched";
    let reply: Reply;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader("vary", "Origin");
    res.setHeader("x-request-id", requestId);
    if (this.stopping) res.setHeader("connection", "close");
    try {
      reply = await this.dispatch(req, res, method, requestId, (r) => (route = r));
    } catch (error) {
      reply = this.failure(error, requestId, req, res);
    }
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(reply.status, reply.headers);
      res.end(method === "HEAD" ? undefined : reply.body);
    }
    const code = String(reply.status);
    this.requests.inc({ method, route, code });
    this.seconds.observe({ method, route }, (performance.now() - started) / 1000);
    const level = reply.status >= 500 ? "warn" : "debug";
    this.options.logger[level]({ requestId, method, route, status: reply.status, durationMs: Math.round(performance.now() - started) }, "http");
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, method: string, requestId: string, setRoute: (r: string) => void): Promise<Reply> {
    const registry = this.options.api.registry;
    const verdict = this.cors.judge(req);
    if (verdict.kind === "refused") {
      setRoute("cors");
      return this.errorReply(gatewayError(registry, "PERMISSION_DENIED", "This origin may not call the API", requestId));
    }
    if (verdict.kind === "allowed") {
      if (isPreflight(req)) {
        setRoute("preflight");
        res.setHeader("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        return { status: 204, headers: this.cors.preflightHeaders(verdict.origin), body: "" };
      }
      for (const [k, v] of Object.entries(this.cors.responseHeaders(verdict.origin))) res.setHeader(k, v);
    }
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));

    const ops = await this.ops.handle(method, path);
    if (ops) {
      setRoute(path.startsWith("/docs") ? "/docs" : path);
      return ops;
    }
    const match = this.routes.match(method, path);
    if (!match) {
      const message = `No route for ${method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`;
      return this.errorReply(gatewayError(registry, "ROUTE_NOT_FOUND", sanitize(message), requestId));
    }
    const { binding } = match;
    setRoute(binding.template.source);
    const body = binding.body === "" ? Buffer.alloc(0) : await readBody(req, this.options.maxBodyBytes);
    const request = encodeRequest(binding, registry, { pathValues: match.pathValues, query, body });

    const passThrough: Record<string, string> = { "x-request-id": requestId };
    for (const name of PASS_THROUGH) {
      const value = req.headers[name];
      if (typeof value !== "string") continue;
      // Refused, not cleaned: a credential with one byte changed is another credential.
      // The answer names the header, never its value.
      if (!PRINTABLE_ASCII.test(value)) {
        const message = `The ${name} header may hold printable ASCII characters only`;
        return this.errorReply(gatewayError(registry, "VALIDATION_FAILED", message, requestId));
      }
      passThrough[name] = value;
    }
    const forwardedFor = req.headers["x-forwarded-for"];
    const userAgent = req.headers["user-agent"];
    const pending = this.forwarder.call(binding.grpcPath, request, {
      passThrough,
      peerIp: httpPeer(req),
      // Informational only (a browser may send an accented user agent): cleaned, not refused.
      forwardedFor: typeof forwardedFor === "string" ? printable(forwardedFor) : undefined,
      userAgent: userAgent === undefined ? undefined : printable(userAgent),
    });
    // The browser went away: answer the call as cancelled at once. Its handler runs to its end
    // (as it did behind grpc-js, whose cancel did not stop it) and counts for the drain.
    res.once("close", () => {
      if (!res.writableFinished) pending.cancel();
    });
    const result = await pending.result;
    if (result.ok) {
      return {
        status: 200,
        headers: { "content-type": "application/json", ...NO_STORE },
        body: JSON.stringify(decodeResponse(binding, registry, result.bytes)),
      };
    }
    return this.errorReply(renderGrpcError(result.error, registry, requestId));
  }

  private failure(error: unknown, requestId: string, req: IncomingMessage, res: ServerResponse): Reply {
    const registry = this.options.api.registry;
    if (error instanceof BadHttpRequest) {
      return this.errorReply(gatewayError(registry, "VALIDATION_FAILED", error.message, requestId, error.violations));
    }
    if (error instanceof BodyTooLarge) {
      // Whatever the client still sends is not read: this connection ends with the answer.
      res.setHeader("connection", "close");
      req.resume();
      return this.errorReply(gatewayError(registry, "MESSAGE_TOO_LARGE", error.message, requestId));
    }
    if (req.destroyed || res.destroyed) {
      // The client went away mid-request (nginx's and Envoy's 499): nothing to answer, nothing broken.
      return this.errorReply(gatewayError(registry, "CANCELLED", "The client closed the request", requestId));
    }
    // The name only: a message may quote request data (grpc-js quotes a refused header value).
    this.options.logger.error({ requestId, err: error instanceof Error ? error.name : "non-error thrown" }, "gateway failure");
    return this.errorReply(gatewayError(registry, "INTERNAL_ERROR", `Internal error (request id ${requestId})`, requestId));
  }

  private errorReply(e: HttpErrorResponse): Reply {
    return { status: e.status, headers: { "content-type": "application/json", ...NO_STORE, ...e.headers }, body: JSON.stringify(e.body) };
  }
}

/**
 * The HTTP peer's address; IPv4-mapped IPv6 as plain IPv4 (as call-context.ts does for gRPC).
 * "" when the socket no longer knows it (it closed before the request was handled): then
 * the forwarder sends no X-Forwarded-For at all (gateway/grpc-forwarder.ts, forwardedForHops).
 */
export function httpPeer(req: Pick<IncomingMessage, "socket">): string {
  const address = req.socket.remoteAddress ?? "";
  return address === "" ? "" : peerAddress(address.includes(":") ? `[${address}]:0` : `${address}:0`);
}

/** A path echoed in a message: printable ASCII only (no log or header injection). */
function sanitize(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

/** An informational header as gRPC metadata can carry it: the other characters dropped. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
