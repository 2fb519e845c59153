/**
 * ApiKeyService end to end on a real server (embedded defaults, or PostgreSQL + Redis in CI's
 * second pass): create, list and revoke over gRPC; ValidateApiKey with a service credential;
 * every key that does not validate gets the same answer, and a broken checksum reads nothing;
 * expiry on the injected clock; no key in logs, metrics or audit metadata.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatApiKey } from "../../src/domain/api-key-format.js";
import type { ApiKeyServiceClient } from "../../src/gen/pb/auth/v1/api_key_service.js";
import { OwnerType } from "../../src/gen/pb/auth/v1/api_key_service.js";
import { apiKeyClient, apiKeySeam, createServiceKey } from "../support/api-key-server.js";
import { registerUser } from "../support/fixtures.js";
import { call, type DecodedError, failure } from "../support/grpc.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";

const shape = (e: DecodedError) => ({ code: e.code, reason: e.reason, message: e.message, details: e.detailBytes });

let server: TestServer;
let keys: ApiKeyServiceClient;
const clock = new ManualClock();
const seam = apiKeySeam();
let service: { secret: string; serviceId: string; keyId: string };
/** Every secret this file saw: none may appear in a log line or an audit row. */
const secrets: string[] = [];
const userIds: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ clock, appOptions: { wrapUnitOfWork: seam.wrap } });
  keys = apiKeyClient(server.port);
  service = await createServiceKey(seam.uow(), ["validate"], clock.now());
  secrets.push(service.secret);
});

afterAll(async () => {
  keys?.close();
  await server?.close();
});

const asService = { metadata: { "x-api-key": "" } };
function validate(key: string) {
  asService.metadata["x-api-key"] = service.secret;
  return call(keys, keys.validateApiKey, { key }, asService);
}

async function newUser() {
  const user = await registerUser(server.clients);
  userIds.push(user.user?.id ?? "");
  return { id: user.user?.id ?? "", bearer: user.tokens?.accessToken ?? "" };
}

async function createKey(bearer: string, request: { name: string; scopes?: string[]; expireTime?: Date }) {
  const out = await call(keys, keys.createApiKey, { scopes: [], expireTime: undefined, ...request }, { bearer });
  secrets.push(out.secret);
  return out;
}

describe("ApiKeyService over gRPC", () => {
  it("creates a key (secret once), lists it without the secret, validates it, revokes it", async () => {
    const user = await newUser();
    const created = await createKey(user.bearer, { name: "laptop", scopes: ["cv:read"] });
    expect(created.secret).toMatch(/^ak_[0-9A-Za-z]{36}$/);
    expect(created.apiKey).toMatchObject({ name: "laptop", start: created.secret.slice(0, 9), scopes: ["cv:read"], revokeTime: undefined });

    const listed = await call(keys, keys.listApiKeys, {}, { bearer: user.bearer });
    expect(listed.apiKeys.map((k) => k.id)).toEqual([created.apiKey?.id]);
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(9));

    expect(await validate(created.secret)).toEqual({
      keyId: created.apiKey?.id,
      ownerId: user.id,
      ownerType: OwnerType.OWNER_TYPE_USER,
      scopes: ["cv:read"],
      plan: "free",
      expireTime: undefined,
    });

    await call(keys, keys.revokeApiKey, { keyId: created.apiKey?.id ?? "" }, { bearer: user.bearer });
    await call(keys, keys.revokeApiKey, { keyId: created.apiKey?.id ?? "" }, { bearer: user.bearer });
    const after = await call(keys, keys.listApiKeys, {}, { bearer: user.bearer });
    expect(after.apiKeys[0]?.revokeTime).toEqual(clock.now());
    expect((await failure(validate(created.secret))).reason).toBe("API_KEY_INVALID");
  });

  it("a broken checksum, an unknown key, a revoked key and a malformed string get the same UNAUTHENTICATED API_KEY_INVALID", async () => {
    const user = await newUser();
    const revoked = await createKey(user.bearer, { name: "old" });
    await call(keys, keys.revokeApiKey, { keyId: revoked.apiKey?.id ?? "" }, { bearer: user.bearer });
    const live = await createKey(user.bearer, { name: "live" });
    const last = live.secret.at(-1) === "0" ? "1" : "0";
    const broken = live.secret.slice(0, -1) + last;

    await validate(live.secret); // the service key is now cached: what follows reads only for the key checked
    const before = seam.apiKeyCalls;
    const brokenAnswer = await failure(validate(broken));
    expect(seam.apiKeyCalls).toBe(before);

    const answers = [
      brokenAnswer,
      await failure(validate(formatApiKey("user", "Q".repeat(30)))),
      await failure(validate(revoked.secret)),
      await failure(validate("hello")),
    ];
    expect(answers[0]?.code).toBe(status.UNAUTHENTICATED);
    expect(answers[0]?.reason).toBe("API_KEY_INVALID");
    for (const a of answers) expect(shape(a)).toEqual(shape(brokenAnswer));
    for (const a of answers) for (const s of [...secrets, broken]) expect(a.message).not.toContain(s);
  });

  it("an expired key fails on the injected clock", async () => {
    const user = await newUser();
    const key = await createKey(user.bearer, { name: "short", expireTime: new Date(clock.now().getTime() + 60_000) });
    expect((await validate(key.secret)).expireTime).toEqual(new Date(clock.now().getTime() + 60_000));
    clock.advance(60_000);
    expect((await failure(validate(key.secret))).reason).toBe("API_KEY_INVALID");
  });

  it("another user's RevokeApiKey is NOT_FOUND API_KEY_NOT_FOUND, like an unknown id, and the key keeps working", async () => {
    const ada = await newUser();
    const bob = await newUser();
    const key = await createKey(ada.bearer, { name: "ada's" });
    const theirs = await failure(call(keys, keys.revokeApiKey, { keyId: key.apiKey?.id ?? "" }, { bearer: bob.bearer }));
    const unknown = await failure(call(keys, keys.revokeApiKey, { keyId: "00000000-0000-7000-8000-00000000ffff" }, { bearer: bob.bearer }));
    expect(theirs).toMatchObject({ code: status.NOT_FOUND, reason: "API_KEY_NOT_FOUND" });
    expect(shape(theirs)).toEqual(shape(unknown));
    expect((await validate(key.secret)).ownerId).toBe(ada.id);
  });

  it("CreateApiKey needs a bearer, and its field rules are VALIDATION_FAILED", async () => {
    expect((await failure(call(keys, keys.createApiKey, { name: "x", scopes: [], expireTime: undefined }))).reason).toBe("AUTHENTICATION_REQUIRED");
    const user = await newUser();
    const bad = await failure(call(keys, keys.createApiKey, { name: "", scopes: ["NOPE"], expireTime: new Date(0) }, { bearer: user.bearer }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["name", "scopes", "expire_time"]);
  });

  it("ValidateApiKey refuses a bearer and a user's ak_ key as the service credential", async () => {
    const user = await newUser();
    const key = await createKey(user.bearer, { name: "mine" });
    expect((await failure(call(keys, keys.validateApiKey, { key: key.secret }, { bearer: user.bearer }))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(keys, keys.validateApiKey, { key: key.secret }, { metadata: { "x-api-key": key.secret } }))).code).toBe(status.UNAUTHENTICATED);
  });

  it("no key appears in the logs, the metrics or audit metadata", async () => {
    expect(secrets.length).toBeGreaterThan(3);
    const logs = server.logs.join("\n");
    const metrics = await (await fetch(`${server.opsUrl}/metrics`)).text();
    const rows = [];
    for (const userId of userIds) rows.push(...(await seam.uow().audit.listForUser(userId, { limit: 100 })));
    expect(rows.some((r) => r.type === "api_key.created")).toBe(true);
    const audit = JSON.stringify(rows);
    for (const s of secrets) {
      expect(logs).not.toContain(s);
      expect(metrics).not.toContain(s.slice(3, 33));
      expect(audit).not.toContain(s);
      expect(audit).not.toContain(s.slice(9));
    }
  });
});
