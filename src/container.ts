/**
 * The composition root: builds every adapter and use case from config with plain
 * constructors. The only place (with main.ts and the builders it calls in src/composition/)
 * that knows which adapters exist. `createApp` reads top to bottom, one builder per step:
 * dependencies, tokens, the code hasher, use cases, transports, then the lifecycle.
 */
import type { DestinationStream } from "pino";
import type { KeyRing } from "./adapters/crypto/key-ring.js";
import { createSealer } from "./adapters/crypto/sealer.js";
import { SecretBox } from "./adapters/crypto/secret-box.js";
import { cryptoRandom, systemClock, uuidV7Ids } from "./adapters/crypto/system.js";
import { bindServer, drainServer, type HealthReporter } from "./adapters/grpc/server.js";
import { createLogger, type Logger } from "./adapters/logging/logger.js";
import type { Notifiers } from "./adapters/notify/create-notifier.js";
import { closeRedis } from "./adapters/redis/connection.js";
import type { Readiness } from "./adapters/transport/readiness.js";
import type { PasswordHasher } from "./application/ports/credentials.js";
import type { Clock, Random } from "./application/ports/time.js";
import type { UnitOfWork } from "./application/ports/unit-of-work.js";
import type { UseCases } from "./application/use-cases.js";
import { type Basics, buildCodeHasher, buildTokens, type Dependencies, openDependencies } from "./composition/dependencies.js";
import { buildTransports, type Transports } from "./composition/transports.js";
import { buildUseCases, type Core } from "./composition/use-cases.js";
import type { Config } from "./config.js";

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
  const basics: Basics = { config, logger, clock, random, ids: uuidV7Ids(clock, random) };

  const deps = await openDependencies(config, logger, options);
  const box = config.crypto.encryptionKey ? new SecretBox(config.crypto.encryptionKey) : null;
  const sealer = createSealer(box);
  const { tokens, keyRing } = await buildTokens(basics, deps, box);
  const codeHasher = await buildCodeHasher(deps.db, sealer, clock);
  const core = await buildUseCases(basics, deps, { tokens, sealer, codeHasher }, options);
  const transports = buildTransports(config, logger, core.useCases, deps);
  const { start, shutdown } = lifecycle(config, logger, { deps, core, transports, keyRing });

  return {
    config,
    logger,
    useCases: core.useCases,
    health: transports.health,
    keyRing,
    outbox: core.notifiers.outbox,
    probe: transports.probe,
    start,
    shutdown,
  };
}

/** Start: gRPC, then the REST gateway, the operators' listener, health. Shutdown: REST, gRPC, ops, then the pools. */
function lifecycle(
  config: Config,
  logger: Logger,
  parts: { deps: Dependencies; core: Core; transports: Transports; keyRing: KeyRing | null },
): Pick<App, "start" | "shutdown"> {
  const { deps, core, keyRing } = parts;
  const { server, inflight, monitor, gateway, opsListener } = parts.transports;
  let keyReload: NodeJS.Timeout | null = null;
  let keyUsageFlush: NodeJS.Timeout | null = null;
  const flushKeyUsage = () => core.apiKeys.usage.flush().catch((e: unknown) => logger.warn({ err: String(e) }, "api key last_used_at flush failed"));
  return {
    async start() {
      const grpcPort = await bindServer(server, config.server.host, config.server.grpcPort);
      const httpPort = await gateway.listen(config.server.host, config.server.httpPort);
      const opsPort = await opsListener.listen(config.server.opsHost, config.server.opsPort);
      await monitor.start();
      // Another instance (or `npm run keys:rotate`) may have rotated the signing key: start
      // signing with it within a minute. Unknown kids met while verifying reload sooner.
      if (keyRing) {
        keyReload = setInterval(() => keyRing.reload().catch((e: unknown) => logger.warn({ err: String(e) }, "key reload failed")), 60_000);
        keyReload.unref();
      }
      // last_used_at of API keys: collected in memory, written in one statement (once a minute per key).
      keyUsageFlush = setInterval(flushKeyUsage, 10_000);
      keyUsageFlush.unref();
      return { grpcPort, httpPort, opsPort };
    },
    async shutdown() {
      monitor.stop();
      if (keyReload) clearInterval(keyReload);
      const drainMs = Math.max(1000, config.server.shutdownTimeoutSeconds * 1000 - 2000);
      const deadline = Date.now() + drainMs;
      // REST first: stop accepting and let requests in progress finish (their calls run in
      // process through the gRPC server's handlers, counted in the same `inflight`), then
      // gRPC, which also waits for any such call the gateway stopped waiting for (deadline,
      // client gone), within the same drain budget.
      await gateway.close(deadline);
      await drainServer(server, inflight, deadline);
      // Last of the listeners: metrics stay readable while the others drain.
      await opsListener.close();
      await core.sessionStatus.stop();
      if (keyUsageFlush) clearInterval(keyUsageFlush);
      await flushKeyUsage();
      await core.apiKeys.status.stop();
      await core.subjectPlans.stop();
      core.notifiers.close();
      await deps.bus.close();
      if (deps.redis) await closeRedis(deps.redis);
      if (deps.quotaRedis) await closeRedis(deps.quotaRedis);
      await deps.db.close();
    },
  };
}
