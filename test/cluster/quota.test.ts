/**
 * CheckQuota across two service processes sharing one PostgreSQL and one Redis: exact under
 * concurrency (80 parallel calls for one free user split over A and B → exactly 50 allowed),
 * refused calls use nothing (ChangePlan to pro → 949 left), a user and its key share one
 * counter, anonymous 1 a day, enterprise never refused, the NOT_FOUNDs, and a bearer or a
 * user's ak_ key refused as the credential. Skipped without both PostgreSQL and Redis.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/adapters/prisma/client.js";
import { PrismaUnitOfWork } from "../../src/adapters/prisma/unit-of-work.js";
import type { ApiKeyServiceClient } from "../../src/gen/pb/auth/v1/api_key_service.js";
import type { PlanServiceClient } from "../../src/gen/pb/auth/v1/plan_service.js";
import { apiKeyClient, createServiceKey } from "../support/api-key-server.js";
import { createEmptyPostgresDatabase, databaseKinds } from "../support/database.js";
import { registerUser } from "../support/fixtures.js";
import { type Clients, call, connect, decodeError, failure } from "../support/grpc.js";
import { type ServiceProcess, spawnService } from "../support/process.js";
import { checkQuota, planClient } from "../support/quota.js";
import { redisUrlForTests } from "../support/redis.js";

const redisUrl = await redisUrlForTests();
const hasPostgres = (await databaseKinds()).includes("postgres");

describe.skipIf(!redisUrl || !hasPostgres)("CheckQuota across two instances on PostgreSQL + Redis", () => {
  let db: { url: string; drop(): Promise<void> };
  let a: ServiceProcess;
  let b: ServiceProcess;
  let ca: Clients;
  let pa: PlanServiceClient;
  let pb: PlanServiceClient;
  let ka: ApiKeyServiceClient;
  let serviceKey: string;
  let adminKey: string;
  let direct: Awaited<ReturnType<typeof openDatabase>>;
  let uow: PrismaUnitOfWork;

  beforeAll(async () => {
    db = await createEmptyPostgresDatabase();
    const env = {
      DATABASE__URL: db.url,
      REDIS__URL: redisUrl!,
      REDIS__KEY_PREFIX: `quota${Date.now()}:`,
      AUTH__IP_ATTEMPTS_PER_MINUTE: "100000",
      LOG__LEVEL: "info",
    };
    [a, b] = await Promise.all([spawnService(env), spawnService(env)]);
    ca = connect(a.port);
    pa = planClient(a.port);
    pb = planClient(b.port);
    ka = apiKeyClient(a.port);
    direct = await openDatabase({ url: db.url, dataDir: "", poolSize: 2 });
    uow = new PrismaUnitOfWork(direct.prisma, { transactionTimeoutMs: 5000 });
    serviceKey = (await createServiceKey(uow)).secret;
    adminKey = (await createServiceKey(uow, ["admin"])).secret;
  }, 90_000);

  afterAll(async () => {
    for (const c of [ca, pa, pb, ka]) c?.close();
    await direct?.close();
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    expect(codes).toEqual([0, 0]);
  });

  it("80 parallel calls for one free user over A and B: exactly 50 allowed, 30 QUOTA_EXCEEDED with RetryInfo; then pro leaves 949", async () => {
    const reg = await registerUser(ca);
    const user = reg.user!;
    const settled = await Promise.allSettled(
      Array.from({ length: 80 }, (_, i) => checkQuota(i % 2 ? pa : pb, serviceKey, { userId: user.id, serviceCode: "cvmaker" })),
    );
    const allowed = settled.filter((s) => s.status === "fulfilled");
    const refused = settled.flatMap((s) => (s.status === "rejected" ? [decodeError(s.reason)] : []));
    expect(allowed).toHaveLength(50);
    expect(refused).toHaveLength(30);
    for (const e of refused) {
      expect(e).toMatchObject({ code: status.RESOURCE_EXHAUSTED, reason: "QUOTA_EXCEEDED" });
      expect(e.retryDelaySeconds).toBeGreaterThan(0);
    }

    const subscription = await call(pa, pa.getSubscription, {}, { metadata: { authorization: `Bearer ${reg.tokens!.accessToken}` } });
    expect(subscription.usage.find((u) => u.serviceCode === "cvmaker")?.used).toBe(50);
    await call(pa, pa.changePlan, { userId: user.id, planCode: "pro" }, { metadata: { "x-api-key": adminKey } });
    const next = await checkQuota(pb, serviceKey, { userId: user.id, serviceCode: "cvmaker" });
    expect(next).toMatchObject({ allowed: true, plan: "pro", limit: 1000, remaining: 949 });
  });

  it("a user's calls and its API key's calls share one counter; a user's ak_ key or bearer is no service credential", async () => {
    const reg = await registerUser(ca);
    const bearer = reg.tokens!.accessToken;
    const created = await call(ka, ka.createApiKey, { name: "mine", scopes: [], expireTime: undefined }, { metadata: { authorization: `Bearer ${bearer}` } });
    const keyId = created.apiKey!.id;
    for (let i = 0; i < 25; i++) await checkQuota(pa, serviceKey, { userId: reg.user!.id, serviceCode: "ocr" });
    for (let i = 0; i < 24; i++) await checkQuota(pb, serviceKey, { apiKeyId: keyId, serviceCode: "ocr" });
    expect(await checkQuota(pa, serviceKey, { apiKeyId: keyId, serviceCode: "ocr" })).toMatchObject({ remaining: 0, plan: "free" });
    expect(await failure(checkQuota(pb, serviceKey, { userId: reg.user!.id, serviceCode: "ocr" }))).toMatchObject({ reason: "QUOTA_EXCEEDED" });

    const asAk = await failure(checkQuota(pa, created.secret, { userId: reg.user!.id, serviceCode: "jobportal" }));
    expect([status.UNAUTHENTICATED, status.PERMISSION_DENIED]).toContain(asAk.code);
    const asBearer = await failure(
      call(pa, pa.checkQuota, { userId: reg.user!.id, serviceCode: "jobportal", cost: 0 }, { metadata: { authorization: `Bearer ${bearer}` } }),
    );
    expect([status.UNAUTHENTICATED, status.PERMISSION_DENIED]).toContain(asBearer.code);
    const unknownKey = await failure(checkQuota(pa, serviceKey, { apiKeyId: "00000000-0000-7000-b000-00000000dead" }));
    expect(unknownKey).toMatchObject({ code: status.NOT_FOUND, reason: "API_KEY_NOT_FOUND" });
  });

  it("anonymous: 1 a day across both instances; enterprise never refused", async () => {
    const anonymousId = `visitor-${Date.now()}`;
    const first = await Promise.allSettled([pa, pb, pa, pb].map((c) => checkQuota(c, serviceKey, { anonymousId, serviceCode: "translator" })));
    expect(first.filter((s) => s.status === "fulfilled")).toHaveLength(1);

    const user = (await registerUser(ca)).user!;
    // Before its first CheckQuota, so neither instance has cached its plan.
    await uow.users.update(user.id, { plan: "enterprise", updatedAt: new Date() });
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => checkQuota(i % 2 ? pa : pb, serviceKey, { userId: user.id, serviceCode: "media_information" })),
    );
    expect(results.every((r) => r.allowed && r.unlimited && r.plan === "enterprise")).toBe(true);
  });

  it("unknown service SERVICE_NOT_FOUND; unknown user USER_NOT_FOUND", async () => {
    const user = (await registerUser(ca)).user!;
    expect(await failure(checkQuota(pa, serviceKey, { userId: user.id, serviceCode: "no_such_service" }))).toMatchObject({
      code: status.NOT_FOUND,
      reason: "SERVICE_NOT_FOUND",
    });
    expect(await failure(checkQuota(pb, serviceKey, { userId: "00000000-0000-7000-8000-00000000dead" }))).toMatchObject({
      code: status.NOT_FOUND,
      reason: "USER_NOT_FOUND",
    });
  });
});
