/**
 * Composition, step 1: the outbound dependencies (database behind its breaker, Redis or its
 * in-process stand-ins) and the secrets read from them (signing keys, the code-hashing key).
 * Only the composition root (src/container.ts) calls these builders.
 */
import type { Redis } from "ioredis";
import { loadCodeHasher } from "../adapters/crypto/code-key.js";
import { JwtAccessTokens } from "../adapters/crypto/jwt-access-tokens.js";
import { KeyRing } from "../adapters/crypto/key-ring.js";
import type { SecretBox } from "../adapters/crypto/secret-box.js";
import type { Logger } from "../adapters/logging/logger.js";
import { PromBreakerStates } from "../adapters/metrics/breaker-states.js";
import { PromQuotaOutcomes } from "../adapters/metrics/quota-outcomes.js";
import { PromSecurityEvents } from "../adapters/metrics/security-events.js";
import { redactUrl } from "../adapters/outbound/redact-url.js";
import { type DependencyPolicy, dependencyPolicy, guarded, guardedUnitOfWork } from "../adapters/outbound/resilience.js";
import { PrismaAppSecretRepository } from "../adapters/prisma/app-secret-repository.js";
import { type Database, openDatabase } from "../adapters/prisma/client.js";
import { PrismaSigningKeyRepository } from "../adapters/prisma/signing-key-repository.js";
import { PrismaUnitOfWork } from "../adapters/prisma/unit-of-work.js";
import { type AttemptLimiterOptions, memoryAttemptLimiter, redisAttemptLimiter } from "../adapters/rate-limit/attempt-limiter.js";
import { createRedis, pingRedis } from "../adapters/redis/connection.js";
import { RedisRevocationBus } from "../adapters/redis/revocation-bus.js";
import type { AttemptLimiter, RevocationBus } from "../application/ports/coordination.js";
import type { CodeHasher, SecretSealer } from "../application/ports/credentials.js";
import type { Clock, IdGenerator, Random } from "../application/ports/time.js";
import type { UnitOfWork } from "../application/ports/unit-of-work.js";
import type { Config } from "../config.js";

/** What every builder may need: config, log, and the injected clock and randomness. */
export interface Basics {
  config: Config;
  logger: Logger;
  clock: Clock;
  random: Random;
  ids: IdGenerator;
}

export type LimiterFactory = (o: AttemptLimiterOptions) => AttemptLimiter;

/** The outbound dependencies, opened once and closed by the root's shutdown. */
export interface Dependencies {
  db: Database;
  /** The database's timeout + breaker: the unit of work and the signing keys go through it. */
  dbPolicy: DependencyPolicy;
  uow: UnitOfWork;
  redis: Redis | null;
  /** CheckQuota's own connection (auto-pipelined: one call per request, many in flight). */
  quotaRedis: Redis | null;
  bus: RevocationBus;
  limiter: LimiterFactory;
  /** CheckQuota's decisions for /metrics (registered by the transports). */
  quotaOutcomes: PromQuotaOutcomes;
  /** Every breaker's state for /metrics: the database's here, the notifiers' and providers' with the use cases. */
  breakers: PromBreakerStates;
  /** Account locks and refresh-token reuse for /metrics (registered by the transports). */
  securityEvents: PromSecurityEvents;
}

/** The database (migrated, behind its breaker), then Redis or its in-process stand-ins. */
export async function openDependencies(
  config: Config,
  logger: Logger,
  seams: { wrapUnitOfWork?: ((uow: UnitOfWork) => UnitOfWork) | undefined },
): Promise<Dependencies> {
  const db = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, poolSize: config.database.poolSize });
  logger.info({ database: db.kind }, "database ready, migrations applied");
  const breakers = new PromBreakerStates(["database"]);
  const dbPolicy = dependencyPolicy({
    timeoutMs: config.database.timeoutMs,
    consecutiveFailures: 5,
    halfOpenAfterMs: 2000,
    onStateChange: (state) => {
      breakers.set("database", state);
      logger.warn({ dependency: "database", breaker: state }, "circuit breaker");
    },
  });
  const guardedUow = guardedUnitOfWork(new PrismaUnitOfWork(db.prisma, { transactionTimeoutMs: config.database.timeoutMs, pool: db.pool }), dbPolicy);
  const uow = seams.wrapUnitOfWork ? seams.wrapUnitOfWork(guardedUow) : guardedUow;
  return {
    db,
    dbPolicy,
    uow,
    quotaOutcomes: new PromQuotaOutcomes(),
    breakers,
    securityEvents: new PromSecurityEvents(),
    ...(await openCoordination(config, logger)),
  };
}

/** With Redis: the revocation bus and limiter store every instance shares. Without: in-process. */
async function openCoordination(config: Config, logger: Logger): Promise<Pick<Dependencies, "redis" | "quotaRedis" | "bus" | "limiter">> {
  const url = config.redis.url;
  if (!url) {
    // The in-process stand-in is loaded only without Redis.
    const { MemoryRevocationBus } = await import("../adapters/memory/revocation-bus.js");
    return { redis: null, quotaRedis: null, bus: new MemoryRevocationBus(), limiter: (o) => memoryAttemptLimiter(o) };
  }
  const redis = createRedis(url, { name: "auth-service", commandTimeoutMs: config.redis.timeoutMs });
  await pingRedis(redis).catch((error: unknown) => logger.warn({ err: String(error) }, "redis not reachable yet"));
  const bus = new RedisRevocationBus(url, {
    name: "auth-service",
    channel: `${config.redis.keyPrefix}v1:session-revoked`,
    onError: (error) => logger.warn({ err: String(error) }, "revocation bus error"),
  });
  logger.info({ redis: redactUrl(url) }, "using redis");
  // Not wrapped in a breaker: on a Redis failure the limiter falls back to its in-process
  // insurance limiter, so throttling still holds (security.md 36).
  const quotaRedis = createRedis(url, { name: "auth-service-quota", commandTimeoutMs: config.redis.timeoutMs, autoPipelining: true });
  return { redis, quotaRedis, bus, limiter: (o) => redisAttemptLimiter(redis, o) };
}

/** Access tokens: HS256 with the configured secret, or EdDSA from the key ring in the database. */
export async function buildTokens(basics: Basics, deps: Dependencies, box: SecretBox | null): Promise<{ tokens: JwtAccessTokens; keyRing: KeyRing | null }> {
  const { config, clock, ids } = basics;
  const accessTokenTtlSeconds = config.jwt.accessTokenExpireMinutes * 60;
  const common = { issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: accessTokenTtlSeconds, clock, ids };
  if (config.jwt.algorithm === "HS256") return { tokens: JwtAccessTokens.hs256(config.jwt.secretKey as string, common), keyRing: null };
  const keyRing = new KeyRing(guarded(new PrismaSigningKeyRepository(deps.db.prisma), deps.dbPolicy), box, clock, {
    accessTokenTtlSeconds,
    reloadMinIntervalMs: 1000,
  });
  await keyRing.init();
  return { tokens: JwtAccessTokens.eddsa(keyRing, common), keyRing };
}

/** The hasher of one-time and recovery codes: its key is made once, shared through the database. */
export function buildCodeHasher(db: Database, sealer: SecretSealer, clock: Clock): Promise<CodeHasher> {
  return loadCodeHasher(new PrismaAppSecretRepository(db.prisma), sealer, clock.now());
}
