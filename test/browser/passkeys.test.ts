/**
 * Passkeys in a real browser: Debian's Chromium (/usr/bin/chromium) driven by playwright-core,
 * with a virtual authenticator (platform, resident keys, user verification) added through the
 * DevTools protocol. Nothing of WebAuthn is mocked: Chromium makes the credential and signs, the
 * page uses @simplewebauthn/browser (served from node_modules), and the service verifies with
 * @simplewebauthn/server. The page is on an allowed origin (http://localhost:<port>, the RP id
 * localhost) and talks to the service through the built-in REST gateway with CORS.
 *
 * The flow: register and log in with a password, add a passkey, log out, sign in with the passkey
 * alone (discoverable: no identifier), list it; past the re-authentication window DeletePasskey
 * is refused until Reauthenticate with the password, then it goes.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, requireChromium, type TestBrowser } from "../support/browser.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";

const BUNDLE = readFileSync(new URL("../../node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js", import.meta.url), "utf8");
const PASSWORD = "correct horse battery staple";
const REAUTH_MS = 10 * 60_000; // AUTH__REAUTH_MAX_AGE_MINUTES

/**
 * The web app: each step is a function the test calls in the page (window.flow.<step>), so the
 * test can move the service's clock between steps. Every call answers {status, body}.
 */
const APP_JS = `
const api = document.body.dataset.api;
const { startRegistration, startAuthentication } = SimpleWebAuthnBrowser;
const state = {};
const send = async (method, path, body, bearer) => {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (bearer) headers.authorization = "Bearer " + bearer;
  const r = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
};
window.flow = {
  async passwordLogin() {
    state.username = "pk_" + Math.random().toString(36).slice(2, 10);
    const reg = await send("POST", "/v1/auth/register", { username: state.username, email: state.username + "@example.com", password: ${JSON.stringify(PASSWORD)} });
    if (reg.status !== 200) return reg;
    const login = await send("POST", "/v1/auth/login", { identifier: state.username, password: ${JSON.stringify(PASSWORD)}, deviceName: "password tab" });
    state.bearer = login.body && login.body.tokens && login.body.tokens.accessToken;
    return { status: login.status, body: { username: state.username, authMethod: login.body.session && login.body.session.authMethod } };
  },
  async addPasskey() {
    const start = await send("POST", "/v1/users/me/passkeys:start", {}, state.bearer);
    if (start.status !== 200) return start;
    const response = await startRegistration({ optionsJSON: start.body.options });
    return send("POST", "/v1/users/me/passkeys", { response, name: "this browser" }, state.bearer);
  },
  async logout() {
    const out = await send("POST", "/v1/auth/logout", {}, state.bearer);
    const after = await send("GET", "/v1/users/me", undefined, state.bearer);
    return { status: out.status, body: { afterStatus: after.status } };
  },
  async passkeyLogin() {
    const start = await send("POST", "/v1/auth/passkey:start", {});
    if (start.status !== 200) return start;
    const response = await startAuthentication({ optionsJSON: start.body.options });
    const done = await send("POST", "/v1/auth/passkey", { flowId: start.body.flowId, response, deviceName: "passkey tab" });
    if (done.status === 200) state.bearer = done.body.tokens.accessToken;
    return { status: done.status, body: done.status === 200 ? { username: done.body.user.username, session: done.body.session, allow: start.body.options.allowCredentials } : done.body };
  },
  list: () => send("GET", "/v1/users/me/passkeys", undefined, state.bearer),
  remove: (id) => send("DELETE", "/v1/users/me/passkeys/" + encodeURIComponent(id), undefined, state.bearer),
  reauthenticate: () => send("POST", "/v1/users/me/reauthenticate", { password: ${JSON.stringify(PASSWORD)} }, state.bearer),
};
document.title = "ready";
`;

function startAppServer(apiBase: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === "/simplewebauthn.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(BUNDLE);
      return;
    }
    if (req.url === "/app.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(APP_JS);
      return;
    }
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(
        `<!doctype html><html><head><title>app</title></head><body data-api="${apiBase()}"><script src="/simplewebauthn.js"></script><script src="/app.js"></script></body></html>`,
      );
  });
  // localhost: a secure context for WebAuthn, and a valid RP id.
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://localhost:${(server.address() as AddressInfo).port}` })),
  );
}

let service: TestServer;
let app: { server: Server; origin: string };
let context: BrowserContext;
let browser: TestBrowser | undefined;
const clock = new ManualClock();

beforeAll(async () => {
  requireChromium();
  app = await startAppServer(() => service.baseUrl);
  service = await startTestServer({
    clock,
    env: {
      SERVER__ALLOWED_ORIGINS: JSON.stringify([app.origin]),
      WEBAUTHN__RP_ID: "localhost",
      WEBAUTHN__ORIGINS: JSON.stringify([app.origin]),
    },
  });
  browser = await launchChromium();
  context = browser.context;
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await service?.close();
  await new Promise((r) => app?.server.close(r));
});

type StepResult = { status: number; body: any };
type Flow = { flow: Record<string, (arg?: string) => Promise<StepResult>> };
/** Runs window.flow[name](arg) in the page. */
const step = (page: Page, name: string, arg?: string): Promise<StepResult> =>
  page.evaluate(([n, a]) => (globalThis as unknown as Flow).flow[n as string]?.(a) as Promise<StepResult>, [name, arg] as const);

async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}

describe("passkeys in Chromium with a virtual authenticator", () => {
  it("adds a passkey after a password login, signs in with it alone, and deletes it after re-authenticating", async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await page.goto(`${app.origin}/`);
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe("ready");
    const { cdp, authenticatorId } = await virtualAuthenticator(page);

    const login = await step(page, "passwordLogin");
    expect(login).toMatchObject({ status: 200, body: { authMethod: "password" } });

    const added = await step(page, "addPasskey");
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(added.body.passkey).toMatchObject({ name: "this browser", transports: expect.arrayContaining(["internal"]) });
    // Chromium made a discoverable credential for our RP id, bound to the account (user handle).
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ isResidentCredential: true, rpId: "localhost" });

    expect(await step(page, "logout")).toEqual({ status: 200, body: { afterStatus: 401 } });

    const signedIn = await step(page, "passkeyLogin");
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    // Discoverable: nothing told the browser which credential to use.
    expect(signedIn.body).toMatchObject({ username: login.body.username, allow: [], session: { authMethod: "passkey", deviceName: "passkey tab" } });
    expect(signedIn.body.session.userAgent).toMatch(/Chrome\//);
    const after = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials[0];
    expect(after?.signCount).toBeGreaterThan(credentials[0]?.signCount ?? 0);

    const listed = await step(page, "list");
    expect(listed.status).toBe(200);
    expect(listed.body.passkeys).toEqual([expect.objectContaining({ id: added.body.passkey.id, name: "this browser", lastUsedAt: expect.any(String) })]);

    // Past the window the passkey session is no longer fresh: deleting needs Reauthenticate.
    clock.advance(REAUTH_MS + 60_000);
    const refused = await step(page, "remove", added.body.passkey.id);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("REAUTHENTICATION_REQUIRED");
    expect(await step(page, "reauthenticate")).toMatchObject({ status: 200 });
    expect(await step(page, "remove", added.body.passkey.id)).toEqual({ status: 200, body: {} });
    expect((await step(page, "list")).body.passkeys).toEqual([]);

    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);
});
