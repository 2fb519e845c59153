import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDescriptorSet } from "../../src/adapters/grpc/descriptors.js";
import { loadApi } from "../../src/adapters/http/gateway/http-rules.js";
import { openApiPath } from "../../src/adapters/http/gateway/path-template.js";
import { launchChromium, requireChromium, type TestBrowser } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** Where the screenshots go, for a person to look at: the first screen, and the whole page after Try it out. */
const SCREENSHOTS = { top: "/tmp/auth-service-docs-top.png", full: "/tmp/auth-service-docs.png" };

/** The "other app": a page whose own script calls the API cross-origin. */
const APP_JS = `
const api = document.body.dataset.api;
const out = document.getElementById("out");
const step = (name, value) => {
  const li = document.createElement("li");
  li.dataset.step = name;
  li.textContent = JSON.stringify(value);
  out.append(li);
};
const json = async (r) => ({ status: r.status, body: await r.json(), requestId: r.headers.get("x-request-id") });
(async () => {
  try {
    const username = "browser_" + Math.random().toString(36).slice(2, 10);
    const password = "correct horse battery staple";
    const reg = await json(await fetch(api + "/v1/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, email: username + "@example.com", password, deviceName: "first tab" }),
    }));
    step("register", { status: reg.status, username: reg.body.user && reg.body.user.username, requestId: reg.requestId });
    const login = await json(await fetch(api + "/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ identifier: username, password, deviceName: "second tab" }),
    }));
    step("login", { status: login.status, tokenType: login.body.tokens && login.body.tokens.tokenType });
    const sessions = await json(await fetch(api + "/v1/sessions", {
      credentials: "include",
      headers: { authorization: "Bearer " + login.body.tokens.accessToken, "x-request-id": "browser-list-1" },
    }));
    step("sessions", {
      status: sessions.status,
      requestId: sessions.requestId,
      devices: sessions.body.sessions.map((s) => s.deviceName).sort(),
      current: sessions.body.sessions.filter((s) => s.current).map((s) => s.deviceName),
      userAgent: sessions.body.sessions[0].userAgent,
    });
    const bearer = { authorization: "Bearer " + login.body.tokens.accessToken };
    const created = await json(await fetch(api + "/v1/api-keys", {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: JSON.stringify({ name: "from the browser", scopes: ["read"] }),
    }));
    step("createKey", { status: created.status, secretPrefix: (created.body.secret || "").slice(0, 3), start: created.body.apiKey && created.body.apiKey.start });
    const revoked = await fetch(api + "/v1/api-keys/" + created.body.apiKey.id, { method: "DELETE", headers: bearer });
    const keys = await json(await fetch(api + "/v1/api-keys", { headers: bearer }));
    step("revokeKey", {
      status: revoked.status,
      listed: keys.body.apiKeys.map((k) => ({ name: k.name, revoked: Boolean(k.revokeTime), secretShown: "secret" in k })),
    });
    document.title = "done";
  } catch (error) {
    step("error", String(error));
    document.title = "failed";
  }
})();
`;

function startAppServer(apiBase: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(APP_JS);
      return;
    }
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(`<!doctype html><html><head><title>app</title></head><body data-api="${apiBase()}"><ol id="out"></ol><script src="/app.js"></script></body></html>`);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

const api = loadApi(readDescriptorSet());
let service: TestServer;
let allowedApp: { server: Server; origin: string };
let otherApp: { server: Server; origin: string };
let context: BrowserContext;
let browser: TestBrowser | undefined;

beforeAll(async () => {
  requireChromium();
  allowedApp = await startAppServer(() => service.baseUrl);
  otherApp = await startAppServer(() => service.baseUrl);
  service = await startTestServer({ env: { SERVER__ALLOWED_ORIGINS: JSON.stringify([allowedApp.origin]) } });
  browser = await launchChromium();
  context = browser.context;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  for (const app of [allowedApp, otherApp]) await new Promise((r) => app?.server.close(r));
});

/** A page that records console errors and uncaught exceptions. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  return { page, problems };
}

describe("the /docs page", () => {
  it("renders every operation of the descriptor set under its strict CSP, and Try it out calls the API", async () => {
    const { page, problems } = await openPage();
    const response = await page.goto(`${service.baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    await page.locator(".opblock").first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator(".opblock").count(), { timeout: 10_000 }).toBe(api.bindings.length);

    const listed = await page.locator(".opblock .opblock-summary-path").evaluateAll((els) => els.map((e) => e.getAttribute("data-path")));
    const methods = await page.locator(".opblock .opblock-summary-method").allTextContents();
    const seen = listed.map((p, i) => `${methods[i]} ${p}`).sort();
    expect(seen).toEqual(api.bindings.map((b) => `${b.verb} ${openApiPath(b.template)}`).sort());
    expect(await page.locator(".info .title").textContent()).toMatch(/auth-service REST API/);
    expect(await page.locator(".opblock-tag").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AuthService/), expect.stringMatching(/^SessionService/), expect.stringMatching(/^UserService/)]),
    );
    // Swagger UI offers authorization for the bearer-protected operations.
    expect(await page.locator(".btn.authorize").count()).toBeGreaterThan(0);

    await page.screenshot({ path: SCREENSHOTS.top });

    // Try it out: GET /v1/auth/jwks from the page, same origin.
    const jwks = page.locator("#operations-AuthService-AuthService_GetJwks");
    await jwks.locator(".opblock-summary").click();
    await jwks.locator(".try-out__btn").click();
    await jwks.locator(".execute").click();
    const status = jwks.locator(".live-responses-table tbody .response-col_status").first();
    await status.waitFor({ timeout: 10_000 });
    expect((await status.textContent())?.trim()).toBe("200");
    expect(await jwks.locator(".live-responses-table tbody .response-col_description").first().textContent()).toContain("EdDSA");

    await page.screenshot({ path: SCREENSHOTS.full, fullPage: true });
    expect(problems.filter((p) => /Content Security Policy|Refused to|pageerror/i.test(p))).toEqual([]);
    await page.close();
  }, 60_000);
});

describe("a web app on another origin", () => {
  it("registers, logs in and lists its sessions through CORS when its origin is allowed", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${allowedApp.origin}/`);
    await expect.poll(() => page.title(), { timeout: 20_000 }).not.toBe("app");
    const steps = Object.fromEntries(
      await page.locator("[data-step]").evaluateAll((els) => els.map((e) => [e.getAttribute("data-step"), JSON.parse(e.textContent ?? "null")])),
    );
    expect(steps.error).toBeUndefined();
    expect(await page.title()).toBe("done");
    expect(steps.register).toMatchObject({ status: 200, username: expect.stringMatching(/^browser_/) });
    // x-request-id is readable cross-origin: it is an exposed header.
    expect(steps.register.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(steps.login).toEqual({ status: 200, tokenType: "Bearer" });
    expect(steps.sessions).toMatchObject({ status: 200, requestId: "browser-list-1", devices: ["first tab", "second tab"], current: ["second tab"] });
    // The browser's own user agent reached the session through the gateway.
    expect(steps.sessions.userAgent).toMatch(/Chrome\//);
    // An API key made and revoked from the page: the secret is shown once (at creation), and
    // the listing shows the key as revoked, never its secret.
    expect(steps.createKey).toMatchObject({ status: 200, secretPrefix: "ak_", start: expect.stringMatching(/^ak_/) });
    expect(steps.revokeKey).toEqual({ status: 200, listed: [{ name: "from the browser", revoked: true, secretShown: false }] });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("is refused by CORS when its origin is not on the list", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${otherApp.origin}/`);
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe("failed");
    const error = await page.locator('[data-step="error"]').textContent();
    expect(error).toMatch(/TypeError: Failed to fetch/);
    expect(await page.locator('[data-step="register"]').count()).toBe(0);
    expect(problems.join("\n")).toMatch(/blocked by CORS policy/);
    await page.close();
    // The gateway refused it (a 403 for the origin), it did not merely omit headers.
    const metrics = await (await fetch(`${service.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^http_requests_total\{method="(OPTIONS|POST)",route="cors",code="403"\} [1-9]/m);
  }, 60_000);
});
