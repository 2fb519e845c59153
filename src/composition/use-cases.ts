/**
 * Composition, step 2: every use case, with what it needs at run time (the session status
 * cache and revoker, the notifiers, the password hasher, the attempt limits, the settings
 * from config). Only the composition root (src/container.ts) calls these builders.
 */

import { Argon2Hasher } from "../adapters/crypto/argon2-hasher.js";
import { commonPasswordCheck } from "../adapters/crypto/common-passwords.js";
import { OtplibTotp } from "../adapters/crypto/totp.js";
import type { Logger } from "../adapters/logging/logger.js";
import { MemoryFlowStore } from "../adapters/memory/flow-store.js";
import { MemoryQuotaCounter } from "../adapters/memory/quota-counter.js";
import { createNotifier, type NotifierConfig, type Notifiers } from "../adapters/notify/create-notifier.js";
import { OpenIdProviders } from "../adapters/oauth/openid-providers.js";
import { ClockWindowLimiter } from "../adapters/rate-limit/attempt-limiter.js";
import { RedisFlowStore } from "../adapters/redis/flow-store.js";
import { RedisQuotaCounter } from "../adapters/redis/quota-counter.js";
import { SimpleWebAuthn } from "../adapters/webauthn/simplewebauthn.js";
import { ApiKeyRevocations } from "../application/api-keys/api-key-revocations.js";
import { ApiKeyStatusCache } from "../application/api-keys/api-key-status.js";
import { ApiKeyUsage } from "../application/api-keys/api-key-usage.js";
import { SubjectPlans } from "../application/plans/subject-plans.js";
import type { AttemptLimiter, FlowStore } from "../application/ports/coordination.js";
import type { PasswordHasher } from "../application/ports/credentials.js";
import type { Clock } from "../application/ports/time.js";
import { SessionRevoker } from "../application/sessions/session-revoker.js";
import { SessionStatusCache } from "../application/sessions/session-status.js";
import { createUseCases, type UseCases } from "../application/use-cases.js";
import type { Config } from "../config.js";
import { PasswordPolicy } from "../domain/password-policy.js";
import type { Basics, Dependencies, LimiterFactory } from "./dependencies.js";

type CoreDeps = Parameters<typeof createUseCases>[0];

/** What the use cases need at run time and what shutdown must stop. */
export interface Core {
  useCases: UseCases;
  sessionStatus: SessionStatusCache;
  /** ValidateApiKey's cache (stopped at shutdown) and the key uses to flush (a timer, and at shutdown). */
  apiKeys: { status: ApiKeyStatusCache; usage: ApiKeyUsage };
  /** The plan cache of CheckQuota (stopped at shutdown). */
  subjectPlans: SubjectPlans;
  notifiers: Notifiers;
}

/** The session status cache and revoker, the notifiers, the password hasher, then every use case. */
export async function buildUseCases(
  basics: Basics,
  deps: Dependencies,
  crypto: Pick<CoreDeps, "tokens" | "sealer" | "codeHasher">,
  seams: { wrapHasher?: ((hasher: PasswordHasher) => PasswordHasher) | undefined },
): Promise<Core> {
  const { config, logger, clock } = basics;
  const sessionStatus = new SessionStatusCache(deps.uow.sessions, deps.bus, clock, { ttlMs: config.session.statusCacheMs, maxEntries: 100_000 });
  await sessionStatus.start();
  const revoker = new SessionRevoker(sessionStatus, deps.bus, (error, sessionIds) =>
    logger.error({ err: String(error), count: sessionIds.length }, "revocation broadcast failed; peers re-check within the cache TTL"),
  );
  // The same rule as sessions: a positive answer lives at most SESSION__STATUS_CACHE_MS.
  const apiKeyStatus = new ApiKeyStatusCache(deps.bus, clock, { ttlMs: config.session.statusCacheMs, maxEntries: 100_000 });
  await apiKeyStatus.start();
  const apiKeyRevocations = new ApiKeyRevocations(apiKeyStatus, deps.bus, (error) =>
    logger.error({ err: String(error) }, "api key revocation broadcast failed; peers re-check within the cache TTL"),
  );
  const apiKeyUsage = new ApiKeyUsage(deps.uow.apiKeys, clock);
  // The same rule again: a user's plan is trusted at most SESSION__STATUS_CACHE_MS.
  const subjectPlans = new SubjectPlans(deps.uow, deps.bus, clock, {
    ttlMs: config.session.statusCacheMs,
    maxEntries: 100_000,
    reportError: (error) => logger.error({ err: String(error) }, "plan change broadcast failed; peers re-read within the cache TTL"),
  });
  await subjectPlans.start();
  const breakerState = (dependency: string, state: "open" | "half-open" | "closed") => deps.breakers.set(dependency, state);
  const notifiers = buildNotifiers(config, logger, clock, breakerState);
  const hasher = await buildPasswordHasher(config, seams.wrapHasher);
  const oauthProviders = new OpenIdProviders(config.oauth.providers, { timeoutMs: config.oauth.timeoutMs, logger, onBreakerState: breakerState });
  oauthProviders.warmUp();
  // Shared by every instance on Redis (a flow may finish on another instance); in-process without.
  const flowStore = (name: string): FlowStore =>
    deps.redis ? new RedisFlowStore(deps.redis, { keyPrefix: `${config.redis.keyPrefix}${name}:` }) : new MemoryFlowStore(clock);
  const useCases = createUseCases({
    ...crypto,
    ...buildLimits(config, deps.limiter, clock),
    uow: deps.uow,
    clock,
    ids: basics.ids,
    random: basics.random,
    hasher,
    passwordPolicy: new PasswordPolicy(config.password, commonPasswordCheck()),
    sessionStatus,
    revoker,
    apiKeyStatus,
    apiKeyRevocations,
    apiKeyUsage,
    subjectPlans,
    // Exact across instances on Redis; in-process (one instance only) without REDIS__URL.
    quota: deps.quotaRedis ? new RedisQuotaCounter(deps.quotaRedis, { keyPrefix: config.redis.keyPrefix }) : new MemoryQuotaCounter(clock),
    quotaOutcomes: deps.quotaOutcomes,
    securityEvents: deps.securityEvents,
    settings: useCaseSettings(config),
    oauthProviders,
    oauthFlows: flowStore("oauth-flow"),
    passkeyChallenges: flowStore("passkey-challenge"),
    webauthn: new SimpleWebAuthn(config.webauthn, (ceremony, why) => logger.info({ ceremony, why }, "passkey response did not verify")),
    notifier: notifiers.notifier,
    totp: new OtplibTotp(config.mfa.issuer),
    report: (message, error) => logger.warn({ err: String(error) }, message),
  });
  return { useCases, sessionStatus, apiKeys: { status: apiKeyStatus, usage: apiKeyUsage }, subjectPlans, notifiers };
}

function buildNotifiers(config: Config, logger: Logger, clock: Clock, onBreakerState: NotifierConfig["onBreakerState"]): Notifiers {
  return createNotifier(
    {
      smtpUrl: config.mail.smtpUrl,
      from: config.mail.from,
      smsWebhookUrl: config.sms.webhookUrl,
      smsWebhookToken: config.sms.webhookToken,
      // Codes reach the log only on a developer's machine.
      revealCodes: config.server.environment === "development",
      mailTimeoutMs: config.mail.timeoutMs,
      smsTimeoutMs: config.sms.timeoutMs,
      productName: config.mfa.issuer,
      clock,
      onBreakerState,
    },
    logger,
  );
}

async function buildPasswordHasher(config: Config, wrap: ((hasher: PasswordHasher) => PasswordHasher) | undefined): Promise<PasswordHasher> {
  const argon2 = new Argon2Hasher({
    memoryCost: config.crypto.argon2MemoryKib,
    timeCost: config.crypto.argon2Iterations,
    parallelism: config.crypto.argon2Parallelism,
    pepper: config.crypto.passwordSalt,
    concurrency: config.crypto.argon2Concurrency,
    maxQueue: config.crypto.argon2MaxQueue,
  });
  await argon2.warmUp();
  return wrap ? wrap(argon2) : argon2;
}

/** The attempt limits the use cases enforce, on the configured store. */
function buildLimits(config: Config, limiter: LimiterFactory, clock: Clock): Pick<CoreDeps, "loginFailures" | "failureAudits" | "notices" | "ipAttempts"> {
  const clocked = (name: string, points: number, windowSeconds: number): AttemptLimiter =>
    // The store keeps each bucket two windows: it is read as the previous window for one more.
    new ClockWindowLimiter(
      limiter({ keyPrefix: `${config.redis.keyPrefix}${name}`, points, durationSeconds: 2 * windowSeconds }),
      clock,
      points,
      windowSeconds,
    );
  return {
    // Windows on the injected clock (ClockWindowLimiter): a lock ends when its window does.
    loginFailures: clocked("login-failures", config.auth.maxFailedLogins, config.auth.lockoutMinutes * 60),
    // Past the lock nothing is checked; this only bounds the audit rows failures can write.
    failureAudits: clocked("failure-audits", config.auth.maxFailedLogins * 3, config.auth.lockoutMinutes * 60),
    // Per UTC day.
    notices: clocked("notices", config.auth.noticesPerDay, 86_400),
    ipAttempts: limiter({ keyPrefix: `${config.redis.keyPrefix}ip-attempts`, points: config.auth.ipAttemptsPerMinute, durationSeconds: 60 }),
  };
}

function useCaseSettings(config: Config): CoreDeps["settings"] {
  return {
    refreshTokenTtlSeconds: config.jwt.refreshTokenExpireDays * 86_400,
    sessionMaxLifetimeSeconds: config.session.maxLifetimeDays * 86_400,
    refreshReuseGraceSeconds: config.jwt.refreshReuseGraceSeconds,
    maxPasswordLength: config.password.maxLength,
    lockoutSeconds: config.auth.lockoutMinutes * 60,
    reauthMaxAgeSeconds: config.auth.reauthMaxAgeMinutes * 60,
    requireVerifiedContact: config.auth.requireVerifiedContact,
    otp: { ttlSeconds: config.otp.expireMinutes * 60, maxAttempts: config.otp.maxAttempts, resendSeconds: config.otp.resendSeconds },
  };
}
