import "dotenv/config";
import { ConfigError, loadConfig } from "./config.js";
import { createApp } from "./container.js";

/** Starts the service; SIGTERM/SIGINT drain it and exit 0 within SERVER__SHUTDOWN_TIMEOUT_SECONDS. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  const { grpcPort, httpPort, opsPort } = await app.start();
  app.logger.info(
    { grpcPort, httpPort, host: config.server.host, opsPort, opsHost: config.server.opsHost, environment: config.server.environment },
    "auth-service listening",
  );

  let shuttingDown = false;
  const stop = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    app.logger.info({ signal }, "shutting down: draining calls");
    const hardExit = setTimeout(() => process.exit(1), config.server.shutdownTimeoutSeconds * 1000);
    hardExit.unref();
    app.shutdown().then(
      () => {
        app.logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        app.logger.error({ err: String(error) }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  // One line, no stack: start-up failures are configuration or reachability problems.
  process.stderr.write(`auth-service failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
