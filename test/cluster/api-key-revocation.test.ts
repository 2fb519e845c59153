/**
 * Two service processes sharing one PostgreSQL and one Redis: a key revoked on A, expiring, or
 * whose owner an admin disables on A, fails ValidateApiKey on B within one second (the positive cache lives 1 s and is dropped
 * through the revocation bus). Skipped, like multi-instance.test.ts, without both.
 */
import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/adapters/prisma/client.js";
import { PrismaUnitOfWork } from "../../src/adapters/prisma/unit-of-work.js";
import { AdminServiceClient } from "../../src/gen/pb/auth/v1/admin_service.js";
import type { ApiKeyServiceClient } from "../../src/gen/pb/auth/v1/api_key_service.js";
import { apiKeyClient, createServiceKey } from "../support/api-key-server.js";
import { createEmptyPostgresDatabase, databaseKinds } from "../support/database.js";
import { registerUser } from "../support/fixtures.js";
import { type Clients, call, connect, failure } from "../support/grpc.js";
import { type ServiceProcess, spawnService } from "../support/process.js";
import { redisUrlForTests } from "../support/redis.js";

const redisUrl = await redisUrlForTests();
const hasPostgres = (await databaseKinds()).includes("postgres");

describe.skipIf(!redisUrl || !hasPostgres)("API keys across two instances on PostgreSQL + Redis", () => {
  let db: { url: string; drop(): Promise<void> };
  let a: ServiceProcess;
  let b: ServiceProcess;
  let ca: Clients;
  let ka: ApiKeyServiceClient;
  let kb: ApiKeyServiceClient;
  let serviceKey: string;
  let adminKey: string;
  let adminA: AdminServiceClient;

  beforeAll(async () => {
    db = await createEmptyPostgresDatabase();
    const env = {
      DATABASE__URL: db.url,
      REDIS__URL: redisUrl!,
      REDIS__KEY_PREFIX: `ak${Date.now()}:`,
      AUTH__IP_ATTEMPTS_PER_MINUTE: "100000",
      LOG__LEVEL: "info",
    };
    [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
    ca = connect(a.port);
    ka = apiKeyClient(a.port);
    kb = apiKeyClient(b.port);
    adminA = new AdminServiceClient(`127.0.0.1:${a.port}`, credentials.createInsecure());
    // The operators' way in: a service key written straight to the shared database.
    const direct = await openDatabase({ url: db.url, dataDir: "", poolSize: 2 });
    try {
      const uow = new PrismaUnitOfWork(direct.prisma, { transactionTimeoutMs: 5000 });
      serviceKey = (await createServiceKey(uow)).secret;
      adminKey = (await createServiceKey(uow, ["admin"])).secret;
    } finally {
      await direct.close();
    }
  }, 90_000);

  afterAll(async () => {
    ca?.close();
    ka?.close();
    kb?.close();
    adminA?.close();
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    expect(codes).toEqual([0, 0]);
  });

  const validateOnB = (key: string) => call(kb, kb.validateApiKey, { key }, { metadata: { "x-api-key": serviceKey } });

  /** Milliseconds from `since` until ValidateApiKey on B answers API_KEY_INVALID (polling up to 3 s). */
  async function msUntilInvalidOnB(key: string, since: number): Promise<number> {
    while (performance.now() - since < 3000) {
      try {
        await validateOnB(key);
      } catch (error) {
        expect((await failure(Promise.reject(error))).reason).toBe("API_KEY_INVALID");
        return performance.now() - since;
      }
    }
    return Infinity;
  }

  it("a key revoked on A fails on B within one second", async () => {
    const reg = await registerUser(ca);
    const bearer = reg.tokens!.accessToken;
    const created = await call(ka, ka.createApiKey, { name: "k", scopes: [], expireTime: undefined }, { bearer });
    expect((await validateOnB(created.secret)).ownerId).toBe(reg.user!.id); // B has it cached
    await call(ka, ka.revokeApiKey, { keyId: created.apiKey!.id }, { bearer });
    expect(await msUntilInvalidOnB(created.secret, performance.now())).toBeLessThan(1000);
  });

  it("an expiring key fails on B within one second of its expiry", async () => {
    const reg = await registerUser(ca);
    const expireAt = Date.now() + 2000;
    const created = await call(ka, ka.createApiKey, { name: "short", scopes: [], expireTime: new Date(expireAt) }, { bearer: reg.tokens!.accessToken });
    await validateOnB(created.secret);
    // Keep B's cache warm until the expiry, then measure from it.
    while (Date.now() < expireAt - 50) {
      await validateOnB(created.secret);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The instant of expiry on the performance clock; the key must fail on B within a second of it.
    const expiry = performance.now() + (expireAt - Date.now());
    expect(await msUntilInvalidOnB(created.secret, expiry)).toBeLessThan(1000);
  });

  it("a key whose owner is disabled on A fails on B within one second", async () => {
    const reg = await registerUser(ca);
    const created = await call(ka, ka.createApiKey, { name: "owner", scopes: [], expireTime: undefined }, { bearer: reg.tokens!.accessToken });
    await validateOnB(created.secret); // cached on B
    await call(adminA, adminA.disableUser, { userId: reg.user!.id }, { metadata: { "x-api-key": adminKey } });
    expect(await msUntilInvalidOnB(created.secret, performance.now())).toBeLessThan(1000);
  });
});
