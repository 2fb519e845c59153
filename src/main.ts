// Only these two are static imports (they are hoisted): .env fills process.env, and the OTEL_*
// check imports nothing of OpenTelemetry. Everything that loads grpc-js, pg, ioredis or
// node:http is imported below, after tracing is set up, so the instrumentations can patch it
// (docs/tracing.md, "Load order"). With no OTEL_* configured no OpenTelemetry module loads.
import "dotenv/config";
import { tracingRequested } from "./telemetry/enabled.js";

/** Starts the service; SIGTERM/SIGINT drain it and exit 0 within SERVER__SHUTDOWN_TIMEOUT_SECONDS. */
async function main(): Promise<void> {
  const tracing = tracingRequested(process.env) ? (await import("./telemetry/tracing.js")).startTracing() : null;
  const { ConfigError, loadConfig } = await import("./config.js");
  const { createApp } = await import("./container.js");
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
    app
      .shutdown()
      // The last spans (the drained calls') go out before the process ends.
      .then(() => tracing?.shutdown())
      .then(
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
