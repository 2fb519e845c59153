/**
 * CheckQuota end to end on one in-process server (embedded defaults, or PostgreSQL + Redis
 * with DATABASE__URL/REDIS__URL), on the injected clock: free's 50 a day, the 51st refused
 * with RetryInfo and QuotaFailure, yesterday's usage not counting today, 429 + Retry-After
 * over REST, a bearer refused as the credential, and the decisions on /metrics (no user ids).
 */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanServiceClient } from "../../src/gen/pb/auth/v1/plan_service.js";
import { apiKeySeam, createServiceKey } from "../support/api-key-server.js";
import { registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { checkQuota, msToNextUtcMidnight, planClient, quotaViolations } from "../support/quota.js";
import { rest } from "../support/rest.js";
import { ManualClock, startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let plans: PlanServiceClient;
const clock = new ManualClock();
const seam = apiKeySeam();
let serviceKey: string;

beforeAll(async () => {
  // Start a minute before a UTC midnight, so the rollover is one small step away.
  clock.advance(msToNextUtcMidnight(clock.now()) - 60_000);
  server = await startTestServer({ clock, appOptions: { wrapUnitOfWork: seam.wrap } });
  plans = planClient(server.port);
  serviceKey = (await createServiceKey(seam.uow(), ["validate"], clock.now())).secret;
});

afterAll(async () => {
  plans?.close();
  await server?.close();
});

describe("CheckQuota (one instance, injected clock)", () => {
  it("free: 50 allowed, the 51st RESOURCE_EXHAUSTED with RetryInfo and QuotaFailure; yesterday's usage does not count today", async () => {
    const user = (await registerUser(server.clients)).user!;
    for (let i = 0; i < 50; i++) {
      const out = await checkQuota(plans, serviceKey, { userId: user.id, serviceCode: "ocr" });
      expect(out).toMatchObject({ allowed: true, limit: 50, remaining: 49 - i, plan: "free", unlimited: false });
    }
    const refused = await checkQuota(plans, serviceKey, { userId: user.id, serviceCode: "ocr" }).catch((e: unknown) => e);
    const decoded = await failure(Promise.reject(refused));
    expect(decoded).toMatchObject({ code: status.RESOURCE_EXHAUSTED, reason: "QUOTA_EXCEEDED" });
    expect(decoded.retryDelaySeconds).toBeGreaterThan(0);
    expect(decoded.retryDelaySeconds).toBeLessThanOrEqual(60);
    expect(quotaViolations(refused)).toEqual([{ subject: "user:ocr", description: expect.stringContaining("50 calls a day") }]);

    clock.advance(msToNextUtcMidnight(clock.now()));
    const today = await checkQuota(plans, serviceKey, { userId: user.id, serviceCode: "ocr" });
    expect(today).toMatchObject({ allowed: true, remaining: 49 });
    expect(today.resetTime?.getTime()).toBe(clock.now().getTime() + 86_400_000);
  });

  it("over REST: 200 while allowed, then 429 with Retry-After and the google.rpc.Status body", async () => {
    const headers = { "x-api-key": serviceKey };
    const body = { anonymousId: `visitor-${Date.now()}`, serviceCode: "translator" };
    const first = await rest(server.baseUrl, "POST", "/v1/quota:check", { headers, body });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ allowed: true, plan: "anonym", limit: 1, remaining: 0 });
    const second = await rest(server.baseUrl, "POST", "/v1/quota:check", { headers, body });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(0);
    const types = (second.json.details as { "@type": string }[]).map((d) => d["@type"]);
    expect(types).toEqual(expect.arrayContaining(["type.googleapis.com/google.rpc.RetryInfo", "type.googleapis.com/google.rpc.QuotaFailure"]));
  });

  it("unknown service SERVICE_NOT_FOUND; unknown user USER_NOT_FOUND; a bearer is no service credential", async () => {
    const user = await registerUser(server.clients);
    const noService = await failure(checkQuota(plans, serviceKey, { userId: user.user!.id, serviceCode: "nope" }));
    expect(noService).toMatchObject({ code: status.NOT_FOUND, reason: "SERVICE_NOT_FOUND" });
    const noUser = await failure(checkQuota(plans, serviceKey, { userId: "00000000-0000-7000-8000-00000000dead" }));
    expect(noUser).toMatchObject({ code: status.NOT_FOUND, reason: "USER_NOT_FOUND" });
    const bearer = await failure(
      call(
        plans,
        plans.checkQuota,
        { userId: user.user!.id, serviceCode: "ocr", cost: 0 },
        { metadata: { authorization: `Bearer ${user.tokens!.accessToken}` } },
      ),
    );
    expect([status.UNAUTHENTICATED, status.PERMISSION_DENIED]).toContain(bearer.code);
  });

  it("/metrics counts allowed and refused by service and plan, with no user id", async () => {
    const text = await (await fetch(`${server.opsUrl}/metrics`)).text();
    expect(text).toMatch(/auth_quota_checks_total\{service="ocr",plan="free",outcome="allowed"\} 51/);
    expect(text).toMatch(/auth_quota_checks_total\{service="ocr",plan="free",outcome="refused"\} 1/);
    expect(text).toMatch(/auth_quota_checks_total\{service="translator",plan="anonym",outcome="refused"\} 1/);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}/);
  });
});
