/**
 * CORS for the REST gateway from SERVER__ALLOWED_ORIGINS. An allowed origin is echoed (never
 * `*`, which credentials forbid), with `Vary: Origin`. A browser request from any other
 * origin is refused here with 403, not merely left without CORS headers: a "simple" POST would
 * otherwise still run its side effect before the browser hides the answer. Requests without
 * an Origin (curl, services) and same-origin requests (the /docs page) are not CORS requests.
 */
import type { IncomingMessage } from "node:http";

export const ALLOWED_REQUEST_HEADERS = ["authorization", "content-type", "x-request-id", "x-api-key"];
export const EXPOSED_RESPONSE_HEADERS = ["x-request-id", "retry-after"];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export type CorsVerdict =
  | { kind: "not-cors" }
  | { kind: "allowed"; origin: string }
  | { kind: "refused"; origin: string };

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
    if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return { kind: "not-cors" };
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

/** `http://LocalHost:3000/` → `http://localhost:3000`, as browsers serialize an Origin. */
function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? null : url.origin;
  } catch {
    return null;
  }
}
