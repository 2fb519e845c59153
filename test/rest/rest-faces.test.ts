/**
 * Every RPC with a google.api.http rule, read from the descriptor set (not from a list kept
 * here), is called through the built-in gateway at least once: a happy path where the flow is
 * known, otherwise a call that must reach its handler (a documented error, never a missing
 * route or UNIMPLEMENTED). A new RPC without a working REST face makes this file fail.
 */
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDescriptorSet } from "../../src/adapters/grpc/descriptors.js";
import { authPolicyOf } from "../../src/adapters/grpc/server.js";
import { type HttpBinding, loadApi } from "../../src/adapters/http/gateway/http-rules.js";
import { apiKeySeam, createServiceKey } from "../support/api-key-server.js";
import { PASSWORD, uniqueName } from "../support/fixtures.js";
import { waitUntil } from "../support/net.js";
import { ENVOY_HTTP, expectStatus, GRPC, pathOf, type RestOptions, type RestResponse, rest } from "../support/rest.js";
import { passkeyAssertionOverRest, registerPasskeyOverRest, restAuthenticator } from "../support/rest-passkeys.js";
import { startTestServer, type TestServer } from "../support/server.js";

const api = loadApi(readDescriptorSet());
let server: TestServer;
/** The server's own repositories, to write a service key as the operators' CLI would. */
const seam = apiKeySeam();
beforeAll(async () => {
  // A code may be asked for again at once: Register and RequestOtp follow each other here.
  server = await startTestServer({ env: { OTP__RESEND_SECONDS: "0" }, appOptions: { wrapUnitOfWork: seam.wrap } });
});
afterAll(async () => {
  await server?.close();
});

const byRpc = new Map(api.bindings.map((b) => [b.grpcPath.slice(1), b]));
const called = new Set<string>();

/** Calls an RPC by its REST binding from the descriptor set. */
async function rpc(name: string, options: RestOptions & { path?: Record<string, string> } = {}): Promise<RestResponse> {
  const binding = byRpc.get(name);
  if (!binding) throw new Error(`${name} has no REST binding`);
  called.add(name);
  return rest(server.baseUrl, binding.verb, pathOf(binding, options.path), options);
}

const ok = (r: RestResponse) => {
  expect(r.status, r.text).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^application\/json/);
  return r.json;
};

interface Account {
  username: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

async function register(): Promise<Account> {
  const username = uniqueName("rest");
  const email = `${username}@example.com`;
  // Proto field names (snake_case) are accepted in request bodies as well as JSON names.
  const body = ok(await rpc("auth.v1.AuthService/Register", { body: { username, email, password: PASSWORD, full_name: "Rest User", deviceName: "laptop" } }));
  return { username, email, password: PASSWORD, accessToken: body.tokens.accessToken, refreshToken: body.tokens.refreshToken, sessionId: body.session.id };
}

/** The newest code sent to `to`; verification codes at Register are sent in the background. */
const codeFor = async (to: string): Promise<string> => {
  const code = await waitUntil(() => server.app.outbox.latest(to)?.code, 5000).catch(() => undefined);
  if (!code) throw new Error(`no code in the outbox for ${to}`);
  return code;
};

/** x-api-key of a service key with the `admin` scope (AdminService). */
async function adminHeaders(): Promise<Record<string, string>> {
  return { "x-api-key": (await createServiceKey(seam.uow(), ["admin"])).secret };
}

/** A fresh account for an AdminService case, with its user id. */
async function adminTarget(): Promise<{ id: string; account: Account }> {
  const account = await register();
  const me = ok(await rpc("auth.v1.UserService/GetMe", { bearer: account.accessToken }));
  return { id: me.user.id, account };
}

/**
 * The OAuth faces need a provider: a server of their own with a real OpenID Connect provider
 * (oidc-provider on loopback, test/support/oidc-provider.ts) configured as "acme", started on
 * first use. The walk through the provider stops at the redirect URI, which is never fetched.
 */
type OidcHarness = Awaited<ReturnType<typeof import("../support/oidc-provider.js").startOidcProvider>>;
const OAUTH_REDIRECT = "http://127.0.0.1:9/oauth/callback";
let oauthWorld: Promise<{ provider: OidcHarness; server: TestServer }> | undefined;
// Started with the other servers (the hook's timeout), not inside the first OAuth case.
beforeAll(async () => {
  await oauthServer();
});
afterAll(async () => {
  const world = await oauthWorld?.catch(() => undefined);
  await world?.server.close();
  await world?.provider.close();
});
function oauthServer(): Promise<{ provider: OidcHarness; server: TestServer }> {
  oauthWorld ??= (async () => {
    const { startOidcProvider } = await import("../support/oidc-provider.js");
    const client = { client_id: "rest-faces", client_secret: `rest-faces-${uniqueName("secret")}`, redirect_uris: [OAUTH_REDIRECT] };
    const provider = await startOidcProvider({ clients: [client] });
    const entry = { id: "acme", issuer: provider.issuer, clientId: client.client_id, clientSecret: client.client_secret, redirectUri: OAUTH_REDIRECT };
    return { provider, server: await startTestServer({ env: { OAUTH__PROVIDERS: JSON.stringify([entry]) } }) };
  })();
  return oauthWorld;
}
/** rpc() against the OAuth server. */
async function oauthRpc(name: string, options: RestOptions & { path?: Record<string, string> } = {}): Promise<RestResponse> {
  const binding = byRpc.get(name);
  if (!binding) throw new Error(`${name} has no REST binding`);
  called.add(name);
  return rest((await oauthServer()).server.baseUrl, binding.verb, pathOf(binding, options.path), options);
}
/** A person at the provider, walked through an authorization URL: the callback's code, state and iss. */
async function oauthCallback(authorizationUrl: string, sub = uniqueName("sub")) {
  const { provider } = await oauthServer();
  provider.account(sub, { email: `${sub}@mail.example`, email_verified: true, preferred_username: sub });
  const { code, state, iss } = await provider.authorize(authorizationUrl, { sub });
  return { code, state, iss };
}
/** A new account made by signing in with acme, through REST. */
async function oauthAccount(): Promise<{ accessToken: string; userId: string }> {
  const started = ok(await oauthRpc("auth.v1.AuthService/StartOAuth", { path: { provider: "acme" }, body: {} }));
  const body = ok(await oauthRpc("auth.v1.AuthService/CompleteOAuth", { path: { provider: "acme" }, body: await oauthCallback(started.authorizationUrl) }));
  return { accessToken: body.tokens.accessToken, userId: body.user.id };
}
/** A password account on the OAuth server. */
async function oauthPasswordAccount(): Promise<string> {
  const username = uniqueName("rest");
  const r = await rest((await oauthServer()).server.baseUrl, "POST", "/v1/auth/register", {
    body: { username, email: `${username}@example.com`, password: PASSWORD },
  });
  return ok(r).tokens.accessToken as string;
}

/** What a known RPC's happy path (or documented error) looks like through REST. */
const cases: Record<string, () => Promise<void>> = {
  "auth.v1.AuthService/Register": async () => {
    const username = uniqueName("rest");
    const r = ok(
      await rpc("auth.v1.AuthService/Register", {
        body: { username, email: `${username}@example.com`, password: PASSWORD },
        headers: { "user-agent": "RestFaces/1.0" },
      }),
    );
    // lowerCamelCase out, Timestamps as RFC 3339, defaults printed.
    expect(r.user).toMatchObject({ username, fullName: "", emailVerified: false, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) });
    expect(r.tokens).toMatchObject({ tokenType: "Bearer", accessToken: expect.any(String), refreshToken: expect.any(String) });
    // The browser's user agent and address reached the use case through the gateway.
    expect(r.session).toMatchObject({ userAgent: "RestFaces/1.0", ipAddress: "127.0.0.1", current: true });
    expect(r.user.full_name).toBeUndefined();
    const again = await rpc("auth.v1.AuthService/Register", { body: { username, email: `x${username}@example.com`, password: PASSWORD } });
    expectStatus(again, 409, GRPC.ALREADY_EXISTS, "USER_ALREADY_EXISTS");
  },
  "auth.v1.AuthService/Login": async () => {
    const a = await register();
    const r = ok(await rpc("auth.v1.AuthService/Login", { body: { identifier: a.email, password: a.password, device_name: "phone" } }));
    expect(r.session.deviceName).toBe("phone");
    expect(r.user.username).toBe(a.username);
    expectStatus(
      await rpc("auth.v1.AuthService/Login", { body: { identifier: a.email, password: "wrong password here" } }),
      401,
      GRPC.UNAUTHENTICATED,
      "INVALID_CREDENTIALS",
    );
  },
  "auth.v1.AuthService/RefreshToken": async () => {
    const a = await register();
    const r = ok(await rpc("auth.v1.AuthService/RefreshToken", { body: { refreshToken: a.refreshToken } }));
    expect(r.tokens.refreshToken).not.toBe(a.refreshToken);
    expectStatus(await rpc("auth.v1.AuthService/RefreshToken", { body: { refreshToken: "not-a-token" } }), 401, GRPC.UNAUTHENTICATED);
  },
  "auth.v1.AuthService/Logout": async () => {
    const a = await register();
    expect(ok(await rpc("auth.v1.AuthService/Logout", { bearer: a.accessToken, body: {} }))).toEqual({});
    const after = await rpc("auth.v1.AuthService/ValidateToken", { body: { accessToken: a.accessToken } });
    expectStatus(after, 401, GRPC.UNAUTHENTICATED, "SESSION_REVOKED");
    expectStatus(await rpc("auth.v1.AuthService/Logout", { body: {} }), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.AuthService/ValidateToken": async () => {
    const a = await register();
    const r = ok(await rpc("auth.v1.AuthService/ValidateToken", { body: { access_token: a.accessToken } }));
    expect(r).toMatchObject({ username: a.username, sessionId: a.sessionId, roles: ["user"], expiresAt: expect.any(String) });
  },
  "auth.v1.AuthService/GetJwks": async () => {
    const r = ok(await rpc("auth.v1.AuthService/GetJwks"));
    expect(r.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig", kid: expect.any(String) });
  },
  "auth.v1.AuthService/RequestOtp": async () => {
    const a = await register();
    // Enums by name (and by number, below in the gateway tests).
    const r = ok(await rpc("auth.v1.AuthService/RequestOtp", { body: { email: a.email, purpose: "OTP_PURPOSE_LOGIN" } }));
    expect(r.expiresAt).toEqual(expect.any(String));
    expect(server.app.outbox.latest(a.email)?.purpose).toMatch(/login/i);
  },
  "auth.v1.AuthService/VerifyContact": async () => {
    const a = await register(); // Register sent a VERIFY_CONTACT code
    ok(await rpc("auth.v1.AuthService/VerifyContact", { body: { email: a.email, code: await codeFor(a.email) } }));
    expect(ok(await rpc("auth.v1.UserService/GetMe", { bearer: a.accessToken })).user.emailVerified).toBe(true);
  },
  "auth.v1.AuthService/LoginWithOtp": async () => {
    const a = await register();
    ok(await rpc("auth.v1.AuthService/RequestOtp", { body: { email: a.email, purpose: "OTP_PURPOSE_LOGIN" } }));
    const r = ok(await rpc("auth.v1.AuthService/LoginWithOtp", { body: { email: a.email, code: await codeFor(a.email) } }));
    expect(r.tokens.accessToken).toEqual(expect.any(String));
  },
  "auth.v1.AuthService/ResetPassword": async () => {
    const a = await register();
    ok(await rpc("auth.v1.AuthService/RequestOtp", { body: { email: a.email, purpose: "OTP_PURPOSE_RESET_PASSWORD" } }));
    const newPassword = "a brand new passphrase";
    ok(await rpc("auth.v1.AuthService/ResetPassword", { body: { email: a.email, code: await codeFor(a.email), newPassword } }));
    ok(await rpc("auth.v1.AuthService/Login", { body: { identifier: a.username, password: newPassword } }));
  },
  // OAuth: against the OAuth server (oauthServer above), a real provider behind "acme".
  "auth.v1.AuthService/StartOAuth": async () => {
    const r = ok(await oauthRpc("auth.v1.AuthService/StartOAuth", { path: { provider: "acme" }, body: {} }));
    const url = new URL(r.authorizationUrl);
    expect(url.origin).toBe((await oauthServer()).provider.issuer);
    expect(url.searchParams.get("state")).toBe(r.state);
    expect(r.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    const unknown = await oauthRpc("auth.v1.AuthService/StartOAuth", { path: { provider: "nobody" }, body: {} });
    expectStatus(unknown, 404, GRPC.NOT_FOUND, "OAUTH_PROVIDER_UNKNOWN");
  },
  "auth.v1.AuthService/CompleteOAuth": async () => {
    const started = ok(await oauthRpc("auth.v1.AuthService/StartOAuth", { path: { provider: "acme" }, body: {} }));
    const cb = await oauthCallback(started.authorizationUrl);
    const r = ok(await oauthRpc("auth.v1.AuthService/CompleteOAuth", { path: { provider: "acme" }, body: { ...cb, device_name: "rest" } }));
    expect(r).toMatchObject({
      created: true,
      session: { authMethod: "oauth:acme", deviceName: "rest" },
      identity: { provider: "acme" },
      tokens: { tokenType: "Bearer" },
    });
    const replay = await oauthRpc("auth.v1.AuthService/CompleteOAuth", { path: { provider: "acme" }, body: cb });
    expectStatus(replay, 400, GRPC.INVALID_ARGUMENT, "OAUTH_STATE_INVALID");
  },
  "auth.v1.UserService/ListProviders": async () => {
    const a = await oauthAccount();
    const r = ok(await oauthRpc("auth.v1.UserService/ListProviders", { bearer: a.accessToken }));
    expect(r).toMatchObject({ identities: [{ provider: "acme", linkedAt: expect.any(String) }], available: ["acme"] });
    expectStatus(await oauthRpc("auth.v1.UserService/ListProviders"), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.UserService/LinkProvider": async () => {
    const bearer = await oauthPasswordAccount();
    const link = ok(await oauthRpc("auth.v1.UserService/LinkProvider", { bearer, path: { provider: "acme" }, body: {} }));
    const cb = await oauthCallback(link.authorizationUrl);
    const done = ok(await oauthRpc("auth.v1.AuthService/CompleteOAuth", { bearer, path: { provider: "acme" }, body: cb }));
    expect(done).toMatchObject({ linked: true, identity: { provider: "acme" } });
    const again = await oauthRpc("auth.v1.UserService/LinkProvider", { bearer, path: { provider: "acme" }, body: {} });
    expectStatus(again, 409, GRPC.ALREADY_EXISTS, "PROVIDER_ALREADY_LINKED");
  },
  "auth.v1.UserService/UnlinkProvider": async () => {
    const a = await oauthAccount();
    const last = await oauthRpc("auth.v1.UserService/UnlinkProvider", { bearer: a.accessToken, path: { provider: "acme" } });
    expectStatus(last, 400, GRPC.FAILED_PRECONDITION, "LAST_SIGN_IN_METHOD");
    const bearer = await oauthPasswordAccount();
    const link = ok(await oauthRpc("auth.v1.UserService/LinkProvider", { bearer, path: { provider: "acme" }, body: {} }));
    ok(await oauthRpc("auth.v1.AuthService/CompleteOAuth", { bearer, path: { provider: "acme" }, body: await oauthCallback(link.authorizationUrl) }));
    expect(ok(await oauthRpc("auth.v1.UserService/UnlinkProvider", { bearer, path: { provider: "acme" } }))).toEqual({});
    expect(ok(await oauthRpc("auth.v1.UserService/ListProviders", { bearer })).identities ?? []).toEqual([]);
  },
  "auth.v1.SessionService/ListSessions": async () => {
    const a = await register();
    ok(await rpc("auth.v1.AuthService/Login", { body: { identifier: a.username, password: a.password } }));
    const r = ok(await rpc("auth.v1.SessionService/ListSessions", { bearer: a.accessToken }));
    expect(r.sessions).toHaveLength(2);
    expect(r.sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expectStatus(await rpc("auth.v1.SessionService/ListSessions"), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.SessionService/RevokeSession": async () => {
    const a = await register();
    const other = ok(await rpc("auth.v1.AuthService/Login", { body: { identifier: a.username, password: a.password } }));
    ok(await rpc("auth.v1.SessionService/RevokeSession", { bearer: a.accessToken, path: { session_id: other.session.id } }));
    const gone = await rpc("auth.v1.AuthService/ValidateToken", { body: { accessToken: other.tokens.accessToken } });
    expectStatus(gone, 401, GRPC.UNAUTHENTICATED, "SESSION_REVOKED");
    const unknown = await rpc("auth.v1.SessionService/RevokeSession", { bearer: a.accessToken, path: { session_id: "01900000-0000-7000-8000-000000000000" } });
    expectStatus(unknown, 404, GRPC.NOT_FOUND, "SESSION_NOT_FOUND");
  },
  "auth.v1.SessionService/RevokeAllSessions": async () => {
    const a = await register();
    ok(await rpc("auth.v1.AuthService/Login", { body: { identifier: a.username, password: a.password } }));
    expect(ok(await rpc("auth.v1.SessionService/RevokeAllSessions", { bearer: a.accessToken, body: { keepCurrent: true } }))).toEqual({ revokedCount: 1 });
    ok(await rpc("auth.v1.UserService/GetMe", { bearer: a.accessToken }));
  },
  "auth.v1.UserService/GetMe": async () => {
    const a = await register();
    expect(ok(await rpc("auth.v1.UserService/GetMe", { bearer: a.accessToken })).user).toMatchObject({
      username: a.username,
      email: a.email,
      fullName: "Rest User",
    });
    expectStatus(await rpc("auth.v1.UserService/GetMe", { bearer: "not.a.jwt" }), 401, GRPC.UNAUTHENTICATED, "TOKEN_INVALID");
  },
  "auth.v1.UserService/UpdateMe": async () => {
    const a = await register();
    // FieldMask as its proto3 JSON string of lowerCamelCase paths.
    const r = ok(await rpc("auth.v1.UserService/UpdateMe", { bearer: a.accessToken, body: { fullName: "Ada Lovelace", updateMask: "fullName" } }));
    expect(r.user.fullName).toBe("Ada Lovelace");
    const snake = ok(await rpc("auth.v1.UserService/UpdateMe", { bearer: a.accessToken, body: { full_name: "A. L.", update_mask: "fullName" } }));
    expect(snake.user.fullName).toBe("A. L.");
  },
  "auth.v1.UserService/ChangePassword": async () => {
    const a = await register();
    ok(await rpc("auth.v1.AuthService/Login", { body: { identifier: a.username, password: a.password } }));
    const r = ok(
      await rpc("auth.v1.UserService/ChangePassword", { bearer: a.accessToken, body: { currentPassword: a.password, newPassword: "another long passphrase" } }),
    );
    expect(r.revokedSessions).toBe(1);
    const wrong = await rpc("auth.v1.UserService/ChangePassword", {
      bearer: a.accessToken,
      body: { currentPassword: "not the password", newPassword: "yet another passphrase" },
    });
    expectStatus(wrong, 401, GRPC.UNAUTHENTICATED, "INVALID_CREDENTIALS");
  },
  "auth.v1.UserService/DeleteMe": async () => {
    const a = await register();
    expect(ok(await rpc("auth.v1.UserService/DeleteMe", { bearer: a.accessToken }))).toEqual({});
    expectStatus(await rpc("auth.v1.UserService/GetMe", { bearer: a.accessToken }), 401, GRPC.UNAUTHENTICATED);
  },
  "auth.v1.UserService/EnrollTotp": async () => {
    const a = await register();
    const r = ok(await rpc("auth.v1.UserService/EnrollTotp", { bearer: a.accessToken, body: {} }));
    expect(r.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    expect(r.secret).toMatch(/^[A-Z2-7]+=*$/);
  },
  "auth.v1.UserService/ConfirmTotp": async () => {
    const a = await register();
    const { secret } = ok(await rpc("auth.v1.UserService/EnrollTotp", { bearer: a.accessToken, body: {} }));
    const r = ok(await rpc("auth.v1.UserService/ConfirmTotp", { bearer: a.accessToken, body: { code: generateSync({ secret }) } }));
    expect(r.recoveryCodes.length).toBeGreaterThan(0);
    const login = await rpc("auth.v1.AuthService/Login", { body: { identifier: a.username, password: a.password } });
    expectStatus(login, 400, GRPC.FAILED_PRECONDITION, "MFA_REQUIRED");
  },
  "auth.v1.UserService/DisableTotp": async () => {
    const a = await register();
    const { secret } = ok(await rpc("auth.v1.UserService/EnrollTotp", { bearer: a.accessToken, body: {} }));
    ok(await rpc("auth.v1.UserService/ConfirmTotp", { bearer: a.accessToken, body: { code: generateSync({ secret }) } }));
    ok(await rpc("auth.v1.UserService/DisableTotp", { bearer: a.accessToken, body: { password: a.password } }));
    expect(ok(await rpc("auth.v1.UserService/GetMe", { bearer: a.accessToken })).user.mfaEnabled).toBe(false);
  },
  "auth.v1.UserService/Reauthenticate": async () => {
    const a = await register();
    const r = ok(await rpc("auth.v1.UserService/Reauthenticate", { bearer: a.accessToken, body: { password: a.password } }));
    // A Timestamp in RFC 3339, about AUTH__REAUTH_MAX_AGE_MINUTES (10) from now.
    const until = Date.parse(r.freshUntil as string);
    expect(until - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(until - Date.now()).toBeLessThan(11 * 60_000);
    const wrong = await rpc("auth.v1.UserService/Reauthenticate", { bearer: a.accessToken, body: { password: "not the password" } });
    expectStatus(wrong, 401, GRPC.UNAUTHENTICATED, "INVALID_CREDENTIALS");
    expectStatus(await rpc("auth.v1.UserService/Reauthenticate", { body: { password: a.password } }), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.UserService/ListAuditEvents": async () => {
    const a = await register();
    for (let i = 0; i < 2; i++)
      await rpc("auth.v1.AuthService/Login", { body: { identifier: a.username, password: i === 0 ? "wrong password here" : a.password } });
    // Query parameters into fields, by JSON name or proto name.
    const first = ok(await rpc("auth.v1.UserService/ListAuditEvents", { bearer: a.accessToken, query: { pageSize: "2" } }));
    expect(first.events).toHaveLength(2);
    expect(first.events[0]).toMatchObject({ type: expect.any(String), createdAt: expect.any(String), metadata: expect.any(Object) });
    expect(first.nextPageToken).not.toBe("");
    const next = ok(await rpc("auth.v1.UserService/ListAuditEvents", { bearer: a.accessToken, query: { page_size: "2", page_token: first.nextPageToken } }));
    expect(next.events[0].id).not.toBe(first.events[0].id);
    const bad = await rpc("auth.v1.UserService/ListAuditEvents", { bearer: a.accessToken, query: { pageSize: "lots" } });
    expectStatus(bad, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    expectStatus(
      await rpc("auth.v1.UserService/ListAuditEvents", { bearer: a.accessToken, query: { limit: "2" } }),
      400,
      GRPC.INVALID_ARGUMENT,
      "VALIDATION_FAILED",
    );
  },
  // Passkeys: real WebAuthn responses from a software authenticator (the service's default RP).
  "auth.v1.UserService/StartPasskeyRegistration": async () => {
    const a = await register();
    const { options } = ok(await rpc("auth.v1.UserService/StartPasskeyRegistration", { bearer: a.accessToken, body: {} }));
    // The Struct comes out as the plain PublicKeyCredentialCreationOptionsJSON.
    expect(options).toMatchObject({
      rp: { id: "localhost" },
      user: { name: a.username },
      attestation: "none",
      authenticatorSelection: { userVerification: "required" },
    });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expectStatus(await rpc("auth.v1.UserService/StartPasskeyRegistration", { body: {} }), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.UserService/FinishPasskeyRegistration": async () => {
    const a = await register();
    const { passkey, response } = await registerPasskeyOverRest(rpc, a.accessToken, restAuthenticator());
    expect(passkey).toMatchObject({ name: "rest key", deviceType: "singleDevice", transports: ["internal"], createdAt: expect.any(String) });
    const replay = await rpc("auth.v1.UserService/FinishPasskeyRegistration", { bearer: a.accessToken, body: { response } });
    expectStatus(replay, 400, GRPC.INVALID_ARGUMENT, "PASSKEY_CHALLENGE_INVALID");
  },
  "auth.v1.UserService/ListPasskeys": async () => {
    const a = await register();
    const { passkey } = await registerPasskeyOverRest(rpc, a.accessToken, restAuthenticator());
    const r = ok(await rpc("auth.v1.UserService/ListPasskeys", { bearer: a.accessToken }));
    expect(r.passkeys.map((p: { id: string }) => p.id)).toEqual([passkey.id]);
    expect(JSON.stringify(r)).not.toMatch(/publicKey|public_key/);
  },
  "auth.v1.UserService/DeletePasskey": async () => {
    const a = await register();
    const { passkey } = await registerPasskeyOverRest(rpc, a.accessToken, restAuthenticator());
    ok(await rpc("auth.v1.UserService/DeletePasskey", { bearer: a.accessToken, path: { passkey_id: passkey.id } }));
    expect(ok(await rpc("auth.v1.UserService/ListPasskeys", { bearer: a.accessToken })).passkeys).toEqual([]);
    const again = await rpc("auth.v1.UserService/DeletePasskey", { bearer: a.accessToken, path: { passkey_id: passkey.id } });
    expectStatus(again, 404, GRPC.NOT_FOUND, "SIGN_IN_METHOD_NOT_FOUND");
  },
  "auth.v1.AuthService/StartPasskeyLogin": async () => {
    const r = ok(await rpc("auth.v1.AuthService/StartPasskeyLogin", { body: {} }));
    expect(r.options).toMatchObject({ rpId: "localhost", userVerification: "required", allowCredentials: [] });
    expect(r.flowId).toMatch(/^[A-Za-z0-9_-]{43}$/);
  },
  "auth.v1.AuthService/FinishPasskeyLogin": async () => {
    const a = await register();
    const device = restAuthenticator();
    const { credential } = await registerPasskeyOverRest(rpc, a.accessToken, device);
    const { flowId, response } = await passkeyAssertionOverRest(rpc, device, credential);
    const r = ok(await rpc("auth.v1.AuthService/FinishPasskeyLogin", { body: { flow_id: flowId, response, deviceName: "rest" } }));
    expect(r).toMatchObject({ user: { username: a.username }, session: { authMethod: "passkey", deviceName: "rest" }, tokens: { tokenType: "Bearer" } });
    const replay = await rpc("auth.v1.AuthService/FinishPasskeyLogin", { body: { flowId, response } });
    expectStatus(replay, 400, GRPC.INVALID_ARGUMENT, "PASSKEY_CHALLENGE_INVALID");
  },
  "auth.v1.ApiKeyService/CreateApiKey": async () => {
    const a = await register();
    const r = ok(
      await rpc("auth.v1.ApiKeyService/CreateApiKey", {
        bearer: a.accessToken,
        body: { name: "rest", scopes: ["cv:read"], expire_time: "2999-01-01T00:00:00Z" },
      }),
    );
    expect(r.secret).toMatch(/^ak_/);
    expect(r.apiKey).toMatchObject({ name: "rest", start: r.secret.slice(0, 9), scopes: ["cv:read"], expireTime: "2999-01-01T00:00:00Z" });
    expectStatus(
      await rpc("auth.v1.ApiKeyService/CreateApiKey", { bearer: a.accessToken, body: { name: "" } }),
      400,
      GRPC.INVALID_ARGUMENT,
      "VALIDATION_FAILED",
    );
    expectStatus(await rpc("auth.v1.ApiKeyService/CreateApiKey", { body: { name: "x" } }), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.ApiKeyService/ListApiKeys": async () => {
    const a = await register();
    const created = ok(await rpc("auth.v1.ApiKeyService/CreateApiKey", { bearer: a.accessToken, body: { name: "listed" } }));
    const r = ok(await rpc("auth.v1.ApiKeyService/ListApiKeys", { bearer: a.accessToken }));
    expect(r.apiKeys.map((k: { id: string }) => k.id)).toEqual([created.apiKey.id]);
    expect(r.apiKeys[0].createTime).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(JSON.stringify(r)).not.toContain(created.secret);
  },
  "auth.v1.ApiKeyService/RevokeApiKey": async () => {
    const a = await register();
    const created = ok(await rpc("auth.v1.ApiKeyService/CreateApiKey", { bearer: a.accessToken, body: { name: "gone" } }));
    ok(await rpc("auth.v1.ApiKeyService/RevokeApiKey", { bearer: a.accessToken, path: { key_id: created.apiKey.id } }));
    const b = await register();
    const theirs = await rpc("auth.v1.ApiKeyService/RevokeApiKey", { bearer: b.accessToken, path: { key_id: created.apiKey.id } });
    expectStatus(theirs, 404, GRPC.NOT_FOUND, "API_KEY_NOT_FOUND");
  },
  "auth.v1.ApiKeyService/ValidateApiKey": async () => {
    const a = await register();
    const created = ok(await rpc("auth.v1.ApiKeyService/CreateApiKey", { bearer: a.accessToken, body: { name: "checked", scopes: ["jobs"] } }));
    const service = await createServiceKey(seam.uow());
    const headers = { "x-api-key": service.secret };
    const r = ok(await rpc("auth.v1.ApiKeyService/ValidateApiKey", { headers, body: { key: created.secret } }));
    expect(r).toMatchObject({ keyId: created.apiKey.id, ownerType: "OWNER_TYPE_USER", scopes: ["jobs"], plan: "free" });
    const bad = await rpc("auth.v1.ApiKeyService/ValidateApiKey", {
      headers,
      body: { key: created.secret.slice(0, -1) + (created.secret.endsWith("0") ? "1" : "0") },
    });
    expectStatus(bad, 401, GRPC.UNAUTHENTICATED, "API_KEY_INVALID");
    expect(bad.text).not.toContain(created.secret.slice(3, 30));
    expectStatus(await rpc("auth.v1.ApiKeyService/ValidateApiKey", { body: { key: created.secret } }), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  // AdminService: a service key with the `admin` scope in x-api-key (as `npm run admin --
  // create-service-key` makes it), a plain user's bearer refused.
  "auth.v1.AdminService/ListUsers": async () => {
    const a = await register();
    const { secret } = await createServiceKey(seam.uow(), ["admin"]);
    const r = ok(
      await rpc("auth.v1.AdminService/ListUsers", { headers: { "x-api-key": secret }, query: { query: a.username.toUpperCase(), page_size: "10" } }),
    );
    expect(r.users.map((u: { username: string }) => u.username)).toEqual([a.username]);
    expectStatus(await rpc("auth.v1.AdminService/ListUsers", { bearer: a.accessToken }), 403, GRPC.PERMISSION_DENIED, "PERMISSION_DENIED");
    expectStatus(await rpc("auth.v1.AdminService/ListUsers"), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.AdminService/GetUser": async () => {
    const { id } = await adminTarget();
    const r = ok(await rpc("auth.v1.AdminService/GetUser", { headers: await adminHeaders(), path: { user_id: id } }));
    expect(r).toMatchObject({ user: { id }, sessionCount: 1 });
    const unknown = await rpc("auth.v1.AdminService/GetUser", { headers: await adminHeaders(), path: { user_id: "00000000-0000-7000-8000-000000000000" } });
    expectStatus(unknown, 404, GRPC.NOT_FOUND, "USER_NOT_FOUND");
  },
  "auth.v1.AdminService/DisableUser": async () => {
    const { id, account } = await adminTarget();
    const r = ok(await rpc("auth.v1.AdminService/DisableUser", { headers: await adminHeaders(), path: { user_id: id }, body: {} }));
    expect(r).toMatchObject({ revokedSessions: 1 });
    const login = await rpc("auth.v1.AuthService/Login", { body: { identifier: account.username, password: account.password } });
    expectStatus(login, 403, GRPC.PERMISSION_DENIED, "ACCOUNT_DISABLED");
  },
  "auth.v1.AdminService/EnableUser": async () => {
    const { id, account } = await adminTarget();
    ok(await rpc("auth.v1.AdminService/DisableUser", { headers: await adminHeaders(), path: { user_id: id }, body: {} }));
    const r = ok(await rpc("auth.v1.AdminService/EnableUser", { headers: await adminHeaders(), path: { user_id: id }, body: {} }));
    expect(r.user).toMatchObject({ id, isActive: true });
    ok(await rpc("auth.v1.AuthService/Login", { body: { identifier: account.username, password: account.password } }));
  },
  "auth.v1.AdminService/SetUserRoles": async () => {
    const { id } = await adminTarget();
    const r = ok(await rpc("auth.v1.AdminService/SetUserRoles", { headers: await adminHeaders(), path: { user_id: id }, body: { roles: ["user", "editor"] } }));
    expect(r.user.roles).toEqual(["user", "editor"]);
    const bad = await rpc("auth.v1.AdminService/SetUserRoles", { headers: await adminHeaders(), path: { user_id: id }, body: { roles: ["Not A Role"] } });
    expectStatus(bad, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
  },
  "auth.v1.AdminService/RevokeUserSessions": async () => {
    const { id, account } = await adminTarget();
    const r = ok(await rpc("auth.v1.AdminService/RevokeUserSessions", { headers: await adminHeaders(), path: { user_id: id }, body: {} }));
    expect(r).toMatchObject({ revokedSessions: 1 });
    expectStatus(await rpc("auth.v1.UserService/GetMe", { bearer: account.accessToken }), 401, GRPC.UNAUTHENTICATED);
  },
  // PlanService: the catalogue is public, the subscription the bearer's, ChangePlan an admin's.
  "auth.v1.PlanService/ListPlans": async () => {
    const r = ok(await rpc("auth.v1.PlanService/ListPlans"));
    expect(r.plans.map((p: { code: string }) => p.code)).toEqual(["anonym", "free", "pro", "enterprise"]);
    expect(r.plans[3]).toMatchObject({ code: "enterprise", unlimited: true });
  },
  "auth.v1.PlanService/ListServices": async () => {
    const r = ok(await rpc("auth.v1.PlanService/ListServices"));
    expect(r.services).toHaveLength(10);
    expect(r.services.map((s: { code: string }) => s.code)).toContain("media_information");
  },
  "auth.v1.PlanService/GetSubscription": async () => {
    const a = await register();
    const r = ok(await rpc("auth.v1.PlanService/GetSubscription", { bearer: a.accessToken }));
    expect(r.plan).toMatchObject({ code: "free", dailyLimit: 50 });
    expect(r.usage).toHaveLength(10);
    expect(r.usage[0]).toMatchObject({ limit: 50, resetTime: expect.stringMatching(/T00:00:00/) });
    expectStatus(await rpc("auth.v1.PlanService/GetSubscription"), 401, GRPC.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED");
  },
  "auth.v1.PlanService/ChangePlan": async () => {
    const { id, account } = await adminTarget();
    const r = ok(await rpc("auth.v1.PlanService/ChangePlan", { headers: await adminHeaders(), path: { user_id: id }, body: { plan_code: "pro" } }));
    expect(r.plan).toMatchObject({ code: "pro", dailyLimit: 1000 });
    const bad = await rpc("auth.v1.PlanService/ChangePlan", { headers: await adminHeaders(), path: { user_id: id }, body: { planCode: "platinum" } });
    expectStatus(bad, 400, GRPC.INVALID_ARGUMENT, "VALIDATION_FAILED");
    const plain = await rpc("auth.v1.PlanService/ChangePlan", { bearer: account.accessToken, path: { user_id: id }, body: { planCode: "free" } });
    expectStatus(plain, 403, GRPC.PERMISSION_DENIED, "PERMISSION_DENIED");
  },
};

/**
 * An RPC this file has no flow for yet: called with an empty request (and a bearer when its
 * policy asks for one). It must reach its handler: a 200, or an error of the handler's own,
 * never "no route" and never UNIMPLEMENTED (no handler registered).
 */
async function probe(binding: HttpBinding): Promise<string> {
  const name = binding.grpcPath.slice(1);
  const policy = authPolicyOf(binding.grpcPath);
  const bearer = policy === "none" ? undefined : (await register()).accessToken;
  const path = Object.fromEntries(binding.template.variables.map((v) => [v.fieldPath, "01900000-0000-7000-8000-000000000000"]));
  const r = await rpc(name, { path, ...(bearer ? { bearer } : {}), ...(binding.body === "" ? {} : { body: {} }) });
  if (r.status === 200) return "200";
  const reason = expectStatus(r, ENVOY_HTTP[r.json.code as number] ?? -1, r.json.code);
  expect(r.json.code, `${name} has no handler`).not.toBe(GRPC.UNIMPLEMENTED);
  expect(reason).not.toBe("ROUTE_NOT_FOUND");
  return `${r.status} ${reason}`;
}

describe("every annotated RPC through the gateway", () => {
  it("finds the RPCs in the descriptor set", () => {
    expect(api.bindings.length).toBeGreaterThanOrEqual(20);
    for (const b of api.bindings) expect(b.service.typeName.startsWith("auth.v1.")).toBe(true);
    // A streaming RPC with an HTTP rule would have no REST face here (Envoy could serve it).
    expect(api.unsupported).toEqual([]);
  });

  for (const binding of api.bindings) {
    const name = binding.grpcPath.slice(1);
    it(`${binding.verb} ${binding.template.source} → ${name}`, async () => {
      const known = cases[name];
      if (known) await known();
      else console.info(`REST face of ${name} (no flow in this file yet): ${await probe(binding)}`);
      expect(called.has(name)).toBe(true);
    });
  }
});
