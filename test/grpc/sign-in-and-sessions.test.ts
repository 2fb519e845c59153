import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, registerUser, uniqueName } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("register → login → validate → refresh → reuse", () => {
  it("runs the whole life of a session", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients, { fullName: "Ada Lovelace" });
    expect(reg.user?.username).toBe(reg.username);
    expect(reg.user?.email).toBe(reg.email);
    expect(reg.user?.roles).toEqual(["user"]);
    expect(reg.user?.plan).toBe("free");
    expect(reg.tokens?.tokenType).toBe("Bearer");
    expect(reg.user?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUIDv7

    const login = await call(auth, auth.login, { identifier: reg.email.toUpperCase(), password: PASSWORD, otpCode: "", deviceName: "laptop" });
    expect(login.session?.id).not.toBe(reg.session?.id); // every login opens a new session
    expect(login.session?.deviceName).toBe("laptop");
    expect(login.user?.lastLoginAt).toBeInstanceOf(Date);

    const v = await call(auth, auth.validateToken, { accessToken: login.tokens!.accessToken });
    expect(v.userId).toBe(reg.user!.id);
    expect(v.sessionId).toBe(login.session!.id);
    expect(v.username).toBe(reg.username);
    expect(v.roles).toEqual(["user"]);
    expect(v.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);

    const rt0 = login.tokens!.refreshToken;
    const r1 = await call(auth, auth.refreshToken, { refreshToken: rt0 });
    expect(r1.tokens!.refreshToken).not.toBe(rt0);
    const v1 = await call(auth, auth.validateToken, { accessToken: r1.tokens!.accessToken });
    expect(v1.sessionId).toBe(login.session!.id); // same session

    // RT0 within the grace window, but RT1 has been rotated too → not the immediate parent.
    const r2 = await call(auth, auth.refreshToken, { refreshToken: r1.tokens!.refreshToken });
    const reused = await failure(call(auth, auth.refreshToken, { refreshToken: rt0 }));
    expect(reused.code).toBe(status.UNAUTHENTICATED);
    expect(reused.reason).toBe("REFRESH_TOKEN_REUSED");

    // The session is dead: its newest refresh token and its access tokens all fail.
    const dead = await failure(call(auth, auth.refreshToken, { refreshToken: r2.tokens!.refreshToken }));
    expect(dead.reason).toBe("SESSION_REVOKED");
    const denied = await failure(call(auth, auth.validateToken, { accessToken: r2.tokens!.accessToken }));
    expect(denied.reason).toBe("SESSION_REVOKED");
    // The registration session is untouched.
    await call(auth, auth.validateToken, { accessToken: reg.tokens!.accessToken });
  });

  it("rotates RT0→RT3, then RT0 kills RT0..RT3 (RFC 9700 §4.14.2)", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const chain = [reg.tokens!.refreshToken];
    for (let i = 0; i < 3; i++) {
      const r = await call(auth, auth.refreshToken, { refreshToken: chain[i]! });
      chain.push(r.tokens!.refreshToken);
    }
    expect((await failure(call(auth, auth.refreshToken, { refreshToken: chain[0]! }))).reason).toBe("REFRESH_TOKEN_REUSED");
    for (const token of chain) {
      const e = await failure(call(auth, auth.refreshToken, { refreshToken: token }));
      expect(e.code).toBe(status.UNAUTHENTICATED);
    }
  });

  it("gives a retried immediate parent the same successor inside the grace window", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const rt0 = reg.tokens!.refreshToken;
    const first = await call(auth, auth.refreshToken, { refreshToken: rt0 });
    const retry = await call(auth, auth.refreshToken, { refreshToken: rt0 });
    expect(retry.tokens!.refreshToken).toBe(first.tokens!.refreshToken);
    // The successor still works: nothing was revoked.
    await call(auth, auth.refreshToken, { refreshToken: first.tokens!.refreshToken });
  });

  it("never forks a session under N parallel refreshes of one token", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => call(auth, auth.refreshToken, { refreshToken: reg.tokens!.refreshToken })));
    const successors = new Set(results.filter((r) => r.status === "fulfilled").map((r) => r.value.tokens!.refreshToken));
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(successors.size).toBe(1);
  });

  it("refuses malformed, unknown and empty refresh tokens", async () => {
    const { auth } = server.clients;
    expect((await failure(call(auth, auth.refreshToken, { refreshToken: "" }))).reason).toBe("VALIDATION_FAILED");
    expect((await failure(call(auth, auth.refreshToken, { refreshToken: "x".repeat(43) }))).reason).toBe("TOKEN_INVALID");
    expect((await failure(call(auth, auth.refreshToken, { refreshToken: "'; DROP TABLE users; --" }))).reason).toBe("TOKEN_INVALID");
  });
});

describe("logout", () => {
  it("with the bearer token kills the session's access and refresh tokens (ASVS 3.3.1)", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    await call(auth, auth.logout, { refreshToken: "" }, { bearer: reg.tokens!.accessToken });
    expect((await failure(call(auth, auth.validateToken, { accessToken: reg.tokens!.accessToken }))).reason).toBe("SESSION_REVOKED");
    expect((await failure(call(auth, auth.refreshToken, { refreshToken: reg.tokens!.refreshToken }))).reason).toBe("SESSION_REVOKED");
  });

  it("with only the refresh token works, and is idempotent", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    await call(auth, auth.logout, { refreshToken: reg.tokens!.refreshToken });
    await call(auth, auth.logout, { refreshToken: reg.tokens!.refreshToken });
    expect((await failure(call(auth, auth.validateToken, { accessToken: reg.tokens!.accessToken }))).reason).toBe("SESSION_REVOKED");
  });

  it("with nothing answers AUTHENTICATION_REQUIRED", async () => {
    const e = await failure(call(server.clients.auth, server.clients.auth.logout, { refreshToken: "" }));
    expect(e.code).toBe(status.UNAUTHENTICATED);
    expect(e.reason).toBe("AUTHENTICATION_REQUIRED");
  });
});

describe("sessions", () => {
  it("lists only the caller's live sessions with the current flag, and revokes them", async () => {
    const { auth, sessions } = server.clients;
    const reg = await registerUser(server.clients);
    const other = await call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "phone" });
    const bearer = reg.tokens!.accessToken;
    const list = await call(sessions, sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer });
    expect(list.sessions.map((s) => s.id).sort()).toEqual([reg.session!.id, other.session!.id].sort());
    expect(list.sessions.find((s) => s.current)?.id).toBe(reg.session!.id);
    expect(list.sessions[0]!.ipAddress).toBe("127.0.0.1");

    // Someone else's session is NOT_FOUND, exactly like a missing one.
    const stranger = await registerUser(server.clients);
    const e = await failure(call(sessions, sessions.revokeSession, { sessionId: stranger.session!.id }, { bearer }));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe("SESSION_NOT_FOUND");
    await call(auth, auth.validateToken, { accessToken: stranger.tokens!.accessToken });

    await call(sessions, sessions.revokeSession, { sessionId: other.session!.id }, { bearer });
    expect((await failure(call(auth, auth.validateToken, { accessToken: other.tokens!.accessToken }))).reason).toBe("SESSION_REVOKED");
    const after = await call(sessions, sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer });
    expect(after.sessions.map((s) => s.id)).toEqual([reg.session!.id]);
  });

  it("RevokeAllSessions with keep_current keeps only the caller's", async () => {
    const { auth, sessions } = server.clients;
    const reg = await registerUser(server.clients);
    const a = await call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "a" });
    const b = await call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "b" });
    const res = await call(sessions, sessions.revokeAllSessions, { keepCurrent: true }, { bearer: a.tokens!.accessToken });
    expect(res.revokedCount).toBe(2);
    await call(auth, auth.validateToken, { accessToken: a.tokens!.accessToken });
    expect((await failure(call(auth, auth.validateToken, { accessToken: b.tokens!.accessToken }))).reason).toBe("SESSION_REVOKED");
    const all = await call(sessions, sessions.revokeAllSessions, { keepCurrent: false }, { bearer: a.tokens!.accessToken });
    expect(all.revokedCount).toBe(1);
    expect((await failure(call(auth, auth.validateToken, { accessToken: a.tokens!.accessToken }))).reason).toBe("SESSION_REVOKED");
  });

  it("requires a bearer token", async () => {
    const { sessions } = server.clients;
    expect((await failure(call(sessions, sessions.listSessions, { pageSize: 0, pageToken: "" }))).reason).toBe("AUTHENTICATION_REQUIRED");
    expect((await failure(call(sessions, sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer: "not.a.jwt" }))).reason).toBe("TOKEN_INVALID");
  });
});

describe("account", () => {
  it("GetMe and UpdateMe with a field mask; a changed email becomes unverified", async () => {
    const { users } = server.clients;
    const reg = await registerUser(server.clients);
    const bearer = reg.tokens!.accessToken;
    const me = await call(users, users.getMe, {}, { bearer });
    expect(me.user?.id).toBe(reg.user!.id);
    const newName = uniqueName("renamed");
    const updated = await call(
      users,
      users.updateMe,
      {
        fullName: "New Name",
        username: newName,
        email: `${newName}@Example.org `,
        phone: "+4915112345678",
        updateMask: ["full_name", "username", "email", "phone"],
      },
      { bearer },
    );
    expect(updated.user).toMatchObject({
      fullName: "New Name",
      username: newName,
      email: `${newName.toLowerCase()}@example.org`,
      phone: "+4915112345678",
      emailVerified: false,
    });
    // Only the masked field changes.
    const partial = await call(
      users,
      users.updateMe,
      { fullName: "Only This", username: "ignored!!", email: "", phone: "", updateMask: ["full_name"] },
      { bearer },
    );
    expect(partial.user).toMatchObject({ fullName: "Only This", username: newName });
  });

  it("UpdateMe refuses a username another account has, and an unknown mask path", async () => {
    const { users } = server.clients;
    const a = await registerUser(server.clients);
    const b = await registerUser(server.clients);
    const taken = await failure(
      call(
        users,
        users.updateMe,
        { fullName: "", username: a.username.toUpperCase(), email: "", phone: "", updateMask: ["username"] },
        { bearer: b.tokens!.accessToken },
      ),
    );
    expect(taken.code).toBe(status.ALREADY_EXISTS);
    expect(taken.reason).toBe("USER_ALREADY_EXISTS");
    const bad = await failure(
      call(users, users.updateMe, { fullName: "", username: "", email: "", phone: "", updateMask: ["roles"] }, { bearer: b.tokens!.accessToken }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations[0]?.field).toBe("update_mask");
  });

  it("ChangePassword needs the current password and revokes the other sessions", async () => {
    const { auth, users } = server.clients;
    const reg = await registerUser(server.clients);
    const other = await call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "other" });
    const bearer = reg.tokens!.accessToken;
    const wrong = await failure(
      call(users, users.changePassword, { currentPassword: "wrong password here", newPassword: "a brand new passphrase" }, { bearer }),
    );
    expect(wrong.code).toBe(status.UNAUTHENTICATED);
    const missing = await failure(call(users, users.changePassword, { currentPassword: "", newPassword: "a brand new passphrase" }, { bearer }));
    expect(missing.code).toBe(status.INVALID_ARGUMENT);
    const common = await failure(call(users, users.changePassword, { currentPassword: PASSWORD, newPassword: "password1234" }, { bearer }));
    expect(common.reason).toBe("PASSWORD_TOO_WEAK");
    expect(common.fieldViolations[0]?.field).toBe("new_password");

    const res = await call(users, users.changePassword, { currentPassword: PASSWORD, newPassword: "a brand new passphrase" }, { bearer });
    expect(res.revokedSessions).toBe(1);
    await call(auth, auth.validateToken, { accessToken: bearer });
    expect((await failure(call(auth, auth.validateToken, { accessToken: other.tokens!.accessToken }))).reason).toBe("SESSION_REVOKED");
    expect((await failure(call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" }))).reason).toBe(
      "INVALID_CREDENTIALS",
    );
    await call(auth, auth.login, { identifier: reg.username, password: "a brand new passphrase", otpCode: "", deviceName: "" });
  });

  it("DeleteMe deactivates, revokes everything, and keeps the identity reserved", async () => {
    const { auth, users } = server.clients;
    const reg = await registerUser(server.clients);
    await call(users, users.deleteMe, {}, { bearer: reg.tokens!.accessToken });
    expect((await failure(call(auth, auth.validateToken, { accessToken: reg.tokens!.accessToken }))).reason).toBe("SESSION_REVOKED");
    const login = await failure(call(auth, auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "" }));
    expect(login.code).toBe(status.PERMISSION_DENIED);
    expect(login.reason).toBe("ACCOUNT_DISABLED");
    // Wrong password on a deleted account still says nothing about it.
    expect((await failure(call(auth, auth.login, { identifier: reg.username, password: "not the password", otpCode: "", deviceName: "" }))).reason).toBe(
      "INVALID_CREDENTIALS",
    );
    const again = await failure(registerUser(server.clients, { username: reg.username.toUpperCase(), email: `fresh-${reg.email}` }));
    expect(again.reason).toBe("USER_ALREADY_EXISTS");
  });
});

describe("GetJwks", () => {
  it("publishes the Ed25519 key that verifies access tokens", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const jwks = await call(auth, auth.getJwks, {});
    const header = JSON.parse(Buffer.from(reg.tokens!.accessToken.split(".")[0]!, "base64url").toString());
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt" });
    const key = jwks.keys.find((k) => k.kid === header.kid);
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", use: "sig", alg: "EdDSA" });
    const { importJWK, jwtVerify } = await import("jose");
    const verified = await jwtVerify(reg.tokens!.accessToken, await importJWK({ kty: key!.kty, crv: key!.crv, x: key!.x }, "EdDSA"));
    expect(verified.payload.sub).toBe(reg.user!.id);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/); // never a private part
  });
});
