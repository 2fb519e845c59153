import { describe, expect, it } from "vitest";
import { DocsAssets } from "./docs.js";
import { OpsEndpoints, type Readiness } from "./ops-endpoints.js";

const ops = (state: Readiness, stopping = false) => new OpsEndpoints({ ready: () => state, docs: new DocsAssets(), stopping: () => stopping });

describe("/readyz", () => {
  it("is 503 naming the dependency that does not answer, and while stopping", async () => {
    expect((await ops({ database: true, redis: true }).handle("GET", "/readyz"))?.status).toBe(200);
    const db = await ops({ database: false, redis: true }).handle("GET", "/readyz");
    expect(db?.status).toBe(503);
    expect(JSON.parse(String(db?.body))).toEqual({ status: "not ready", database: false, redis: true });
    expect((await ops({ database: true, redis: false }).handle("GET", "/readyz"))?.status).toBe(503);
    expect((await ops({ database: true, redis: true }, true).handle("GET", "/readyz"))?.status).toBe(503);
    // Liveness does not depend on anything else.
    expect((await ops({ database: false, redis: false }, true).handle("GET", "/healthz"))?.status).toBe(200);
  });

  it("answers from the health monitor's last result, whatever it is when the request comes", async () => {
    const last: Readiness = { database: true, redis: true };
    let reads = 0;
    const endpoints = new OpsEndpoints({ ready: () => (reads++, last), docs: new DocsAssets(), stopping: () => false });
    expect((await endpoints.handle("GET", "/readyz"))?.status).toBe(200);
    last.redis = false;
    const down = await endpoints.handle("GET", "/readyz");
    expect(down?.status).toBe(503);
    expect(JSON.parse(String(down?.body))).toEqual({ status: "not ready", database: true, redis: false });
    expect(reads).toBe(2);
    // Other paths never look at readiness.
    await endpoints.handle("GET", "/healthz");
    expect(reads).toBe(2);
  });

  it("answers GET and HEAD only; anything else falls through to the API routes", async () => {
    expect(await ops({ database: true, redis: true }).handle("POST", "/healthz")).toBeNull();
    expect(await ops({ database: true, redis: true }).handle("GET", "/docs/../../package.json")).toBeNull();
  });
});

describe("/metrics", () => {
  it("is not one of the public operations paths (it is on the operators' listener)", async () => {
    expect(await ops({ database: true, redis: true }).handle("GET", "/metrics")).toBeNull();
    expect(await ops({ database: true, redis: true }).handle("HEAD", "/metrics")).toBeNull();
  });
});
