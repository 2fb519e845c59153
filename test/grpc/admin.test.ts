/**
 * AdminService end to end over gRPC, on a database the operators' CLI prepared first (a scratch
 * PostgreSQL database with DATABASE__URL, else an embedded PGlite data directory): the service
 * keys come from `npm run admin -- create-service-key`, as an operator makes them, and the
 * first admin is granted through SetUserRoles with the `admin`-scoped key.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminServiceClient } from "../../src/gen/pb/auth/v1/admin_service.js";
import { ApiKeyServiceClient } from "../../src/gen/pb/auth/v1/api_key_service.js";
import { createEmptyPostgresDatabase } from "../support/database.js";
import { PASSWORD, registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { startTestServer, type TestServer } from "../support/server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

let server: TestServer;
let admin: AdminServiceClient;
let apiKeys: ApiKeyServiceClient;
let cleanup: () => Promise<void> = async () => {};
/** sk_ keys made by the CLI: one with validate+admin, one with validate only. */
let adminKey = "";
let validateKey = "";

function cli(env: Record<string, string>, ...args: string[]): Promise<string> {
  const full: Record<string, string> = { ...(process.env as Record<string, string>), ...env };
  if (!env.DATABASE__URL) delete full.DATABASE__URL;
  return new Promise((resolve, reject) =>
    execFile("npm", ["run", "--silent", "admin", "--", ...args], { cwd: ROOT, env: full, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(stderr)) : resolve((JSON.parse(stdout.trim().split("\n").at(-1) as string) as { key: string }).key),
    ),
  );
}

beforeAll(async () => {
  let env: Record<string, string>;
  if (process.env.DATABASE__URL) {
    const scratch = await createEmptyPostgresDatabase();
    env = { DATABASE__URL: scratch.url };
    cleanup = scratch.drop;
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), "admin-e2e-"));
    env = { DATABASE__DATA_DIR: path.join(dir, "pglite") };
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  adminKey = await cli(env, "create-service-key", "--name", "ops-console", "--scopes", "validate,admin");
  validateKey = await cli(env, "create-service-key", "--name", "cvmaker", "--scopes", "validate");
  server = await startTestServer({ env });
  admin = new AdminServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  apiKeys = new ApiKeyServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
}, 120_000);

afterAll(async () => {
  admin?.close();
  apiKeys?.close();
  await server?.close();
  await cleanup();
});

const asService = (key: string) => ({ metadata: { "x-api-key": key } });

/** A registered user granted `roles` by the admin-scoped service key; its bearer and id. */
async function userWith(roles: string[]) {
  const user = await registerUser(server.clients);
  const id = user.user?.id as string;
  if (roles.length > 0) await call(admin, admin.setUserRoles, { userId: id, roles }, asService(adminKey));
  const login = await call(server.clients.auth, server.clients.auth.login, { identifier: user.username, password: PASSWORD, otpCode: "", deviceName: "t" });
  return { id, username: user.username, bearer: login.tokens?.accessToken as string, refresh: login.tokens?.refreshToken as string };
}

const list = { query: "", pageSize: 0, pageToken: "" };

describe("AdminService access", () => {
  it("a plain user is PERMISSION_DENIED, nobody AUTHENTICATION_REQUIRED", async () => {
    const plain = await userWith([]);
    expect(await failure(call(admin, admin.listUsers, list, { bearer: plain.bearer }))).toMatchObject({
      code: status.PERMISSION_DENIED,
      reason: "PERMISSION_DENIED",
    });
    expect(await failure(call(admin, admin.getUser, { userId: plain.id }))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: "AUTHENTICATION_REQUIRED",
    });
  });

  it("an admin bearer and a service key with the admin scope both work; validate-only is PERMISSION_DENIED", async () => {
    const boss = await userWith(["user", "admin"]);
    const out = await call(admin, admin.listUsers, { query: boss.username.toUpperCase(), pageSize: 0, pageToken: "" }, { bearer: boss.bearer });
    expect(out.users.map((u) => u.id)).toEqual([boss.id]);
    const viaKey = await call(admin, admin.getUser, { userId: boss.id }, asService(adminKey));
    expect(viaKey.user?.roles).toEqual(["user", "admin"]);
    expect(viaKey.sessionCount).toBeGreaterThanOrEqual(1);
    expect(await failure(call(admin, admin.listUsers, list, asService(validateKey)))).toMatchObject({
      code: status.PERMISSION_DENIED,
      reason: "PERMISSION_DENIED",
    });
  });

  it("a user's ak_ key is API_KEY_INVALID as a service credential; a bearer never stands in on ValidateApiKey", async () => {
    const boss = await userWith(["user", "admin"]);
    const created = await call(apiKeys, apiKeys.createApiKey, { name: "mine", scopes: [], expireTime: undefined }, { bearer: boss.bearer });
    expect(created.secret).toMatch(/^ak_/);
    expect(await failure(call(admin, admin.listUsers, list, asService(created.secret)))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: "API_KEY_INVALID",
    });
    expect(await failure(call(apiKeys, apiKeys.validateApiKey, { key: created.secret }, { bearer: boss.bearer }))).toMatchObject({
      code: status.UNAUTHENTICATED,
      reason: "AUTHENTICATION_REQUIRED",
    });
    // The service key with the validate scope is the credential that works there.
    await expect(call(apiKeys, apiKeys.validateApiKey, { key: created.secret }, asService(validateKey))).resolves.toMatchObject({ ownerId: boss.id });
  });
});

describe("AdminService actions", () => {
  it("DisableUser: login ACCOUNT_DISABLED, old tokens and keys fail; EnableUser lets the user back in", async () => {
    const victim = await userWith([]);
    const key = await call(apiKeys, apiKeys.createApiKey, { name: "k", scopes: [], expireTime: undefined }, { bearer: victim.bearer });
    await call(apiKeys, apiKeys.validateApiKey, { key: key.secret }, asService(validateKey));
    const out = await call(admin, admin.disableUser, { userId: victim.id }, asService(adminKey));
    expect(out.user?.isActive ?? false).toBe(false);
    expect(out.revokedSessions).toBe(2);
    const login = () => call(server.clients.auth, server.clients.auth.login, { identifier: victim.username, password: PASSWORD, otpCode: "", deviceName: "t" });
    expect(await failure(login())).toMatchObject({ code: status.PERMISSION_DENIED, reason: "ACCOUNT_DISABLED" });
    expect(await failure(call(server.clients.auth, server.clients.auth.validateToken, { accessToken: victim.bearer }))).toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    expect(await failure(call(server.clients.auth, server.clients.auth.refreshToken, { refreshToken: victim.refresh }))).toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    expect(await failure(call(apiKeys, apiKeys.validateApiKey, { key: key.secret }, asService(validateKey)))).toMatchObject({
      reason: "API_KEY_INVALID",
    });
    await call(admin, admin.enableUser, { userId: victim.id }, asService(adminKey));
    await expect(login()).resolves.toBeDefined();
  });

  it("RevokeUserSessions ends every session of the user", async () => {
    const u = await userWith([]);
    const out = await call(admin, admin.revokeUserSessions, { userId: u.id }, asService(adminKey));
    expect(out.revokedSessions).toBe(2);
    expect(await failure(call(server.clients.users, server.clients.users.getMe, {}, { bearer: u.bearer }))).toMatchObject({
      code: status.UNAUTHENTICATED,
    });
  });

  it("the last admin cannot be removed, and two concurrent SetUserRoles leave one of two admins", async () => {
    // Every admin of this database but two fresh ones loses the role first.
    const a = await userWith(["user", "admin"]);
    const b = await userWith(["user", "admin"]);
    const others: string[] = [];
    for (let token = "", first = true; first || token !== ""; first = false) {
      const page = await call(admin, admin.listUsers, { query: "", pageSize: 100, pageToken: token }, asService(adminKey));
      others.push(...page.users.filter((u) => u.roles.includes("admin") && u.isActive && u.id !== a.id && u.id !== b.id).map((u) => u.id));
      token = page.nextPageToken;
    }
    for (const id of others) await call(admin, admin.setUserRoles, { userId: id, roles: ["user"] }, asService(adminKey));
    const results = await Promise.allSettled([a, b].map((u) => call(admin, admin.setUserRoles, { userId: u.id, roles: ["user"] }, asService(adminKey))));
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(await failure(Promise.reject(refused?.reason))).toMatchObject({ code: status.FAILED_PRECONDITION, reason: "LAST_ADMIN" });
    const last = results[0]?.status === "rejected" ? a : b;
    // The one left is the last admin: removing or disabling it is refused too.
    expect(await failure(call(admin, admin.setUserRoles, { userId: last.id, roles: [] }, { bearer: last.bearer }))).toMatchObject({
      reason: "LAST_ADMIN",
    });
    expect(await failure(call(admin, admin.disableUser, { userId: last.id }, asService(adminKey)))).toMatchObject({ reason: "LAST_ADMIN" });
  });

  it("every action is audited on the touched user with the actor (admin id or service:<name>)", async () => {
    const boss = await userWith(["user", "admin"]);
    const u = await userWith(["user", "editor"]);
    await call(admin, admin.setUserRoles, { userId: u.id, roles: ["user"] }, { bearer: boss.bearer });
    const events = await call(server.clients.users, server.clients.users.listAuditEvents, { pageSize: 0, pageToken: "" }, { bearer: u.bearer });
    const roleChanges = events.events.filter((e) => e.type === "admin.roles_changed");
    expect(roleChanges.map((e) => e.metadata.actor)).toEqual([boss.id, "service:ops-console"]);
    expect(roleChanges[0]?.metadata).toMatchObject({ roles: "user", previous_roles: "user,editor" });
    // No key reached the audit log or the server's log.
    const everything = JSON.stringify(events) + server.logs.join("\n");
    for (const key of [adminKey, validateKey]) expect(everything).not.toContain(key.slice(3, 30));
  });
});
