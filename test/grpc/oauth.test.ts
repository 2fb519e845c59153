/**
 * Issue 11 end to end: sign-in and linking with OpenID Connect providers, against real
 * providers (panva's oidc-provider, test/support/oidc-provider.ts) on loopback, through the
 * service's real openid-client adapter: discovery, PKCE, the code exchange, the id token checks.
 *
 * - "acme" is trusted (trustEmailVerified), "other" is not; "late" is down when the service
 *   starts; "strict" gives the email at the userinfo endpoint only. Each is its own provider:
 *   its own issuer, key and client.
 * - Runs on the embedded defaults, and on PostgreSQL + Redis when DATABASE__URL / REDIS__URL are
 *   set (CI's second pass; startTestServer honours them).
 */
import { randomBytes } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompleteOAuthResponse } from "../../src/gen/pb/auth/v1/auth_service.js";
import { PASSWORD, registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { waitUntil } from "../support/net.js";
import { type AccountClaims, type AuthorizeResult, startOidcProvider, type TestOidcProvider } from "../support/oidc-provider.js";
import { healthCheck } from "../support/operators.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** Never fetched: the walker stops at the redirect and the test sends code and state itself. */
const REDIRECT_URI = "http://127.0.0.1:9/oauth/callback";
const secretOf = (name: string) => `${name}-client-secret-${randomBytes(12).toString("hex")}`;
const CLIENTS = {
  acme: { client_id: "auth-service-acme", client_secret: secretOf("acme"), redirect_uris: [REDIRECT_URI] },
  other: { client_id: "auth-service-other", client_secret: secretOf("other"), redirect_uris: [REDIRECT_URI] },
  late: { client_id: "auth-service-late", client_secret: secretOf("late"), redirect_uris: [REDIRECT_URI] },
  strict: { client_id: "auth-service-strict", client_secret: secretOf("strict"), redirect_uris: [REDIRECT_URI] },
};
type ProviderId = keyof typeof CLIENTS;

let providers: Record<ProviderId, TestOidcProvider>;
let server: TestServer;
/** Every code and state handed to the service, for the log check. */
const handedOver: string[] = [];

beforeAll(async () => {
  const [acme, other, late, strict] = await Promise.all([
    startOidcProvider({ clients: [CLIENTS.acme] }),
    startOidcProvider({ clients: [CLIENTS.other] }),
    startOidcProvider({ clients: [CLIENTS.late] }),
    startOidcProvider({ clients: [CLIENTS.strict], conformIdTokenClaims: true }),
  ]);
  providers = { acme, other, late, strict };
  await late.stop();
  const entry = (id: ProviderId, trustEmailVerified: boolean) => ({
    id,
    issuer: providers[id].issuer,
    clientId: CLIENTS[id].client_id,
    clientSecret: CLIENTS[id].client_secret,
    redirectUri: REDIRECT_URI,
    scopes: ["openid", "email", "profile"],
    trustEmailVerified,
  });
  server = await startTestServer({
    env: {
      OAUTH__PROVIDERS: JSON.stringify([entry("acme", true), entry("other", false), entry("late", true), entry("strict", true)]),
      OAUTH__TIMEOUT_MS: "2000",
    },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all(Object.values(providers ?? {}).map((p) => p.close()));
});

/** A new person at the provider; returns their sub. */
function person(id: ProviderId, claims: AccountClaims = {}): string {
  const sub = `sub-${randomBytes(6).toString("hex")}`;
  providers[id].account(sub, { email: `${sub}@mail.example`, email_verified: true, name: "Pat Example", preferred_username: sub, ...claims });
  return sub;
}

const startOAuth = (provider: string) => call(server.clients.auth, server.clients.auth.startOAuth, { provider });

/** StartOAuth, then the browser's walk through the provider (login of `sub`), up to the redirect. */
async function authorized(id: ProviderId, sub: string, url?: string): Promise<AuthorizeResult> {
  const target = url ?? (await startOAuth(id)).authorizationUrl;
  const cb = await providers[id].authorize(target, { sub });
  handedOver.push(cb.code, cb.state);
  return cb;
}

function complete(provider: string, cb: Pick<AuthorizeResult, "code" | "state" | "iss">, bearer?: string): Promise<CompleteOAuthResponse> {
  const request = { provider, code: cb.code, state: cb.state, iss: cb.iss, deviceName: "oauth test", mfaCode: "" };
  return call(server.clients.auth, server.clients.auth.completeOAuth, request, bearer ? { bearer } : {});
}

const signIn = async (id: ProviderId, sub: string) => complete(id, await authorized(id, sub));

const listSessions = async (bearer: string) =>
  (await call(server.clients.sessions, server.clients.sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer })).sessions;
const listProviders = (bearer: string) => call(server.clients.users, server.clients.users.listProviders, {}, { bearer });
const linkProvider = (provider: string, bearer: string) => call(server.clients.users, server.clients.users.linkProvider, { provider }, { bearer });
const unlinkProvider = (provider: string, bearer: string) => call(server.clients.users, server.clients.users.unlinkProvider, { provider }, { bearer });

/** Registers with a password and verifies the email with the code Register sent (development outbox). */
async function verifiedAccount(email?: string) {
  const reg = await registerUser(server.clients, email ? { email } : {});
  const code = await waitUntil(() => server.app.outbox.latest(reg.email)?.code, 5000, 5, `a code for ${reg.email}`);
  handedOver.push(code);
  await call(server.clients.auth, server.clients.auth.verifyContact, { email: reg.email, code });
  const me = await call(server.clients.users, server.clients.users.getMe, {}, { bearer: reg.tokens!.accessToken });
  expect(me.user?.emailVerified).toBe(true);
  return reg;
}

describe("signing in with a provider", () => {
  it("creates the account on first sight, then signs the same identity in to it", async () => {
    const sub = person("acme", { name: "Grace Hopper" });
    const started = await startOAuth("acme");
    const url = new URL(started.authorizationUrl);
    expect(url.origin).toBe(providers.acme.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code",
      client_id: CLIENTS.acme.client_id,
      redirect_uri: REDIRECT_URI,
      code_challenge_method: "S256",
      state: started.state,
      scope: "openid email profile",
    });
    expect(url.searchParams.get("nonce")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);

    const first = await complete("acme", await authorized("acme", sub, started.authorizationUrl));
    expect(first.created).toBe(true);
    expect(first.linked).toBe(false);
    expect(first.session?.authMethod).toBe("oauth:acme");
    expect(first.user).toMatchObject({ email: `${sub}@mail.example`, emailVerified: true, fullName: "Grace Hopper", username: sub });
    expect(first.identity).toMatchObject({ provider: "acme", email: `${sub}@mail.example` });
    expect(first.tokens?.tokenType).toBe("Bearer");
    const validated = await call(server.clients.auth, server.clients.auth.validateToken, { accessToken: first.tokens!.accessToken });
    expect(validated).toMatchObject({ userId: first.user!.id, sessionId: first.session!.id });

    const again = await signIn("acme", sub);
    expect(again.created).toBe(false);
    expect(again.user?.id).toBe(first.user!.id);
    expect(again.session?.id).not.toBe(first.session!.id);
    expect(again.session?.authMethod).toBe("oauth:acme");
    expect(await listSessions(again.tokens!.accessToken)).toHaveLength(2);
    // The code exchange went through the issuer's front port, PKCE and all.
    expect(providers.acme.requests).toEqual(expect.arrayContaining(["/.well-known/openid-configuration", "/auth", "/token", "/jwks"]));
  });

  it("keeps an email only a trusted provider verified: an untrusted provider's new account has none", async () => {
    const sub = person("other");
    const r = await signIn("other", sub);
    expect(r.created).toBe(true);
    expect(r.session?.authMethod).toBe("oauth:other");
    expect(r.user).toMatchObject({ email: "", emailVerified: false });
  });

  it("reads the email at the userinfo endpoint when the id token has none (OpenID Connect Core 5.4)", async () => {
    const sub = person("strict");
    const r = await signIn("strict", sub);
    expect(r.user).toMatchObject({ email: `${sub}@mail.example`, emailVerified: true, username: sub });
    expect(providers.strict.requests).toContain("/me");
    // The id token itself carried no email: the claims came from userinfo.
    const idToken = providers.strict.tokenResponses.find(
      (t) => t.split(".").length === 3 && JSON.parse(Buffer.from(t.split(".")[1]!, "base64url").toString()).nonce,
    );
    expect(JSON.parse(Buffer.from(idToken!.split(".")[1]!, "base64url").toString()).email).toBeUndefined();
  });

  it("answers NOT_FOUND OAUTH_PROVIDER_UNKNOWN for a provider that is not configured", async () => {
    const e = await failure(startOAuth("nobody"));
    expect([e.code, e.reason]).toEqual([status.NOT_FOUND, "OAUTH_PROVIDER_UNKNOWN"]);
  });
});

describe("the state", () => {
  const invalidState = async (promise: Promise<unknown>) => {
    const e = await failure(promise);
    expect([e.code, e.reason]).toEqual([status.INVALID_ARGUMENT, "OAUTH_STATE_INVALID"]);
  };

  it("works once: a replayed state is OAUTH_STATE_INVALID", async () => {
    const cb = await authorized("acme", person("acme"));
    const first = await complete("acme", cb);
    await invalidState(complete("acme", cb));
    // The replay opened nothing.
    expect(await listSessions(first.tokens!.accessToken)).toHaveLength(1);
  });

  it("refuses a forged state, and the real one still works after it", async () => {
    const cb = await authorized("acme", person("acme"));
    await invalidState(complete("acme", { ...cb, state: randomBytes(32).toString("base64url") }));
    expect((await complete("acme", cb)).created).toBe(true);
  });

  it("refuses another provider's state (started for other, completed as acme)", async () => {
    const cb = await authorized("other", person("other"));
    await invalidState(complete("acme", cb));
    // Single use: the flow is gone even for its own provider.
    await invalidState(complete("other", cb));
  });
});

describe("the id token", () => {
  const now = () => Math.floor(Date.now() / 1000);
  const tampers: [string, (p: Record<string, unknown>) => Record<string, unknown>, { foreignKey?: boolean }?][] = [
    ["a wrong nonce", (p) => ({ ...p, nonce: randomBytes(32).toString("base64url") })],
    ["a wrong audience", (p) => ({ ...p, aud: "someone-else" })],
    ["a wrong issuer", (p) => ({ ...p, iss: providers.other.issuer })],
    ["an expired token", (p) => ({ ...p, iat: now() - 7200, exp: now() - 3600 })],
    ["a signature by another key (same kid)", (p) => p, { foreignKey: true }],
  ];

  for (const [what, fn, options] of tampers) {
    it(`with ${what} is UNAUTHENTICATED OAUTH_FAILED and opens no session`, async () => {
      const sub = person("acme");
      const known = await signIn("acme", sub);
      const newcomer = person("acme");
      providers.acme.tamperIdToken(fn, options);
      try {
        for (const who of [sub, newcomer]) {
          const e = await failure(complete("acme", await authorized("acme", who)));
          expect([e.code, e.reason]).toEqual([status.UNAUTHENTICATED, "OAUTH_FAILED"]);
        }
      } finally {
        providers.acme.tamperIdToken(null);
      }
      // No session for the known account, and no account for the newcomer (first sight now).
      expect(await listSessions(known.tokens!.accessToken)).toHaveLength(1);
      expect((await signIn("acme", newcomer)).created).toBe(true);
    });
  }

  it("with the iss of another provider in the callback (RFC 9207 mix-up) is OAUTH_FAILED", async () => {
    const cb = await authorized("acme", person("acme"));
    const e = await failure(complete("acme", { ...cb, iss: providers.other.issuer }));
    expect([e.code, e.reason]).toEqual([status.UNAUTHENTICATED, "OAUTH_FAILED"]);
  });

  it("passes on nothing the provider said: a refused code is OAUTH_FAILED with the service's own words", async () => {
    const cb = await authorized("acme", person("acme"));
    const e = await failure(complete("acme", { ...cb, code: `${cb.code}x` }));
    expect([e.code, e.reason]).toEqual([status.UNAUTHENTICATED, "OAUTH_FAILED"]);
    const everything = JSON.stringify(e);
    // oidc-provider answers a bad code with invalid_grant "grant request is invalid".
    for (const said of ["invalid_grant", "grant request is invalid", "invalid", "grant"]) expect(everything.toLowerCase()).not.toContain(said);
    expect(e.message).toBe("The provider did not confirm the sign-in");
  });
});

describe("a provider that is down", () => {
  it("mid-flow: CompleteOAuth is UNAVAILABLE and the service keeps serving", async () => {
    const reg = await registerUser(server.clients);
    const sub = person("acme");
    const cb = await authorized("acme", sub);
    await providers.acme.stop();
    try {
      const e = await failure(complete("acme", cb));
      expect([e.code, e.reason]).toEqual([status.UNAVAILABLE, "SERVICE_UNAVAILABLE"]);
      const login = await call(server.clients.auth, server.clients.auth.login, { identifier: reg.email, password: PASSWORD, otpCode: "", deviceName: "" });
      expect(login.session?.authMethod).toBe("password");
      expect(await healthCheck(server.port, "")).toBe("SERVING");
    } finally {
      await providers.acme.start();
    }
    // Back up: a new flow works (that state was used up).
    expect((await signIn("acme", sub)).created).toBe(true);
  });

  it("at the start: StartOAuth is UNAVAILABLE until the provider answers", async () => {
    const e = await failure(startOAuth("late"));
    expect([e.code, e.reason]).toEqual([status.UNAVAILABLE, "SERVICE_UNAVAILABLE"]);
    await providers.late.start();
    expect((await signIn("late", person("late"))).session?.authMethod).toBe("oauth:late");
  });
});

describe("pre-account hijacking (an account made with someone else's email)", () => {
  it("never signs the victim's provider login in to, or links it to, the attacker's unverified account", async () => {
    const email = `victim-${randomBytes(5).toString("hex")}@mail.example`;
    const attacker = await registerUser(server.clients, { email });
    const sub = person("acme", { email, email_verified: true });
    for (let i = 0; i < 2; i++) {
      const e = await failure(signIn("acme", sub));
      expect([e.code, e.reason]).toEqual([status.FAILED_PRECONDITION, "ACCOUNT_LINK_REQUIRED"]);
    }
    const bearer = attacker.tokens!.accessToken;
    expect((await listProviders(bearer)).identities).toEqual([]);
    expect(await listSessions(bearer)).toHaveLength(1);
    // The attacker's password still leads only to the attacker's own, unlinked account.
    const login = await call(server.clients.auth, server.clients.auth.login, { identifier: email, password: PASSWORD, otpCode: "", deviceName: "" });
    expect(login.user?.emailVerified).toBe(false);
    expect((await listProviders(login.tokens!.accessToken)).identities).toEqual([]);
  });

  it("links automatically only when the local email is verified, the provider trusted, and email_verified true", async () => {
    const reg = await verifiedAccount();
    const bearer = reg.tokens!.accessToken;
    const refused = [
      ["other", { email_verified: true }], // an untrusted provider entry
      ["acme", { email_verified: false }],
      ["acme", { email_verified: "false" }],
      ["acme", {}], // no email_verified at all
    ] as const;
    for (const [id, claims] of refused) {
      const sub = person(id, { email: reg.email, email_verified: undefined, ...claims });
      const e = await failure(signIn(id, sub));
      expect([id, claims, e.code, e.reason]).toEqual([id, claims, status.FAILED_PRECONDITION, "ACCOUNT_LINK_REQUIRED"]);
    }
    expect((await listProviders(bearer)).identities).toEqual([]);
    expect(await listSessions(bearer)).toHaveLength(1);

    // The email in another case is the same address.
    const sub = person("acme", { email: reg.email.toUpperCase(), email_verified: "true" });
    const linked = await signIn("acme", sub);
    expect(linked).toMatchObject({ created: false, linked: true, user: { id: reg.user!.id }, session: { authMethod: "oauth:acme" } });
    expect((await listProviders(bearer)).identities.map((i) => [i.provider, i.email])).toEqual([["acme", reg.email]]);
    // Now a plain sign-in of that identity.
    expect(await signIn("acme", sub)).toMatchObject({ created: false, linked: false, user: { id: reg.user!.id } });
  });
});

describe("LinkProvider", () => {
  it("links the identity to the caller when completed with the same bearer", async () => {
    const reg = await registerUser(server.clients);
    const bearer = reg.tokens!.accessToken;
    const sub = person("acme", { email: "someone-else@mail.example" });
    const link = await linkProvider("acme", bearer);
    const done = await complete("acme", await authorized("acme", sub, link.authorizationUrl), bearer);
    expect(done).toMatchObject({
      linked: true,
      created: false,
      user: { id: reg.user!.id },
      identity: { provider: "acme", email: "someone-else@mail.example" },
    });
    expect(done.session).toBeUndefined();
    expect(done.tokens).toBeUndefined();
    const listed = await listProviders(bearer);
    expect(listed.identities.map((i) => i.provider)).toEqual(["acme"]);
    expect(listed.available).toEqual(["acme", "other", "late", "strict"]);
    // The identity signs in to that account; a second acme identity cannot be linked.
    expect((await signIn("acme", sub)).user?.id).toBe(reg.user!.id);
    const twice = await failure(linkProvider("acme", bearer));
    expect([twice.code, twice.reason]).toEqual([status.ALREADY_EXISTS, "PROVIDER_ALREADY_LINKED"]);
  });

  it("is PERMISSION_DENIED with another user's bearer and AUTHENTICATION_REQUIRED without one", async () => {
    const owner = await registerUser(server.clients);
    const intruder = await registerUser(server.clients);
    const sub = person("acme");
    const cases = [
      [intruder.tokens!.accessToken, status.PERMISSION_DENIED, "PERMISSION_DENIED"],
      [undefined, status.UNAUTHENTICATED, "AUTHENTICATION_REQUIRED"],
    ] as const;
    for (const [bearer, code, reason] of cases) {
      const link = await linkProvider("acme", owner.tokens!.accessToken);
      const e = await failure(complete("acme", await authorized("acme", sub, link.authorizationUrl), bearer));
      expect([e.code, e.reason]).toEqual([code, reason]);
    }
    for (const who of [owner, intruder]) expect((await listProviders(who.tokens!.accessToken)).identities).toEqual([]);
    // Nobody signed in as the identity either: its first sign-in creates its own account.
    expect((await signIn("acme", sub)).created).toBe(true);
  });

  it("is ALREADY_EXISTS PROVIDER_ALREADY_LINKED for an identity linked to another account", async () => {
    const sub = person("acme");
    const first = await signIn("acme", sub);
    const other = await registerUser(server.clients);
    const link = await linkProvider("acme", other.tokens!.accessToken);
    const e = await failure(complete("acme", await authorized("acme", sub, link.authorizationUrl), other.tokens!.accessToken));
    expect([e.code, e.reason]).toEqual([status.ALREADY_EXISTS, "PROVIDER_ALREADY_LINKED"]);
    expect((await listProviders(other.tokens!.accessToken)).identities).toEqual([]);
    expect((await listProviders(first.tokens!.accessToken)).identities.map((i) => i.provider)).toEqual(["acme"]);
  });
});

describe("UnlinkProvider", () => {
  it("refuses to remove the last way to sign in (an account made by a provider has no password)", async () => {
    const r = await signIn("acme", person("acme"));
    const e = await failure(unlinkProvider("acme", r.tokens!.accessToken));
    expect([e.code, e.reason]).toEqual([status.FAILED_PRECONDITION, "LAST_SIGN_IN_METHOD"]);
    expect((await listProviders(r.tokens!.accessToken)).identities).toHaveLength(1);
  });

  it("lets exactly one of two concurrent unlinks through when two identities are all there is", async () => {
    // A few rounds: each is a fresh account whose two removals race.
    for (let round = 0; round < 3; round++) {
      const r = await signIn("acme", person("acme"));
      const bearer = r.tokens!.accessToken;
      const link = await linkProvider("other", bearer);
      expect((await complete("other", await authorized("other", person("other"), link.authorizationUrl), bearer)).linked).toBe(true);
      expect((await listProviders(bearer)).identities).toHaveLength(2);

      const outcomes = await Promise.allSettled([unlinkProvider("acme", bearer), unlinkProvider("other", bearer)]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const refused = outcomes.filter((o) => o.status === "rejected");
      expect(refused).toHaveLength(1);
      const e = await failure(Promise.reject((refused[0] as PromiseRejectedResult).reason));
      expect([e.code, e.reason]).toEqual([status.FAILED_PRECONDITION, "LAST_SIGN_IN_METHOD"]);
      expect((await listProviders(bearer)).identities).toHaveLength(1);
    }
  });

  it("removes an identity when a password remains", async () => {
    const reg = await registerUser(server.clients);
    const bearer = reg.tokens!.accessToken;
    const link = await linkProvider("acme", bearer);
    await complete("acme", await authorized("acme", person("acme"), link.authorizationUrl), bearer);
    await unlinkProvider("acme", bearer);
    expect((await listProviders(bearer)).identities).toEqual([]);
    const again = await failure(unlinkProvider("acme", bearer));
    expect(again.reason).toBe("SIGN_IN_METHOD_NOT_FOUND");
  });
});

// Last, so it reads the logs of every flow above.
describe("the service's logs", () => {
  it("hold no code, state, token or client secret", async () => {
    const text = server.logs.join("\n");
    expect(text.length).toBeGreaterThan(0);
    const secrets = [...handedOver, ...Object.values(CLIENTS).map((c) => c.client_secret), ...Object.values(providers).flatMap((p) => p.tokenResponses)].filter(
      (s) => s.length >= 6,
    );
    expect(handedOver.length).toBeGreaterThan(20);
    expect(providers.acme.tokenResponses.length).toBeGreaterThan(10);
    const leaked = secrets.filter((s) => text.includes(s));
    expect(leaked).toEqual([]);
    // Nor a token's signature part alone.
    expect(providers.acme.tokenResponses.map((t) => t.split(".")[2] ?? t).filter((s) => s.length >= 20 && text.includes(s))).toEqual([]);
  });
});
