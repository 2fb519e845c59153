import { describe, expect, it } from "vitest";
import { countingLimiter, testCtx as ctx, flushBackground, principalFor } from "../../../test/support/fakes.js";
import { noticesSent, rejection, seedTotp, seedUser, unitDeps } from "../../../test/support/use-case-deps.js";
import { DependencyUnavailableError, DomainError } from "../../domain/errors.js";
import type { VerifiedIdentity } from "../ports/oauth.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { CompleteOAuth, type CompleteOAuthInput, usernameBase } from "./complete-oauth.js";
import { LinkProvider } from "./link-provider.js";
import { StartOAuth } from "./start-oauth.js";

const ACME = "https://idp.acme.test";

function setup(options: { maxFailures?: number } = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = unitDeps(uow, options.maxFailures ? { loginFailures: countingLimiter(options.maxFailures) } : {});
  const start = new StartOAuth(deps);
  const complete = new CompleteOAuth(deps);
  const link = new LinkProvider(deps);
  /** The identity the provider confirms next. */
  const provider = (over: Partial<VerifiedIdentity> = {}) => {
    deps.oauthProviders.next = { issuer: ACME, subject: "sub-1", email: "ada@example.com", emailVerified: true, name: "Ada", preferredUsername: null, ...over };
  };
  /** A login flow started now: its state. */
  const started = async (id = "acme") => (await start.execute({ provider: id })).state;
  const input = (state: string, over: Partial<CompleteOAuthInput> = {}): CompleteOAuthInput => ({
    provider: "acme",
    code: "code-1",
    state,
    deviceName: "laptop",
    mfaCode: "",
    iss: "",
    ...over,
  });
  return { uow, deps, start, complete, link, provider, started, input };
}

describe("CompleteOAuth: login flows", () => {
  it("first sight creates the account with the verified email, links the identity and opens an oauth:<provider> session", async () => {
    const { uow, deps, complete, provider, started, input } = setup();
    provider({ preferredUsername: "Ada.L" });
    const out = await complete.execute(input(await started()), null, ctx);
    expect(out.created).toBe(true);
    expect(out.linked).toBe(false);
    expect(out.user).toMatchObject({ username: "ada.l", email: "ada@example.com", emailVerified: true, passwordHash: null });
    expect(out.login?.session.authMethod).toBe("oauth:acme");
    expect(out.identity).toMatchObject({ provider: "acme", issuer: ACME, subject: "sub-1", userId: out.user.id });
    const rows = await uow.rows();
    expect(rows.oauthIdentities).toHaveLength(1);
    expect(rows.auditEvents.map((e) => e.type).sort()).toEqual(["login.succeeded", "user.registered"]);
    // The code went to the provider with the flow's own verifier and nonce.
    expect(deps.oauthProviders.calls).toHaveLength(1);
    expect(deps.oauthProviders.calls[0]?.codeVerifier).toMatch(/^[\w-]{43}$/);
  });

  it("the same identity signs in again to the same account, whatever its email says now", async () => {
    const { complete, provider, started, input } = setup();
    provider();
    const first = await complete.execute(input(await started()), null, ctx);
    provider({ email: "changed@example.com" });
    const again = await complete.execute(input(await started()), null, ctx);
    expect(again.created).toBe(false);
    expect(again.user.id).toBe(first.user.id);
    expect(again.identity.lastUsedAt).not.toBeNull();
  });

  it("the identity is (issuer, sub): the same sub at another issuer is another account", async () => {
    const { complete, provider, started, input } = setup();
    provider();
    const first = await complete.execute(input(await started()), null, ctx);
    provider({ issuer: "https://idp.other.test", email: null });
    const other = await complete.execute(input(await started("other"), { provider: "other" }), null, ctx);
    expect(other.user.id).not.toBe(first.user.id);
    expect(other.created).toBe(true);
  });

  it("a new account gets the email only when a trusted provider verified it", async () => {
    const { complete, provider, started, input } = setup();
    provider({ subject: "s-unverified", emailVerified: false, email: "eve@example.com" });
    const unverified = await complete.execute(input(await started()), null, ctx);
    expect(unverified.user.email).toBeNull();
    provider({ issuer: "https://idp.other.test", subject: "s-untrusted", email: "mallory@example.com", emailVerified: true });
    const untrusted = await complete.execute(input(await started("other"), { provider: "other" }), null, ctx);
    expect(untrusted.user.email).toBeNull();
  });

  it("a state works once, only for its provider, and not after 10 minutes: OAUTH_STATE_INVALID", async () => {
    const { deps, complete, provider, started, input } = setup();
    provider();
    const state = await started();
    await complete.execute(input(state), null, ctx);
    expect((await rejection(complete.execute(input(state), null, ctx))).reason).toBe("OAUTH_STATE_INVALID");
    expect((await rejection(complete.execute(input("forged-state"), null, ctx))).reason).toBe("OAUTH_STATE_INVALID");
    const otherState = await started("other");
    expect((await rejection(complete.execute(input(otherState), null, ctx))).reason).toBe("OAUTH_STATE_INVALID");
    const late = await started();
    deps.clock.advance(600_001);
    expect((await rejection(complete.execute(input(late), null, ctx))).reason).toBe("OAUTH_STATE_INVALID");
    // Only the first completion reached the provider.
    expect(deps.oauthProviders.calls).toHaveLength(1);
  });

  it("unknown provider OAUTH_PROVIDER_UNKNOWN; bad fields VALIDATION_FAILED before anything is counted", async () => {
    const { deps, complete, start, input } = setup();
    expect((await rejection(start.execute({ provider: "nope" }))).reason).toBe("OAUTH_PROVIDER_UNKNOWN");
    const bad = await rejection(complete.execute(input("", { code: "", deviceName: "\u0000" }), null, ctx));
    expect(bad.fieldViolations?.map((v) => v.field).sort()).toEqual(["code", "device_name", "state"]);
    expect(deps.ipAttempts.keys).toEqual([]);
  });

  it("the provider refusing answers OAUTH_FAILED, unreachable answers UNAVAILABLE: no account, no session", async () => {
    const { uow, deps, complete, started, input } = setup();
    deps.oauthProviders.next = new DomainError("OAUTH_FAILED", "The provider did not confirm the sign-in");
    expect((await rejection(complete.execute(input(await started()), null, ctx))).reason).toBe("OAUTH_FAILED");
    deps.oauthProviders.next = new DependencyUnavailableError("oidc:acme");
    expect(await rejection(complete.execute(input(await started()), null, ctx))).toBeInstanceOf(DependencyUnavailableError);
    const rows = await uow.rows();
    expect(rows.users).toEqual([]);
    expect(rows.sessions).toEqual([]);
  });
});

describe("CompleteOAuth: automatic linking cannot become a takeover", () => {
  it("an UNVERIFIED local account with the victim's email never captures the victim's provider login", async () => {
    const { uow, deps, complete, provider, started, input } = setup();
    const squatter = await seedUser(deps, { email: "victim@example.com", emailVerified: false });
    provider({ subject: "victim-sub", email: "victim@example.com", emailVerified: true });
    const refused = await rejection(complete.execute(input(await started()), null, ctx));
    expect(refused.reason).toBe("ACCOUNT_LINK_REQUIRED");
    const rows = await uow.rows();
    expect(rows.oauthIdentities).toEqual([]);
    expect(rows.sessions).toEqual([]);
    expect(rows.users.map((u) => u.id)).toEqual([squatter.id]);
  });

  it("links automatically only when the provider verified the email, the provider is trusted and the local email is verified", async () => {
    const { deps, uow, complete, provider, started, input } = setup();
    const local = await seedUser(deps, { email: "ada@example.com", emailVerified: true });
    provider({ emailVerified: false });
    expect((await rejection(complete.execute(input(await started()), null, ctx))).reason).toBe("ACCOUNT_LINK_REQUIRED");
    provider({ issuer: "https://idp.other.test", emailVerified: true });
    expect((await rejection(complete.execute(input(await started("other"), { provider: "other" }), null, ctx))).reason).toBe("ACCOUNT_LINK_REQUIRED");
    expect((await uow.rows()).oauthIdentities).toEqual([]);

    provider({ emailVerified: true });
    const linked = await complete.execute(input(await started()), null, ctx);
    expect(linked).toMatchObject({ created: false, linked: true });
    expect(linked.user.id).toBe(local.id);
    expect(linked.user.authVersion).toBe(local.authVersion + 1);
    const rows = await uow.rows();
    expect(rows.oauthIdentities.map((i) => i.userId)).toEqual([local.id]);
    expect(rows.auditEvents.map((e) => e.type)).toContain("provider.linked");
    await flushBackground();
    expect(noticesSent(deps.notifier.sent)).toContainEqual(["provider_linked", "ada@example.com"]);
  });

  it("the provider's email is compared case-insensitively with the account's (the adapter lower-cases it)", async () => {
    const { deps, complete, provider, started, input } = setup();
    await seedUser(deps, { email: "ada@example.com", emailVerified: false });
    provider({ email: "ada@example.com" });
    expect((await rejection(complete.execute(input(await started()), null, ctx))).reason).toBe("ACCOUNT_LINK_REQUIRED");
  });
});

describe("CompleteOAuth: the login pipeline", () => {
  it("an account with a second factor needs mfa_code; a wrong one is MFA_INVALID and counted", async () => {
    const { deps, complete, provider, started, input } = setup();
    provider();
    const first = await complete.execute(input(await started()), null, ctx);
    await seedTotp(deps, first.user);
    expect((await rejection(complete.execute(input(await started()), null, ctx))).reason).toBe("MFA_REQUIRED");
    expect((await rejection(complete.execute(input(await started(), { mfaCode: "999999" }), null, ctx))).reason).toBe("MFA_INVALID");
    const code = deps.totp.codeAt("TOTPSECRET", deps.clock.now());
    const ok = await complete.execute(input(await started(), { mfaCode: code }), null, ctx);
    expect(ok.login?.session.authMethod).toBe("oauth:acme+totp");
  });

  it("a locked account is ACCOUNT_LOCKED before the sign-in; a disabled one ACCOUNT_DISABLED", async () => {
    const { deps, complete, provider, started, input } = setup({ maxFailures: 1 });
    provider();
    const first = await complete.execute(input(await started()), null, ctx);
    await seedTotp(deps, first.user);
    expect((await rejection(complete.execute(input(await started(), { mfaCode: "999999" }), null, ctx))).reason).toBe("MFA_INVALID");
    expect((await rejection(complete.execute(input(await started(), { mfaCode: "000000" }), null, ctx))).reason).toBe("ACCOUNT_LOCKED");
    const other = setup();
    other.provider();
    const signedUp = await other.complete.execute(other.input(await other.started()), null, ctx);
    await other.uow.users.update(signedUp.user.id, { isActive: false, updatedAt: other.deps.clock.now() });
    expect((await rejection(other.complete.execute(other.input(await other.started()), null, ctx))).reason).toBe("ACCOUNT_DISABLED");
    expect((await other.uow.rows()).auditEvents.find((e) => e.type === "login.failed")?.metadata).toEqual({ reason: "disabled", method: "oauth:acme" });
  });

  it("a taken username gets a random suffix", async () => {
    const { deps, complete, provider, started, input } = setup();
    await seedUser(deps, { username: "ada", email: "someone@example.com" });
    provider({ preferredUsername: "ada", email: null });
    const out = await complete.execute(input(await started()), null, ctx);
    expect(out.user.username).toMatch(/^ada-[0-9a-f]{6}$/);
  });

  it("usernameBase keeps what a username may hold and falls back to user", () => {
    expect(usernameBase({ preferredUsername: "  Jo Ann!", email: null, name: null })).toBe("joann");
    expect(usernameBase({ preferredUsername: null, email: "x.y@example.com", name: null })).toBe("x.y");
    expect(usernameBase({ preferredUsername: "ab", email: null, name: "名前" })).toBe("user");
    expect(usernameBase({ preferredUsername: "admin", email: null, name: null })).toBe("user");
  });
});

describe("CompleteOAuth: link flows", () => {
  async function signedIn(s: ReturnType<typeof setup>) {
    const user = await seedUser(s.deps, { email: "ada@home.example" });
    return { user, principal: principalFor(user.id, "00000000-0000-7000-8000-00000000aaaa") };
  }

  it("links the identity to the account that started the flow, with its bearer", async () => {
    const s = setup();
    const { user, principal } = await signedIn(s);
    s.provider({ subject: "work-sub", email: "ada@work.example" });
    const { state } = await s.link.execute({ provider: "acme" }, principal);
    const out = await s.complete.execute(s.input(state), principal, ctx);
    expect(out).toMatchObject({ linked: true, created: false, login: null });
    expect(out.identity).toMatchObject({ userId: user.id, subject: "work-sub", email: "ada@work.example" });
    expect((await s.uow.rows()).sessions).toEqual([]);
  });

  it("another user's bearer is PERMISSION_DENIED, no bearer AUTHENTICATION_REQUIRED; the code is never exchanged", async () => {
    const s = setup();
    const { principal } = await signedIn(s);
    const other = await seedUser(s.deps, { email: "eve@example.com" });
    const { state } = await s.link.execute({ provider: "acme" }, principal);
    expect((await rejection(s.complete.execute(s.input(state), principalFor(other.id, "00000000-0000-7000-8000-00000000bbbb"), ctx))).reason).toBe(
      "PERMISSION_DENIED",
    );
    const { state: second } = await s.link.execute({ provider: "acme" }, principal);
    expect((await rejection(s.complete.execute(s.input(second), null, ctx))).reason).toBe("AUTHENTICATION_REQUIRED");
    expect(s.deps.oauthProviders.calls).toEqual([]);
    expect((await s.uow.rows()).oauthIdentities).toEqual([]);
  });

  it("an identity already linked elsewhere is PROVIDER_ALREADY_LINKED; so is a second identity at the same provider", async () => {
    const s = setup();
    s.provider({ subject: "taken" });
    await s.complete.execute(s.input(await s.started()), null, ctx);
    const { principal } = await signedIn(s);
    const { state } = await s.link.execute({ provider: "acme" }, principal);
    expect((await rejection(s.complete.execute(s.input(state), principal, ctx))).reason).toBe("PROVIDER_ALREADY_LINKED");
    s.provider({ subject: "fresh" });
    const { state: ok } = await s.link.execute({ provider: "acme" }, principal);
    await s.complete.execute(s.input(ok), principal, ctx);
    expect((await rejection(s.link.execute({ provider: "acme" }, principal))).reason).toBe("PROVIDER_ALREADY_LINKED");
  });
});
