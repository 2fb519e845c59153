/**
 * CORS for the REST gateway from SERVER__ALLOWED_ORIGINS. An allowed origin is echoed (never
 * `*`, which credentials forbid), with `Vary: Origin`. A browser request from any other
 * origin is refused here with 403, not merely left without CORS headers: a "simple" POST would
 * otherwise still run its side effect before the browser hides the answer. Requests without
 * an Origin (curl, services) and same-origin requests (the /docs page) are not CORS requests.
 *
 * "Same origin" is decided without trusting the Host header alone: under DNS rebinding a page
 * from evil.example re-resolves its own name to this server, and then sends Origin and Host
 * that agree (`http://evil.example:8080`). So an Origin matching the Host counts as same-origin
 * only when the Host is a loopback name or address (which a rebinding page cannot claim, its
 * Host is its own name); any other origin, the service's public name included, must be listed in
 * SERVER__ALLOWED_ORIGINS.
 */
import type { IncomingMessage } from "node:http";
import { isLoopbackHost } from "../../domain/network.js";

export const ALLOWED_REQUEST_HEADERS = ["authorization", "content-type", "x-request-id", "x-api-key"];
export const EXPOSED_RESPONSE_HEADERS = ["x-request-id", "retry-after"];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export type CorsVerdict = { kind: "not-cors" } | { kind: "allowed"; origin: string } | { kind: "refused"; origin: string };

export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(
    allowedOrigins: readonly string[],
    private readonly methods: readonly string[],
  ) {
    this.origins = new Set(allowedOrigins.map(normalizeOrigin).filter((o): o is string => o !== null));
  }

  judge(req: IncomingMessage): CorsVerdict {
    const origin = req.headers.origin;
    if (origin === undefined) return { kind: "not-cors" };
    if (this.origins.has(origin)) return { kind: "allowed", origin };
    const host = req.headers.host;
    if (host !== undefined && isLoopbackHost(hostName(host)) && (origin === `http://${host}` || origin === `https://${host}`)) {
      return { kind: "not-cors" };
    }
    return { kind: "refused", origin };
  }

  /** Headers for an actual (non-preflight) response to an allowed origin. */
  responseHeaders(origin: string): Record<string, string> {
    return {
      "access-control-allow-origin": origin,
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": EXPOSED_RESPONSE_HEADERS.join(", "),
    };
  }

  /** Headers answering a preflight from an allowed origin. */
  preflightHeaders(origin: string): Record<string, string> {
    return {
      "access-control-allow-origin": origin,
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": this.methods.join(", "),
      "access-control-allow-headers": ALLOWED_REQUEST_HEADERS.join(", "),
      "access-control-max-age": String(PREFLIGHT_MAX_AGE_SECONDS),
    };
  }
}

export function isPreflight(req: IncomingMessage): boolean {
  return req.method === "OPTIONS" && req.headers.origin !== undefined && req.headers["access-control-request-method"] !== undefined;
}

/** The name or address of a Host header value: `[::1]:8080` → `[::1]`, `localhost:8080` → `localhost`. */
export function hostName(host: string): string {
  const text = host.trim();
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    return end < 0 ? text : text.slice(0, end + 1);
  }
  const colon = text.lastIndexOf(":");
  return colon < 0 ? text : text.slice(0, colon);
}

/** `http://LocalHost:3000/` → `http://localhost:3000`, as browsers serialize an Origin. */
function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? null : url.origin;
  } catch {
    return null;
  }
}
