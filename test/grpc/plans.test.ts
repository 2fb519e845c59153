/**
 * PlanService's catalogue, subscription and ChangePlan end to end over gRPC on one in-process
 * server (embedded defaults, or PostgreSQL + Redis with DATABASE__URL/REDIS__URL): the seeded
 * plans and services are public, a new user is on free with nothing used, and only an admin
 * (or an admin-scoped service key) changes a plan, audited, taking effect on the next CheckQuota.
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanServiceClient } from "../../src/gen/pb/auth/v1/plan_service.js";
import { apiKeySeam, createServiceKey } from "../support/api-key-server.js";
import { PASSWORD, registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { checkQuota, planClient } from "../support/quota.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let plans: PlanServiceClient;
const seam = apiKeySeam();
let adminKey = "";
let validateKey = "";

beforeAll(async () => {
  server = await startTestServer({ appOptions: { wrapUnitOfWork: seam.wrap } });
  plans = planClient(server.port);
  adminKey = (await createServiceKey(seam.uow(), ["validate", "admin"])).secret;
  validateKey = (await createServiceKey(seam.uow(), ["validate"])).secret;
}, 120_000);

afterAll(async () => {
  plans?.close();
  await server?.close();
});

/** A registered user (given `roles` directly in the database) and a bearer of a fresh login. */
async function userWith(roles: string[] = []) {
  const registered = await registerUser(server.clients);
  const id = registered.user?.id as string;
  if (roles.length > 0) await seam.uow().users.update(id, { roles, updatedAt: new Date() });
  const login = await call(server.clients.auth, server.clients.auth.login, {
    identifier: registered.username,
    password: PASSWORD,
    otpCode: "",
    deviceName: "t",
  });
  return { id, bearer: login.tokens?.accessToken as string };
}

describe("PlanService catalogue (public)", () => {
  it("ListPlans answers the seeded plans without any credential", async () => {
    const out = await call(plans, plans.listPlans, {});
    expect(out.plans).toEqual([
      { code: "anonym", name: "Anonymous", dailyLimit: 1, unlimited: false },
      { code: "free", name: "Free", dailyLimit: 50, unlimited: false },
      { code: "pro", name: "Pro", dailyLimit: 1000, unlimited: false },
      { code: "enterprise", name: "Enterprise", dailyLimit: 0, unlimited: true },
    ]);
  });

  it("ListServices answers the ten seeded services", async () => {
    const out = await call(plans, plans.listServices, {});
    expect(out.services).toHaveLength(10);
    expect(out.services.map((s) => s.code)).toEqual(expect.arrayContaining(["3dbinpacking", "cvmaker", "jobportal", "media_information"]));
    expect(out.services.find((s) => s.code === "cvmaker")).toEqual({ code: "cvmaker", name: "CV Maker", description: expect.stringMatching(/./) });
  });
});

describe("GetSubscription", () => {
  it("a new user is on free with zero usage of every service, resetting at the next UTC midnight", async () => {
    const u = await userWith();
    const out = await call(plans, plans.getSubscription, {}, { bearer: u.bearer });
    expect(out.plan).toEqual({ code: "free", name: "Free", dailyLimit: 50, unlimited: false });
    expect(out.usage).toHaveLength(10);
    const midnight = Math.ceil((Date.now() + 1) / 86_400_000) * 86_400_000;
    for (const usage of out.usage) {
      expect(usage).toMatchObject({ used: 0, limit: 50, unlimited: false });
      expect(usage.resetTime?.getTime()).toBe(midnight);
    }
  });

  it("needs a bearer", async () => {
    expect(await failure(call(plans, plans.getSubscription, {}))).toMatchObject({ code: status.UNAUTHENTICATED });
  });
});

describe("ChangePlan", () => {
  it("a plain user is PERMISSION_DENIED, a validate-only service key too; nothing changes", async () => {
    const u = await userWith();
    const target = await userWith();
    expect(await failure(call(plans, plans.changePlan, { userId: target.id, planCode: "pro" }, { bearer: u.bearer }))).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    expect(await failure(call(plans, plans.changePlan, { userId: target.id, planCode: "pro" }, { metadata: { "x-api-key": validateKey } }))).toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    expect((await call(plans, plans.getSubscription, {}, { bearer: target.bearer })).plan?.code).toBe("free");
  });

  it("an admin moves a user; it is audited with the actor and the next CheckQuota counts on the new plan", async () => {
    const boss = await userWith(["user", "admin"]);
    const u = await userWith();
    await checkQuota(plans, validateKey, { userId: u.id, serviceCode: "ocr" });
    const out = await call(plans, plans.changePlan, { userId: u.id, planCode: "pro" }, { bearer: boss.bearer });
    expect(out.plan).toEqual({ code: "pro", name: "Pro", dailyLimit: 1000, unlimited: false });
    const next = await checkQuota(plans, validateKey, { userId: u.id, serviceCode: "ocr" });
    expect(next).toMatchObject({ plan: "pro", limit: 1000, remaining: 998 });
    const sub = await call(plans, plans.getSubscription, {}, { bearer: u.bearer });
    expect(sub.plan?.code).toBe("pro");
    expect(sub.usage.find((x) => x.serviceCode === "ocr")).toMatchObject({ used: 2, limit: 1000 });

    await call(plans, plans.changePlan, { userId: u.id, planCode: "enterprise" }, { metadata: { "x-api-key": adminKey } });
    const events = await call(server.clients.users, server.clients.users.listAuditEvents, { pageSize: 0, pageToken: "" }, { bearer: u.bearer });
    const changes = events.events.filter((e) => e.type === "plan.changed");
    expect(changes.map((e) => e.metadata)).toEqual([
      expect.objectContaining({ plan: "enterprise", previous_plan: "pro", actor: expect.stringMatching(/^service:/) }),
      expect.objectContaining({ plan: "pro", previous_plan: "free", actor: boss.id }),
    ]);
  });

  it("an unknown plan is VALIDATION_FAILED, an unknown user USER_NOT_FOUND", async () => {
    const u = await userWith();
    expect(await failure(call(plans, plans.changePlan, { userId: u.id, planCode: "platinum" }, { metadata: { "x-api-key": adminKey } }))).toMatchObject({
      code: status.INVALID_ARGUMENT,
      reason: "VALIDATION_FAILED",
    });
    expect(
      await failure(
        call(plans, plans.changePlan, { userId: "00000000-0000-7000-8000-00000000ffff", planCode: "pro" }, { metadata: { "x-api-key": adminKey } }),
      ),
    ).toMatchObject({ code: status.NOT_FOUND, reason: "USER_NOT_FOUND" });
  });
});
