/**
 * What load balancers and browsers read on the public REST port besides the API: `/healthz`
 * (the process answers), `/readyz` (its database and Redis answered the last health probe: 503
 * otherwise, and while shutting down), `/openapi.json` and the `/docs` page. `/metrics` is not
 * here: it tells anyone the traffic, errors and internals of the service, so it is served only
 * on the operators' listener (ops-listener.ts).
 */
import type { Readiness } from "../../transport/readiness.js";
import { DOCS_CSP, NO_STORE } from "../security-headers.js";
import type { DocsAssets } from "./docs.js";

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export type { Readiness } from "../../transport/readiness.js";

const json = (status: number, value: unknown): Reply => ({
  status,
  headers: { "content-type": "application/json", ...NO_STORE },
  body: JSON.stringify(value),
});

export class OpsEndpoints {
  constructor(
    private readonly deps: {
      /**
       * The last result of the process's own health monitor. Never a fresh probe: /readyz is
       * anonymous, and a request must not be able to make the service hit its database.
       */
      ready: () => Readiness;
      docs: DocsAssets;
      stopping: () => boolean;
    },
  ) {}

  /** The reply for an operations path, or null when `path` is not one (then the API routes decide). */
  async handle(method: string, path: string): Promise<Reply | null> {
    if (method !== "GET" && method !== "HEAD") return null;
    switch (path) {
      case "/healthz":
        return json(200, { status: "ok" });
      case "/readyz": {
        if (this.deps.stopping()) return json(503, { status: "stopping", database: false, redis: false });
        const { database, redis } = this.deps.ready();
        return json(database && redis ? 200 : 503, { status: database && redis ? "ready" : "not ready", database, redis });
      }
    }
    const asset = this.deps.docs.get(path);
    if (!asset) return null;
    const headers: Record<string, string> = { "content-type": asset.contentType, "cache-control": "no-cache" };
    if (asset.contentType.startsWith("text/html")) headers["content-security-policy"] = DOCS_CSP;
    return { status: 200, headers, body: asset.body };
  }
}
