import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, requireChromium, type TestBrowser } from "../support/browser.js";
import { startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** The app: `/` starts the sign-in, `/callback` completes it. The state is kept to match the callback. */
const APP_JS = `
const api = document.body.dataset.api;
const out = document.getElementById("out");
const step = (name, value) => {
  const li = document.createElement("li");
  li.dataset.step = name;
  li.textContent = JSON.stringify(value);
  out.append(li);
};
const post = async (path, body) => {
  const r = await fetch(api + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
};
(async () => {
  try {
    if (location.pathname === "/callback") {
      const q = new URLSearchParams(location.search);
      if (q.get("state") !== sessionStorage.getItem("oauth-state")) throw new Error("state mismatch");
      const done = await post("/v1/auth/oauth/acme/complete", { code: q.get("code"), state: q.get("state"), iss: q.get("iss") || "", deviceName: "browser" });
      step("complete", {
        status: done.status,
        created: done.body.created,
        username: done.body.user && done.body.user.username,
        email: done.body.user && done.body.user.email,
        authMethod: done.body.session && done.body.session.authMethod,
        tokenType: done.body.tokens && done.body.tokens.tokenType,
      });
      document.getElementById("user").textContent = done.body.user ? done.body.user.username : "";
      document.title = done.status === 200 ? "done" : "failed";
      return;
    }
    const started = await post("/v1/auth/oauth/acme/start", {});
    step("start", { status: started.status });
    sessionStorage.setItem("oauth-state", started.body.state);
    location.assign(started.body.authorizationUrl);
  } catch (error) {
    step("error", String(error));
    document.title = "failed";
  }
})();
`;

let service: TestServer;
let provider: TestOidcProvider;
let app: { server: Server; origin: string };
let context: BrowserContext;
let browser: TestBrowser | undefined;

function startAppServer(apiBase: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(APP_JS);
      return;
    }
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(
        `<!doctype html><html><head><title>app</title></head><body data-api="${apiBase()}"><p id="user"></p><ol id="out"></ol><script src="/app.js"></script></body></html>`,
      );
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

beforeAll(async () => {
  requireChromium();
  app = await startAppServer(() => service.baseUrl);
  const redirectUri = `${app.origin}/callback`;
  const client = { client_id: "browser-app", client_secret: `browser-secret-${Date.now()}`, redirect_uris: [redirectUri] };
  provider = await startOidcProvider({ clients: [client] });
  const entry = { id: "acme", issuer: provider.issuer, clientId: client.client_id, clientSecret: client.client_secret, redirectUri, trustEmailVerified: true };
  service = await startTestServer({ env: { SERVER__ALLOWED_ORIGINS: JSON.stringify([app.origin]), OAUTH__PROVIDERS: JSON.stringify([entry]) } });
  browser = await launchChromium();
  context = browser.context;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  await provider?.close();
  await new Promise((r) => (app ? app.server.close(r) : r(undefined)));
});

describe("signing in with a provider from a web app", () => {
  it("starts through the gateway, goes through the provider, and completes on the app's callback page", async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    provider.account("browser-person", { email: "browser.person@mail.example", email_verified: true, preferred_username: "browser_person" });
    provider.nextLogin("browser-person");

    await page.goto(`${app.origin}/`);
    // Away to the provider and back: wait for the callback page, then for its answer.
    await page.waitForURL((url) => url.pathname === "/callback", { timeout: 30_000 });
    await expect.poll(() => page.title().catch(() => ""), { timeout: 30_000 }).toMatch(/^(done|failed)$/);
    const steps = Object.fromEntries(
      await page.locator("[data-step]").evaluateAll((els) => els.map((e) => [e.getAttribute("data-step"), JSON.parse(e.textContent ?? "null")])),
    );
    expect(steps.error).toBeUndefined();
    expect(await page.title()).toBe("done");
    const landed = new URL(page.url());
    expect(`${landed.origin}${landed.pathname}`).toBe(`${app.origin}/callback`);
    expect(landed.searchParams.get("iss")).toBe(provider.issuer);
    expect(steps.complete).toEqual({
      status: 200,
      created: true,
      username: "browser_person",
      email: "browser.person@mail.example",
      authMethod: "oauth:acme",
      tokenType: "Bearer",
    });
    expect(await page.locator("#user").textContent()).toBe("browser_person");
    // The browser went through the provider's own pages: authorization, the interaction, the resume.
    expect(provider.requests.filter((p) => p === "/auth" || p.startsWith("/interaction/") || p.startsWith("/auth/")).length).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
