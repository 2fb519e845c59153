import { describe, expect, it } from "vitest";
import { makeDeps, seedUser, T0, testCtx, testSettings } from "../../../test/support/fakes.js";
import { Violations } from "../../domain/errors.js";
import type { Session } from "../../domain/session.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { checkDeviceName, openSession, refreshExpiry, signAccessToken, tokensForNewSession } from "./open-session.js";
import { hashRefreshToken, looksLikeRefreshToken } from "./refresh-token-codec.js";

async function setup(settings = testSettings()) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow, settings });
  const user = await seedUser(uow);
  return { uow, deps, user };
}

describe("openSession", () => {
  it("opens a session for the absolute lifetime with a first refresh token stored only as its hash", async () => {
    const { uow, deps, user } = await setup();
    const opened = await uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "laptop" }));
    expect(opened.session).toMatchObject({
      userId: user.id,
      deviceName: "laptop",
      authMethod: "password",
      ipAddress: testCtx.ipAddress,
      userAgent: testCtx.userAgent,
      createdAt: T0,
      authenticatedAt: T0,
      expiresAt: new Date(T0.getTime() + deps.settings.sessionMaxLifetimeSeconds * 1000),
      revokedAt: null,
    });
    expect(looksLikeRefreshToken(opened.refreshToken)).toBe(true);
    expect(opened.refreshTokenExpiresAt).toEqual(new Date(T0.getTime() + deps.settings.refreshTokenTtlSeconds * 1000));
    const { refreshTokens, sessions } = await uow.rows();
    expect(sessions.map((s) => s.id)).toEqual([opened.session.id]);
    expect(refreshTokens).toEqual([
      expect.objectContaining({
        sessionId: opened.session.id,
        tokenHash: hashRefreshToken(opened.refreshToken),
        generation: 0,
        expiresAt: opened.refreshTokenExpiresAt,
        rotatedAt: null,
      }),
    ]);
    expect(JSON.stringify(refreshTokens)).not.toContain(opened.refreshToken);
  });

  it("every login gets a new session and a different refresh token", async () => {
    const { uow, deps, user } = await setup();
    const open = () => uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "otp", deviceName: "" }));
    const a = await open();
    const b = await open();
    expect(a.session.id).not.toBe(b.session.id);
    expect(a.refreshToken).not.toBe(b.refreshToken);
  });

  it("strips control characters from the user agent and keeps at most 512 characters of it", async () => {
    const { uow, deps, user } = await setup();
    const ctx = { ...testCtx, userAgent: `evil\u0000\u001b[2Jagent\n${"x".repeat(600)}` };
    const { session } = await uow.transaction((tx) => openSession(deps, tx, user, ctx, { authMethod: "password", deviceName: "" }));
    expect(session.userAgent.startsWith("evil[2Jagent")).toBe(true);
    expect(session.userAgent).not.toMatch(/\p{Cc}/u);
    expect(session.userAgent).toHaveLength(512);
  });

  it("a refresh token never outlives its session's absolute expiry", async () => {
    const { uow, deps, user } = await setup(testSettings({ refreshTokenTtlSeconds: 7200, sessionMaxLifetimeSeconds: 3600 }));
    const opened = await uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
    expect(opened.refreshTokenExpiresAt).toEqual(opened.session.expiresAt);
    const session = { expiresAt: new Date(T0.getTime() + 1000) } as Session;
    expect(refreshExpiry(deps, session, T0)).toEqual(session.expiresAt);
    expect(refreshExpiry({ settings: testSettings({ refreshTokenTtlSeconds: 1 }) }, { expiresAt: new Date(T0.getTime() + 5000) } as Session, T0)).toEqual(
      new Date(T0.getTime() + 1000),
    );
  });
});

describe("access tokens for a session", () => {
  it("carry the user's claims and the session id, and never outlive the session", async () => {
    const { uow, deps, user } = await setup(testSettings({ sessionMaxLifetimeSeconds: 60 }));
    const opened = await uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
    const pair = await tokensForNewSession(deps, user, opened);
    expect(pair).toEqual({
      accessToken: deps.tokens.issued[0]?.token,
      accessTokenExpiresAt: opened.session.expiresAt, // the token TTL (900 s) is longer than the session's 60 s
      refreshToken: opened.refreshToken,
      refreshTokenExpiresAt: opened.refreshTokenExpiresAt,
    });
    expect(deps.tokens.issued[0]).toMatchObject({ userId: user.id, username: user.username, sessionId: opened.session.id, roles: ["user"], scopes: [] });
    const again = await signAccessToken(deps, user, opened.session);
    expect(again.token).not.toBe(pair.accessToken);
  });
});

describe("checkDeviceName", () => {
  it.each([
    ["a".repeat(100), []],
    ["", []],
    ["Ada's phone 📱", []],
    ["a".repeat(101), ["must be at most 100 characters"]],
    ["bad\u0007name", ["must not contain control characters"]],
    ["rtl\u202Eoverride", ["must not contain control characters"]],
  ])("%j -> %j", (name, expected) => {
    const violations = new Violations();
    checkDeviceName(name, violations);
    let thrown: unknown = null;
    try {
      violations.throwIfAny();
    } catch (e) {
      thrown = e;
    }
    const descriptions = thrown ? (thrown as { fieldViolations: { field: string; description: string }[] }).fieldViolations : [];
    expect(descriptions.map((v) => v.description)).toEqual(expected);
    for (const v of descriptions) expect(v.field).toBe("device_name");
  });
});
