import { describe, expect, it } from "vitest";
import { storeKey } from "../../../test/support/api-keys-kit.js";
import { ManualClock, seededRandom, seedUser } from "../../../test/support/fakes.js";
import { MemoryQuotaCounter } from "../../adapters/memory/quota-counter.js";
import { DependencyUnavailableError, DomainError } from "../../domain/errors.js";
import type { QuotaCounter, QuotaPlan } from "../ports/quota.js";
import { createMemoryUnitOfWork } from "../testing/memory-unit-of-work.js";
import { SEEDED_PLANS } from "../testing/seeded-plans.js";
import { CheckQuota, type QuotaPlanSource } from "./check-quota.js";
import { CatalogueCodes } from "./check-quota-services.js";

/** The counter, recording every call (the hot path must cost one). */
function recordingCounter(clock: ManualClock): QuotaCounter & { keys: string[]; fail: boolean } {
  const inner = new MemoryQuotaCounter(clock);
  const fake = {
    keys: [] as string[],
    fail: false,
    async consume(key: string, cost: number, limit: number | null, expiresAt: Date) {
      fake.keys.push(key);
      if (fake.fail) throw new DependencyUnavailableError("redis");
      return inner.consume(key, cost, limit, expiresAt);
    },
    peek: (key: string) => inner.peek(key),
  };
  return fake;
}

async function setup(start = new Date("2026-01-15T23:59:00.000Z")) {
  const clock = new ManualClock(start);
  const uow = createMemoryUnitOfWork();
  const plans = new Map<string, QuotaPlan>(SEEDED_PLANS.map((p) => [p.code, p]));
  const subjectPlans: QuotaPlanSource & { plansOf: Map<string, string> } = {
    plansOf: new Map(),
    async planOf(userId) {
      const user = await uow.users.findById(userId);
      return user ? (plans.get(subjectPlans.plansOf.get(userId) ?? user.plan) ?? null) : null;
    },
    plan: (code) => plans.get(code) ?? null,
  };
  const quota = recordingCounter(clock);
  const outcomes: string[] = [];
  const check = new CheckQuota({
    uow,
    clock,
    quota,
    subjectPlans,
    services: new CatalogueCodes(uow.catalogue, clock),
    quotaOutcomes: { record: (service, plan, outcome) => outcomes.push(`${service}/${plan}/${outcome}`) },
  });
  const user = await seedUser(uow);
  return { clock, uow, check, quota, user, subjectPlans, outcomes };
}

async function reasonOf(p: Promise<unknown>): Promise<DomainError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe("CheckQuota", () => {
  it("free: 50 allowed, the 51st refused with the seconds to UTC midnight and a QuotaFailure; one counter call each", async () => {
    const { check, quota, user, outcomes } = await setup();
    for (let i = 0; i < 50; i++) {
      const out = await check.execute({ userId: user.id, serviceCode: "cvmaker", cost: 0 });
      expect(out.remaining).toBe(49 - i);
    }
    const error = await reasonOf(check.execute({ userId: user.id, serviceCode: "cvmaker", cost: 0 }));
    expect(error.reason).toBe("QUOTA_EXCEEDED");
    expect(error.retryAfterSeconds).toBe(60);
    expect(error.quotaViolation?.subject).toBe("user:cvmaker");
    expect(quota.keys).toHaveLength(51);
    expect(new Set(quota.keys)).toEqual(new Set([`quota:2026-01-15:${user.id}:cvmaker`]));
    expect(outcomes.filter((o) => o === "cvmaker/free/allowed")).toHaveLength(50);
    expect(outcomes.at(-1)).toBe("cvmaker/free/refused");
  });

  it("the refused call used nothing: a plan change lets the next call through from the same count", async () => {
    const { check, user, subjectPlans } = await setup();
    for (let i = 0; i < 50; i++) await check.execute({ userId: user.id, serviceCode: "ocr", cost: 1 });
    await reasonOf(check.execute({ userId: user.id, serviceCode: "ocr", cost: 1 }));
    subjectPlans.plansOf.set(user.id, "pro");
    expect((await check.execute({ userId: user.id, serviceCode: "ocr", cost: 1 })).remaining).toBe(949);
  });

  it("day rollover: yesterday's usage does not count today", async () => {
    const { check, clock, user } = await setup();
    for (let i = 0; i < 50; i++) await check.execute({ userId: user.id, serviceCode: "jobportal", cost: 1 });
    await reasonOf(check.execute({ userId: user.id, serviceCode: "jobportal", cost: 1 }));
    clock.advanceSeconds(60);
    const out = await check.execute({ userId: user.id, serviceCode: "jobportal", cost: 1 });
    expect(out).toMatchObject({ remaining: 49, resetTime: new Date("2026-01-17T00:00:00.000Z") });
  });

  it("an API key counts as its owner: one counter per owner and service; revoked or unknown key is API_KEY_NOT_FOUND", async () => {
    const { check, uow, clock, user } = await setup();
    const key = await storeKey({ uow, clock, random: seededRandom() }, { type: "user", userId: user.id });
    for (let i = 0; i < 25; i++) await check.execute({ userId: user.id, serviceCode: "ocr", cost: 1 });
    for (let i = 0; i < 25; i++) await check.execute({ apiKeyId: key.id, serviceCode: "ocr", cost: 1 });
    expect((await reasonOf(check.execute({ apiKeyId: key.id, serviceCode: "ocr", cost: 1 }))).reason).toBe("QUOTA_EXCEEDED");
    await uow.apiKeys.revoke(key.id, clock.now());
    expect((await reasonOf(check.execute({ apiKeyId: key.id, serviceCode: "ocr", cost: 1 }))).reason).toBe("API_KEY_NOT_FOUND");
    expect((await reasonOf(check.execute({ apiKeyId: "00000000-0000-7000-b000-999999999999", serviceCode: "ocr", cost: 1 }))).reason).toBe("API_KEY_NOT_FOUND");
    expect((await reasonOf(check.execute({ apiKeyId: "nope", serviceCode: "ocr", cost: 1 }))).reason).toBe("API_KEY_NOT_FOUND");
  });

  it("anonymous: 1 a day on anonym, per anonymous id", async () => {
    const { check, quota } = await setup();
    expect(await check.execute({ anonymousId: "visitor-1", serviceCode: "translator", cost: 0 })).toMatchObject({ plan: "anonym", remaining: 0 });
    expect((await reasonOf(check.execute({ anonymousId: "visitor-1", serviceCode: "translator", cost: 0 }))).reason).toBe("QUOTA_EXCEEDED");
    await check.execute({ anonymousId: "visitor-2", serviceCode: "translator", cost: 0 });
    expect(quota.keys[0]).toBe("quota:2026-01-15:anon:visitor-1:translator");
  });

  it("enterprise counts but is never refused", async () => {
    const { check, user, subjectPlans, quota } = await setup();
    subjectPlans.plansOf.set(user.id, "enterprise");
    for (let i = 0; i < 120; i++) {
      expect(await check.execute({ userId: user.id, serviceCode: "ocr", cost: 10 })).toMatchObject({ limit: null, remaining: null });
    }
    expect(await quota.peek(`quota:2026-01-15:${user.id}:ocr`)).toBe(1200);
  });

  it("unknown service SERVICE_NOT_FOUND, unknown user USER_NOT_FOUND, bad input VALIDATION_FAILED, nothing counted", async () => {
    const { check, user, quota } = await setup();
    expect((await reasonOf(check.execute({ userId: user.id, serviceCode: "nope", cost: 1 }))).reason).toBe("SERVICE_NOT_FOUND");
    expect((await reasonOf(check.execute({ userId: "00000000-0000-7000-8000-00000000dead", serviceCode: "ocr", cost: 1 }))).reason).toBe("USER_NOT_FOUND");
    expect((await reasonOf(check.execute({ userId: "not-a-uuid", serviceCode: "ocr", cost: 1 }))).reason).toBe("USER_NOT_FOUND");
    const bad = await reasonOf(check.execute({ serviceCode: "", cost: -1 }));
    expect(bad.reason).toBe("VALIDATION_FAILED");
    expect(bad.fieldViolations.map((v) => v.field)).toEqual(["subject", "service_code", "cost"]);
    expect((await reasonOf(check.execute({ userId: user.id, anonymousId: "x", serviceCode: "ocr", cost: 1 }))).reason).toBe("VALIDATION_FAILED");
    expect((await reasonOf(check.execute({ anonymousId: "with space", serviceCode: "ocr", cost: 1 }))).reason).toBe("VALIDATION_FAILED");
    expect(quota.keys).toEqual([]);
  });

  it("the counter store down: the error passes through (UNAVAILABLE), never an allow", async () => {
    const { check, user, quota } = await setup();
    quota.fail = true;
    await expect(check.execute({ userId: user.id, serviceCode: "ocr", cost: 1 })).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
