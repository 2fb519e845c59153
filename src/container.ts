/**
 * The composition root: builds every adapter and use case from config with plain
 * constructors. The only place (with main.ts) that knows which adapters exist.
 */
import type { Server } from "@grpc/grpc-js";
import type { DestinationStream } from "pino";
import type { AttemptLimiter, RevocationBus } from "./application/ports/coordination.js";
import type { PasswordHasher } from "./application/ports/credentials.js";
import type { Clock, Random } from "./application/ports/time.js";
import type { UnitOfWork } from "./application/ports/unit-of-work.js";
import { SessionRevoker } from "./application/sessions/session-revoker.js";
import { SessionStatusCache } from "./application/sessions/session-status.js";
import { createUseCases, type UseCases } from "./application/use-cases.js";
import type { Config } from "./config.js";
import { PasswordPolicy } from "./domain/password-policy.js";
import { Argon2Hasher } from "./adapters/crypto/argon2-hasher.js";
import { commonPasswordCheck } from "./adapters/crypto/common-passwords.js";
import { JwtAccessTokens } from "./adapters/crypto/jwt-access-tokens.js";
import { KeyRing } from "./adapters/crypto/key-ring.js";
import { SecretBox } from "./adapters/crypto/secret-box.js";
import { createSealer } from "./adapters/crypto/sealer.js";
import { HmacCodeHasher } from "./adapters/crypto/hmac-code-hasher.js";
import { OtplibTotp } from "./adapters/crypto/totp.js";
import { createNotifier, type Notifiers } from "./adapters/notify/create-notifier.js";
import { PrismaAppSecretRepository } from "./adapters/prisma/app-secret-repository.js";
import { randomBytes } from "node:crypto";
import { cryptoRandom, systemClock, uuidV7Ids } from "./adapters/crypto/system.js";
import { authInterceptor } from "./adapters/grpc/interceptors/auth.js";
import { errorsInterceptor } from "./adapters/grpc/interceptors/errors.js";
import { loggingInterceptor } from "./adapters/grpc/interceptors/logging.js";
import { metricsInterceptor } from "./adapters/grpc/interceptors/metrics.js";
import { readDescriptorSet } from "./adapters/grpc/descriptors.js";
import { readAccessTable } from "./adapters/grpc/access-table.js";
import { loadApi } from "./adapters/http/http-rules.js";
import { loopbackTarget } from "./adapters/http/loopback.js";
import { HealthMonitor, type Readiness } from "./adapters/grpc/health-monitor.js";
import { HttpGateway } from "./adapters/http/server.js";
import { OpsListener } from "./adapters/http/ops-listener.js";
import { collectDefaultMetrics, Registry } from "prom-client";
import { bindServer, createGrpcServer, drainServer, HealthReporter } from "./adapters/grpc/server.js";
import { InflightCalls } from "./adapters/grpc/inflight.js";
import { makeUnary } from "./adapters/grpc/unary.js";
import { createLogger, type Logger } from "./adapters/logging/logger.js";
import { MemoryRevocationBus } from "./adapters/memory/revocation-bus.js";
import { openDatabase, type Database } from "./adapters/prisma/client.js";
import { PrismaSigningKeyRepository } from "./adapters/prisma/signing-key-repository.js";
import { PrismaUnitOfWork } from "./adapters/prisma/unit-of-work.js";
import { ClockWindowLimiter, memoryAttemptLimiter, redisAttemptLimiter } from "./adapters/rate-limit/attempt-limiter.js";
import { closeRedis, createRedis, pingRedis } from "./adapters/redis/connection.js";
import { redactUrl } from "./adapters/redact-url.js";
import { RedisRevocationBus } from "./adapters/redis/revocation-bus.js";
import { dependencyPolicy, guarded, guardedUnitOfWork } from "./adapters/resilience.js";
import type { Redis } from "ioredis";

export interface AppOptions {
  clock?: Clock;
  random?: Random;
  /** Where logs go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /**
   * Test seams: wrap the password hasher (count its checks) or the unit of work (hold a use case
   * between its credential check and its transaction, to prove the race is closed). main.ts
   * never sets them.
   */
  wrapHasher?: (hasher: PasswordHasher) => PasswordHasher;
  wrapUnitOfWork?: (uow: UnitOfWork) => UnitOfWork;
}

export interface App {
  config: Config;
  logger: Logger;
  useCases: UseCases;
  health: HealthReporter;
  keyRing: KeyRing | null;
  /** Development outbox: every message not sent through a real provider. */
  outbox: Notifiers["outbox"];
  /**
   * Binds the gRPC and REST gateway ports and the operators' listener (/metrics), 0 picking a
   * free port, and starts health monitoring.
   */
  start(): Promise<{ grpcPort: number; httpPort: number; opsPort: number }>;
  /** NOT_SERVING, drain REST requests then gRPC calls (new ones get UNAVAILABLE), close pools. */
  shutdown(): Promise<void>;
  /** Whether each dependency answers now: a fresh probe (/readyz reads the monitor's last one). */
  probe(): Promise<Readiness>;
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = createLogger(config.log.level, options.logDestination);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const ids = uuidV7Ids(clock, random);

  const db: Database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    poolSize: config.database.poolSize,
  });
  logger.info({ database: db.kind }, "database ready, migrations applied");
  const dbPolicy = dependencyPolicy({
    timeoutMs: config.database.timeoutMs,
    consecutiveFailures: 5,
    halfOpenAfterMs: 2000,
    onStateChange: (state) => logger.warn({ dependency: "database", breaker: state }, "circuit breaker"),
  });
  const guardedUow = guardedUnitOfWork(new PrismaUnitOfWork(db.prisma, { transactionTimeoutMs: config.database.timeoutMs }), dbPolicy);

  const uow = options.wrapUnitOfWork ? options.wrapUnitOfWork(guardedUow) : guardedUow;

  let redis: Redis | null = null;
  let bus: RevocationBus;
  let limiter: (o: { keyPrefix: string; points: number; durationSeconds: number; blockSeconds?: number }) => AttemptLimiter;
  if (config.redis.url) {
    const r = createRedis(config.redis.url, { name: "auth-service", commandTimeoutMs: config.redis.timeoutMs });
    redis = r;
    await pingRedis(r).catch((error: unknown) => logger.warn({ err: String(error) }, "redis not reachable yet"));
    bus = new RedisRevocationBus(config.redis.url, {
      name: "auth-service",
      channel: `${config.redis.keyPrefix}v1:session-revoked`,
      onError: (error) => logger.warn({ err: String(error) }, "revocation bus error"),
    });
    // Not wrapped in a breaker: on a Redis failure the limiter falls back to its in-process
    // insurance limiter, so throttling still holds (security.md 36).
    limiter = (o) => redisAttemptLimiter(r, o);
    logger.info({ redis: redactUrl(config.redis.url) }, "using redis");
  } else {
    bus = new MemoryRevocationBus();
    limiter = (o) => memoryAttemptLimiter(o);
  }

  const clockedLimiter = (name: string, points: number, windowSeconds: number): AttemptLimiter =>
    // The store keeps each bucket two windows: it is read as the previous window for one more.
    new ClockWindowLimiter(limiter({ keyPrefix: `${config.redis.keyPrefix}${name}`, points, durationSeconds: 2 * windowSeconds }), clock, points, windowSeconds);

  const box = config.crypto.encryptionKey ? new SecretBox(config.crypto.encryptionKey) : null;
  const accessTokenTtlSeconds = config.jwt.accessTokenExpireMinutes * 60;
  let keyRing: KeyRing | null = null;
  const tokenCommon = { issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: accessTokenTtlSeconds, clock, ids };
  let tokens: JwtAccessTokens;
  if (config.jwt.algorithm === "HS256") {
    tokens = JwtAccessTokens.hs256(config.jwt.secretKey as string, tokenCommon);
  } else {
    keyRing = new KeyRing(guarded(new PrismaSigningKeyRepository(db.prisma), dbPolicy), box, clock, {
      accessTokenTtlSeconds,
      reloadMinIntervalMs: 1000,
    });
    await keyRing.init();
    tokens = JwtAccessTokens.eddsa(keyRing, tokenCommon);
  }

  const sessionStatus = new SessionStatusCache(uow.sessions, bus, clock, {
    ttlMs: config.session.statusCacheMs,
    maxEntries: 100_000,
  });
  await sessionStatus.start();
  const revoker = new SessionRevoker(sessionStatus, bus, (error, sessionIds) =>
    logger.error({ err: String(error), count: sessionIds.length }, "revocation broadcast failed; peers re-check within the cache TTL"),
  );

  const sealer = createSealer(box);
  // The key that hashes one-time and recovery codes: made once, shared through the database.
  const codeKey = await new PrismaAppSecretRepository(db.prisma).getOrCreate(
    "code-hmac-key",
    () => sealer.seal(randomBytes(32).toString("base64"), "code-hmac-key"),
    clock.now(),
  );
  const codeHasher = new HmacCodeHasher(Buffer.from(sealer.open(codeKey, "code-hmac-key"), "base64"));
  const notifiers = createNotifier(
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
    },
    logger,
  );

  const argon2 = new Argon2Hasher({
    memoryCost: config.crypto.argon2MemoryKib,
    timeCost: config.crypto.argon2Iterations,
    parallelism: config.crypto.argon2Parallelism,
    pepper: config.crypto.passwordSalt,
  });
  await argon2.warmUp();
  const hasher = options.wrapHasher ? options.wrapHasher(argon2) : argon2;
  const useCases = createUseCases(
    {
      uow,
      clock,
      ids,
      random,
      hasher,
      passwordPolicy: new PasswordPolicy(config.password, commonPasswordCheck()),
      tokens,
      // Windows on the injected clock (ClockWindowLimiter): a lock ends when its window does.
      loginFailures: clockedLimiter("login-failures", config.auth.maxFailedLogins, config.auth.lockoutMinutes * 60),
      // Past the lock nothing is checked; this only bounds the audit rows failures can write.
      failureAudits: clockedLimiter("failure-audits", config.auth.maxFailedLogins * 3, config.auth.lockoutMinutes * 60),
      // Per UTC day.
      notices: clockedLimiter("notices", config.auth.noticesPerDay, 86_400),
      ipAttempts: limiter({ keyPrefix: `${config.redis.keyPrefix}ip-attempts`, points: config.auth.ipAttemptsPerMinute, durationSeconds: 60 }),
      sessionStatus,
      revoker,
      settings: {
        refreshTokenTtlSeconds: config.jwt.refreshTokenExpireDays * 86_400,
        sessionMaxLifetimeSeconds: config.session.maxLifetimeDays * 86_400,
        refreshReuseGraceSeconds: config.jwt.refreshReuseGraceSeconds,
        maxPasswordLength: config.password.maxLength,
        lockoutSeconds: config.auth.lockoutMinutes * 60,
        reauthMaxAgeSeconds: config.auth.reauthMaxAgeMinutes * 60,
        requireVerifiedContact: config.auth.requireVerifiedContact,
        otp: {
          ttlSeconds: config.otp.expireMinutes * 60,
          maxAttempts: config.otp.maxAttempts,
          resendSeconds: config.otp.resendSeconds,
        },
      },
      notifier: notifiers.notifier,
      codeHasher,
      sealer,
      totp: new OtplibTotp(config.mfa.issuer),
      report: (message, error) => logger.warn({ err: String(error) }, message),
    },
  );

  const health = new HealthReporter();
  const inflight = new InflightCalls();
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  // Lets the gRPC side believe the client IP and user agent our own REST gateway forwards,
  // and nobody else's (adapters/grpc/call-context.ts). New at every start, never logged.
  const gatewaySecret = randomBytes(32).toString("base64url");
  // Read once: reflection, the access rules and the REST gateway all work from these bytes.
  const descriptorSet = readDescriptorSet();
  const unary = makeUnary({
    inflight,
    logger,
    trustedProxies: new Set(config.server.trustedProxies),
    gatewaySecret,
    interceptors: [
      metricsInterceptor(metrics),
      loggingInterceptor,
      errorsInterceptor,
      authInterceptor(useCases.validateToken, useCases.requireFreshAuthentication, readAccessTable(descriptorSet)),
    ],
  });
  const server: Server = createGrpcServer({ useCases, unary, health, maxMessageBytes: config.server.maxMessageBytes, descriptorSet });

  const probe = async (): Promise<Readiness> => {
    const [database, redisOk] = await Promise.all([
      withTimeout(db.ping(), 1000).then(() => true, () => false),
      redis ? withTimeout(pingRedis(redis, 1000), 1000).then(() => true, () => false) : Promise.resolve(true),
    ]);
    return { database, redis: redisOk };
  };
  const monitor = new HealthMonitor(probe, health, 2000);
  // REST/JSON from the descriptor set's google.api.http rules, forwarded to `server` over loopback.
  const gateway = new HttpGateway({
    api: loadApi(descriptorSet),
    logger,
    allowedOrigins: config.server.allowedOrigins,
    maxBodyBytes: config.server.maxMessageBytes,
    gatewaySecret,
    ready: () => monitor.last(),
    metrics,
  });
  // /metrics only, on its own address (loopback by default): never beside the public API.
  const opsListener = new OpsListener(metrics);

  let keyReload: NodeJS.Timeout | null = null;

  return {
    config,
    logger,
    useCases,
    health,
    keyRing,
    outbox: notifiers.outbox,
    probe,
    async start() {
      const grpcPort = await bindServer(server, config.server.host, config.server.grpcPort);
      const httpPort = await gateway.listen(config.server.host, config.server.httpPort, loopbackTarget(config.server.host, grpcPort));
      const opsPort = await opsListener.listen(config.server.opsHost, config.server.opsPort);
      await monitor.start();
      // Another instance (or `npm run keys:rotate`) may have rotated the signing key: start
      // signing with it within a minute. Unknown kids met while verifying reload sooner.
      if (keyRing) {
        const ring = keyRing;
        keyReload = setInterval(() => ring.reload().catch((e: unknown) => logger.warn({ err: String(e) }, "key reload failed")), 60_000);
        keyReload.unref();
      }
      return { grpcPort, httpPort, opsPort };
    },
    async shutdown() {
      monitor.stop();
      if (keyReload) clearInterval(keyReload);
      const drainMs = Math.max(1000, config.server.shutdownTimeoutSeconds * 1000 - 2000);
      const deadline = Date.now() + drainMs;
      // REST first: stop accepting and let requests in progress finish (they need the gRPC
      // server for that), then gRPC, within the same drain budget.
      await gateway.close(deadline);
      await drainServer(server, inflight, deadline);
      // Last of the listeners: metrics stay readable while the others drain.
      await opsListener.close();
      await sessionStatus.stop();
      notifiers.close();
      await bus.close();
      if (redis) await closeRedis(redis);
      await db.close();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}
