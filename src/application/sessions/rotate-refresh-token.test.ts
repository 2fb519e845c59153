import { describe, expect, it } from "vitest";
import { countingLimiter, makeDeps, seedUser, T0, testCtx, testSettings } from "../../../test/support/fakes.js";
import type { AuthSettings } from "../shared/settings.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { openSession } from "./open-session.js";
import { hashRefreshToken, newRefreshToken } from "./refresh-token-codec.js";
import { RotateRefreshToken } from "./rotate-refresh-token.js";

const HOUR = 3600_000;

async function setup(settings: Partial<AuthSettings> = {}) {
  const uow = createMemoryUnitOfWork();
  const deps = makeDeps({ uow, settings: testSettings({ refreshTokenTtlSeconds: 3600, refreshReuseGraceSeconds: 10, ...settings }) });
  const user = await seedUser(uow);
  const opened = await uow.transaction((tx) => openSession(deps, tx, user, testCtx, { authMethod: "password", deviceName: "" }));
  const rotate = new RotateRefreshToken(deps);
  const refresh = (refreshToken: string) => rotate.execute({ refreshToken }, testCtx);
  const session = async () => (await uow.sessions.findById(opened.session.id))!;
  return { uow, deps, user, opened, rotate, refresh, session, first: opened.refreshToken };
}

describe("RotateRefreshToken — rotation", () => {
  it("retires the presented token and issues a successor one generation on, with a fresh access token", async () => {
    const { uow, deps, user, opened, refresh, first, session } = await setup();
    deps.clock.advance(60_000);
    const out = await refresh(first);
    expect(out.refreshToken).not.toBe(first);
    expect(out.refreshTokenExpiresAt).toEqual(new Date(T0.getTime() + 60_000 + HOUR));
    expect(deps.tokens.issued.at(-1)).toMatchObject({ token: out.accessToken, userId: user.id, sessionId: opened.session.id });
    expect(out.accessTokenExpiresAt).toEqual(deps.tokens.issued.at(-1)?.expiresAt);

    const parent = await uow.refreshTokens.findByHash(hashRefreshToken(first));
    const child = await uow.refreshTokens.findByHash(hashRefreshToken(out.refreshToken));
    expect(parent).toMatchObject({ rotatedAt: deps.clock.now(), successorId: child?.id });
    expect(child).toMatchObject({ sessionId: opened.session.id, generation: 1, rotatedAt: null, expiresAt: out.refreshTokenExpiresAt });
    expect((await session()).lastUsedAt).toEqual(deps.clock.now());
    // The successor rotates in turn.
    const next = await refresh(out.refreshToken);
    expect((await uow.refreshTokens.findByHash(hashRefreshToken(next.refreshToken)))?.generation).toBe(2);
  });

  it("never moves the session's absolute expiry: near its end the tokens end with it, then TOKEN_EXPIRED", async () => {
    const { deps, refresh, first, opened } = await setup({ sessionMaxLifetimeSeconds: 2 * 3600 });
    deps.clock.set(T0.getTime() + 0.9 * HOUR);
    const b = await refresh(first);
    expect(b.refreshTokenExpiresAt).toEqual(new Date(T0.getTime() + 1.9 * HOUR));
    deps.clock.set(T0.getTime() + 1.5 * HOUR);
    const c = await refresh(b.refreshToken);
    expect(c.refreshTokenExpiresAt).toEqual(opened.session.expiresAt);
    expect(c.accessTokenExpiresAt.getTime()).toBeLessThanOrEqual(opened.session.expiresAt.getTime());
    deps.clock.set(opened.session.expiresAt);
    await expect(refresh(c.refreshToken)).rejects.toMatchObject({ reason: "TOKEN_EXPIRED" });
  });

  it("an idle refresh token expires after its TTL: TOKEN_EXPIRED at the instant, not before", async () => {
    const { deps, refresh, first } = await setup();
    deps.clock.advance(HOUR - 1);
    const b = await refresh(first);
    deps.clock.advance(HOUR);
    await expect(refresh(b.refreshToken)).rejects.toMatchObject({ reason: "TOKEN_EXPIRED" });
  });
});

describe("RotateRefreshToken — refused tokens", () => {
  it("an empty token is VALIDATION_FAILED on refresh_token", async () => {
    const { refresh } = await setup();
    await expect(refresh("  ")).rejects.toMatchObject({ reason: "VALIDATION_FAILED", fieldViolations: [{ field: "refresh_token" }] });
  });

  it("a malformed or unknown token is TOKEN_INVALID", async () => {
    const { refresh, deps } = await setup();
    await expect(refresh("not-a-token")).rejects.toMatchObject({ reason: "TOKEN_INVALID" });
    await expect(refresh(newRefreshToken(deps.random))).rejects.toMatchObject({ reason: "TOKEN_INVALID" });
  });

  it("counts every attempt per client IP, before any lookup: over the limit RATE_LIMITED", async () => {
    const uow = createMemoryUnitOfWork();
    const deps = makeDeps({ uow, ipAttempts: countingLimiter(2) });
    const rotate = new RotateRefreshToken(deps);
    for (let i = 0; i < 2; i++) await expect(rotate.execute({ refreshToken: "x" }, testCtx)).rejects.toMatchObject({ reason: "TOKEN_INVALID" });
    await expect(rotate.execute({ refreshToken: "x" }, testCtx)).rejects.toMatchObject({ reason: "RATE_LIMITED" });
    expect(deps.ipAttempts.keys).toEqual(["ip:203.0.113.7", "ip:203.0.113.7", "ip:203.0.113.7"]);
  });

  it("a token of a revoked session is SESSION_REVOKED", async () => {
    const { uow, deps, refresh, first, opened } = await setup();
    await uow.sessions.revoke(opened.session.id, "logout", deps.clock.now());
    await expect(refresh(first)).rejects.toMatchObject({ reason: "SESSION_REVOKED" });
  });

  it("a token of a deactivated account is ACCOUNT_DISABLED, and nothing rotates", async () => {
    const { uow, deps, user, refresh, first } = await setup();
    await uow.users.update(user.id, { isActive: false, updatedAt: deps.clock.now() });
    await expect(refresh(first)).rejects.toMatchObject({ reason: "ACCOUNT_DISABLED" });
    expect((await uow.refreshTokens.findByHash(hashRefreshToken(first)))?.rotatedAt).toBeNull();
  });
});

describe("RotateRefreshToken — reuse detection and the grace window", () => {
  it("a retry of the immediate parent inside the grace window gets the very same successor", async () => {
    const { deps, refresh, first, session } = await setup({ refreshReuseGraceSeconds: 10 });
    const b = await refresh(first);
    deps.clock.advance(10_000); // the window's last millisecond
    const retry = await refresh(first);
    expect(retry.refreshToken).toBe(b.refreshToken);
    expect(retry.refreshTokenExpiresAt).toEqual(b.refreshTokenExpiresAt);
    expect(retry.accessToken).not.toBe(b.accessToken);
    expect((await session()).revokedAt).toBeNull();
    // The successor is still the one in use.
    await refresh(b.refreshToken);
  });

  it("two concurrent refreshes of one token get the same successor and the session survives", async () => {
    const { refresh, first, session, uow } = await setup();
    const [a, b] = await Promise.all([refresh(first), refresh(first)]);
    expect(a.refreshToken).toBe(b.refreshToken);
    expect((await session()).revokedAt).toBeNull();
    expect((await uow.rows()).refreshTokens).toHaveLength(2);
  });

  it("a retired token after the grace window is reuse: the session is revoked, audited and announced", async () => {
    const { uow, deps, refresh, first, session, opened, user } = await setup({ refreshReuseGraceSeconds: 10 });
    const b = await refresh(first);
    deps.clock.advance(10_001);
    await expect(refresh(first)).rejects.toMatchObject({ reason: "REFRESH_TOKEN_REUSED" });
    expect(await session()).toMatchObject({ revokedAt: deps.clock.now(), revokedReason: "refresh_token_reuse" });
    const audit = (await uow.rows()).auditEvents;
    expect(audit).toEqual([
      expect.objectContaining({ type: "token.reuse_detected", outcome: "failure", userId: user.id, sessionId: opened.session.id, metadata: { generation: 0 } }),
    ]);
    expect(deps.revoker.announced).toEqual([[opened.session.id]]);
    // The successor dies with the session.
    await expect(refresh(b.refreshToken)).rejects.toMatchObject({ reason: "SESSION_REVOKED" });
  });

  it("an older ancestor is reuse even inside the window (its successor was rotated too)", async () => {
    const { deps, refresh, first, session } = await setup({ refreshReuseGraceSeconds: 10 });
    const b = await refresh(first);
    await refresh(b.refreshToken);
    deps.clock.advance(1000);
    await expect(refresh(first)).rejects.toMatchObject({ reason: "REFRESH_TOKEN_REUSED" });
    expect((await session()).revokedReason).toBe("refresh_token_reuse");
  });

  it("with a grace window of 0 any second use is reuse", async () => {
    const { refresh, first, session } = await setup({ refreshReuseGraceSeconds: 0 });
    await refresh(first);
    await expect(refresh(first)).rejects.toMatchObject({ reason: "REFRESH_TOKEN_REUSED" });
    expect((await session()).revokedAt).not.toBeNull();
  });

  it("a retry inside the window for an account disabled meanwhile is ACCOUNT_DISABLED", async () => {
    const { uow, deps, user, refresh, first } = await setup();
    await refresh(first);
    await uow.users.update(user.id, { deletedAt: deps.clock.now(), updatedAt: deps.clock.now() });
    await expect(refresh(first)).rejects.toMatchObject({ reason: "ACCOUNT_DISABLED" });
  });

  it("reuse on a session revoked meanwhile announces nothing more (it was already revoked)", async () => {
    const { uow, deps, refresh, first, opened } = await setup({ refreshReuseGraceSeconds: 0 });
    await refresh(first);
    // Revoked between the token lookup and the reuse transaction: the session check passes, the revoke changes nothing.
    const transaction = uow.transaction.bind(uow);
    uow.transaction = async (fn) => {
      await uow.sessions.revoke(opened.session.id, "logout", deps.clock.now());
      return transaction(fn);
    };
    await expect(refresh(first)).rejects.toMatchObject({ reason: "REFRESH_TOKEN_REUSED" });
    expect(deps.revoker.announced).toEqual([]);
  });
});
