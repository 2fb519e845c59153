/**
 * The operators' listener (SERVER__OPS_HOST:SERVER__OPS_PORT, loopback by default): `/metrics`
 * in Prometheus text, and nothing else. Metrics tell their reader the traffic, error rates and
 * internals of the service, so they are kept off the public REST port; a scraper reaches this
 * port on the host or pod network, a browser or a client of the API never does. No CORS (no
 * browser has any business here), no API routes, no body read: anything but GET/HEAD /metrics
 * is 404 or 405.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import { requestIdOr } from "../../transport/request-id.js";
import { listenOn } from "../listen.js";
import { NO_STORE, SECURITY_HEADERS } from "../security-headers.js";

export class OpsListener {
  private readonly server: Server;

  constructor(private readonly metrics: Registry) {
    this.server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 }, (req, res) => {
      void this.handle(req, res);
    });
  }

  /** Binds `host:port` (0 picks a free port) and returns the port. */
  async listen(host: string, port: number): Promise<number> {
    return listenOn(this.server, host, port);
  }

  /** Stops accepting and closes every connection (a scrape in progress is simply retried). */
  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    res.setHeader("x-request-id", requestIdOr(req.headers["x-request-id"]));
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const text = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...NO_STORE, ...headers });
      res.end(method === "HEAD" ? undefined : body);
    };
    if (path !== "/metrics") return text(404, "Not found\n");
    if (method !== "GET" && method !== "HEAD") return text(405, "Method not allowed\n", { allow: "GET, HEAD" });
    try {
      const body = await this.metrics.metrics();
      res.writeHead(200, { "content-type": this.metrics.contentType, ...NO_STORE });
      res.end(method === "HEAD" ? undefined : body);
    } catch {
      // A collector that throws: the scrape fails visibly, the reason stays in the process.
      if (!res.headersSent) text(500, "Metrics collection failed\n");
      else res.destroy();
    }
  }
}
