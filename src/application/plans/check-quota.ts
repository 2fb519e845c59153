import { DomainError, Violations } from "../../domain/errors.js";
import type { QuotaCounter, QuotaOutcomes, QuotaPlan } from "../ports/quota.js";
import type { Clock } from "../ports/time.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import { isUuid } from "../shared/field-rules.js";
import { anonymousOwner, counterExpiry, nextUtcMidnight, quotaKey } from "./check-quota-keys.js";

export const ANONYMOUS_PLAN = "anonym";
const MAX_COST = 1_000_000;
const PRINTABLE_ASCII = /^[\x21-\x7e]{1,128}$/;

export type QuotaSubject = { userId: string } | { apiKeyId: string } | { anonymousId: string };

export interface CheckQuotaInput {
  /** Exactly one subject; none or several is VALIDATION_FAILED. */
  userId?: string | undefined;
  apiKeyId?: string | undefined;
  anonymousId?: string | undefined;
  serviceCode: string;
  /** 0 (unset) means 1. */
  cost: number;
}

export interface QuotaDecision {
  allowed: true;
  plan: string;
  /** null with unlimited. */
  limit: number | null;
  /** null with unlimited. */
  remaining: number | null;
  used: number;
  resetTime: Date;
}

/** The plans CheckQuota reads (the SubjectPlans cache: briefly cached, dropped on ChangePlan). */
export interface QuotaPlanSource {
  planOf(userId: string): Promise<QuotaPlan | null>;
  plan(code: string): Promise<QuotaPlan | null> | QuotaPlan | null;
}

/** Whether a service is in the catalogue (cached in memory: the catalogue barely changes). */
export interface ServiceLookup {
  exists(serviceCode: string): Promise<boolean>;
}

export interface CheckQuotaDeps {
  uow: Pick<UnitOfWork, "apiKeys">;
  clock: Clock;
  quota: QuotaCounter;
  subjectPlans: QuotaPlanSource;
  services: ServiceLookup;
  quotaOutcomes?: QuotaOutcomes | undefined;
}

/**
 * CheckQuota: resolves the subject to an owner and its plan, then checks and counts in ONE
 * counter call (exact across instances). An API key counts as its owner, so more keys never
 * mean more quota; an anonymous id counts against `anonym`; unlimited counts but never refuses.
 * Over quota: QUOTA_EXCEEDED with the seconds to the next UTC midnight; nothing was counted.
 * A counter store that cannot answer throws (UNAVAILABLE): never a silent allow.
 */
export class CheckQuota {
  constructor(private readonly deps: CheckQuotaDeps) {}

  async execute(input: CheckQuotaInput): Promise<QuotaDecision> {
    const { subject, cost } = validate(input);
    const serviceCode = input.serviceCode;
    const [known, owner] = await Promise.all([this.deps.services.exists(serviceCode), this.ownerOf(subject)]);
    if (!known) throw new DomainError("SERVICE_NOT_FOUND", "No such service in the catalogue");
    const now = this.deps.clock.now();
    const limit = owner.plan.unlimited ? null : owner.plan.dailyLimit;
    const resetTime = nextUtcMidnight(now);
    const result = await this.deps.quota.consume(quotaKey(now, owner.key, serviceCode), cost, limit, counterExpiry(now));
    this.deps.quotaOutcomes?.record(serviceCode, owner.plan.code, result.allowed ? "allowed" : "refused");
    if (!result.allowed) {
      const retryAfterSeconds = Math.max(1, Math.ceil((resetTime.getTime() - now.getTime()) / 1000));
      throw new DomainError("QUOTA_EXCEEDED", `The daily quota of plan ${owner.plan.code} for ${serviceCode} is used up`, {
        retryAfterSeconds,
        quotaViolation: {
          subject: `${owner.kind}:${serviceCode}`,
          description: `${limit ?? 0} calls a day on plan ${owner.plan.code}; resets at ${resetTime.toISOString()}`,
        },
      });
    }
    return {
      allowed: true,
      plan: owner.plan.code,
      limit,
      remaining: limit === null ? null : Math.max(0, limit - result.used),
      used: result.used,
      resetTime,
    };
  }

  private async ownerOf(subject: QuotaSubject): Promise<{ key: string; kind: string; plan: QuotaPlan }> {
    if ("anonymousId" in subject) {
      const plan = await this.deps.subjectPlans.plan(ANONYMOUS_PLAN);
      if (!plan) throw new Error(`plan ${ANONYMOUS_PLAN} is missing from the catalogue`);
      return { key: anonymousOwner(subject.anonymousId), kind: "anonymous", plan };
    }
    let userId: string;
    let kind = "user";
    if ("apiKeyId" in subject) {
      // Ids are UUIDs: anything else is unknown without a lookup.
      const key = isUuid(subject.apiKeyId) ? await this.deps.uow.apiKeys.findById(subject.apiKeyId) : null;
      if (!key || key.revokedAt !== null || key.owner.type !== "user") throw new DomainError("API_KEY_NOT_FOUND", "No such API key");
      userId = key.owner.userId;
      kind = "api_key_owner";
    } else {
      userId = subject.userId;
    }
    const plan = isUuid(userId) ? await this.deps.subjectPlans.planOf(userId) : null;
    if (!plan) throw new DomainError("USER_NOT_FOUND", "No such user");
    return { key: userId, kind, plan };
  }
}

function validate(input: CheckQuotaInput): { subject: QuotaSubject; cost: number } {
  const v = new Violations();
  const given = [input.userId, input.apiKeyId, input.anonymousId].filter((s) => s !== undefined && s !== "");
  if (given.length !== 1) v.add("subject", "exactly one of user_id, api_key_id, anonymous_id is required");
  if (input.anonymousId !== undefined && input.anonymousId !== "" && !PRINTABLE_ASCII.test(input.anonymousId)) {
    v.add("anonymous_id", "must be 1-128 printable ASCII characters");
  }
  for (const [field, value] of [
    ["user_id", input.userId],
    ["api_key_id", input.apiKeyId],
  ] as const) {
    if (value !== undefined && value !== "" && value.length > 128) v.add(field, "is too long");
  }
  if (input.serviceCode === "") v.add("service_code", "is required");
  else if (input.serviceCode.length > 64) v.add("service_code", "is too long");
  if (!Number.isInteger(input.cost) || input.cost < 0 || input.cost > MAX_COST) v.add("cost", `must be between 0 and ${MAX_COST}`);
  v.throwIfAny();
  const subject: QuotaSubject = input.userId
    ? { userId: input.userId }
    : input.apiKeyId
      ? { apiKeyId: input.apiKeyId }
      : { anonymousId: input.anonymousId as string };
  return { subject, cost: input.cost === 0 ? 1 : input.cost };
}
