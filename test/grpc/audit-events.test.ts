/** Every security-relevant action lands in the caller's audit trail (ListAuditEvents). */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AuditEvent } from "../../src/gen/pb/auth/v1/resources.js";
import { PASSWORD, registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

async function allEvents(bearer: string, pageSize: number): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let pageToken = "";
  for (let page = 0; page < 50; page++) {
    const res = await call(server.clients.users, server.clients.users.listAuditEvents, { pageSize, pageToken }, { bearer });
    expect(res.events.length).toBeLessThanOrEqual(pageSize);
    events.push(...res.events);
    if (res.nextPageToken === "") return events;
    pageToken = res.nextPageToken;
  }
  throw new Error("pagination did not end");
}

it("records each action, newest first, paginated, and only the caller's own", async () => {
  const { auth, users, sessions } = server.clients;
  const reg = await registerUser(server.clients);
  await failure(call(auth, auth.login, { identifier: reg.username, password: "wrong password entirely", otpCode: "", deviceName: "" }));
  const login = await call(auth, auth.login, { identifier: reg.email, password: PASSWORD, otpCode: "", deviceName: "tablet" });
  const r1 = await call(auth, auth.refreshToken, { refreshToken: login.tokens!.refreshToken });
  await call(auth, auth.refreshToken, { refreshToken: r1.tokens!.refreshToken });
  await failure(call(auth, auth.refreshToken, { refreshToken: login.tokens!.refreshToken })); // reuse
  const bearer = reg.tokens!.accessToken;
  await call(users, users.changePassword, { currentPassword: PASSWORD, newPassword: "another long passphrase" }, { bearer });
  const third = await call(auth, auth.login, { identifier: reg.username, password: "another long passphrase", otpCode: "", deviceName: "" });
  await call(sessions, sessions.revokeSession, { sessionId: third.session!.id }, { bearer });
  await call(users, users.updateMe, { fullName: "Renamed", username: "", email: "", phone: "", updateMask: ["full_name"] }, { bearer });
  const other = await registerUser(server.clients);
  await call(auth, auth.login, { identifier: other.username, password: PASSWORD, otpCode: "", deviceName: "" });

  const events = await allEvents(bearer, 2);
  expect(events.map((e) => e.type)).toEqual([
    "user.updated",
    "session.revoked",
    "login.succeeded",
    "password.changed",
    "token.reuse_detected",
    "login.succeeded",
    "login.failed",
    "user.registered",
  ]);
  const times = events.map((e) => e.createdAt!.getTime());
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  expect(events.find((e) => e.type === "login.failed")).toMatchObject({
    outcome: "failure",
    ipAddress: "127.0.0.1",
    metadata: { reason: "invalid_credentials" },
  });
  expect(events.find((e) => e.type === "token.reuse_detected")?.sessionId).toBe(login.session!.id);
  expect(JSON.stringify(events)).not.toContain(PASSWORD);
  // The other user's events are not here, and theirs do not contain ours.
  expect(events.every((e) => e.type !== "login.succeeded" || e.sessionId !== other.session?.id)).toBe(true);
  expect((await allEvents(other.tokens!.accessToken, 100)).map((e) => e.type)).toEqual(["login.succeeded", "user.registered"]);
});

it("refuses a page token it did not issue and an out-of-range page size", async () => {
  const { users } = server.clients;
  const reg = await registerUser(server.clients);
  const bearer = reg.tokens!.accessToken;
  for (const req of [
    { pageSize: 0, pageToken: "not-ours!" },
    { pageSize: 0, pageToken: Buffer.from("x|y").toString("base64url") },
    { pageSize: 101, pageToken: "" },
  ]) {
    const e = await failure(call(users, users.listAuditEvents, req, { bearer }));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
  }
  expect((await failure(call(users, users.listAuditEvents, { pageSize: 0, pageToken: "" }))).reason).toBe("AUTHENTICATION_REQUIRED");
});
