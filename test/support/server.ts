/** Starts the real service in-process on port 0 with a fresh database, for integration tests. */
import { Writable } from "node:stream";
import type { Clock } from "../../src/application/ports/time.js";
import { loadConfig } from "../../src/config.js";
import { type App, type AppOptions, createApp } from "../../src/container.js";
import { createEmptyPostgresDatabase } from "./database.js";
import { type Clients, connect } from "./grpc.js";

export interface TestServer {
  app: App;
  port: number;
  /** The built-in REST gateway's port and `http://127.0.0.1:<port>`. */
  httpPort: number;
  baseUrl: string;
  /** The operators' listener (/metrics) and `http://127.0.0.1:<port>`. */
  opsPort: number;
  opsUrl: string;
  clients: Clients;
  /** Every log line written so far (JSON strings). */
  logs: string[];
  close(): Promise<void>;
}

/** A clock tests can move; starts at the real now. */
export class ManualClock implements Clock {
  private t = Date.now();
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export async function startTestServer(
  options: { env?: Record<string, string>; clock?: Clock; appOptions?: Pick<AppOptions, "wrapHasher" | "wrapUnitOfWork"> } = {},
): Promise<TestServer> {
  // With DATABASE__URL set (CI's second pass) each server gets its own scratch database on
  // that PostgreSQL; otherwise the embedded PGlite, in memory.
  const pg = process.env.DATABASE__URL && !options.env?.DATABASE__URL ? await createEmptyPostgresDatabase() : null;
  const env: Record<string, string> = {
    SERVER__HOST: "127.0.0.1",
    SERVER__GRPC_PORT: "0",
    SERVER__HTTP_PORT: "0",
    SERVER__OPS_PORT: "0",
    SERVER__ENVIRONMENT: "test",
    DATABASE__DATA_DIR: "memory://",
    LOG__LEVEL: "info",
    AUTH__IP_ATTEMPTS_PER_MINUTE: "100000",
    REDIS__KEY_PREFIX: `test:${Math.random().toString(36).slice(2, 10)}:`,
    ...(pg ? { DATABASE__URL: pg.url } : {}),
    ...(process.env.REDIS__URL ? { REDIS__URL: process.env.REDIS__URL } : {}),
    ...options.env,
  };
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((l) => l !== ""),
      );
      done();
    },
  });
  let app: App | undefined;
  try {
    app = await createApp(loadConfig(env), { logDestination: destination, ...options.appOptions, ...(options.clock ? { clock: options.clock } : {}) });
    const { grpcPort, httpPort, opsPort } = await app.start();
    const started = app;
    const clients = connect(grpcPort);
    return {
      app: started,
      port: grpcPort,
      httpPort,
      baseUrl: `http://127.0.0.1:${httpPort}`,
      opsPort,
      opsUrl: `http://127.0.0.1:${opsPort}`,
      clients,
      logs,
      async close() {
        clients.close();
        try {
          await started.shutdown();
        } finally {
          await pg?.drop();
        }
      },
    };
  } catch (err) {
    // A server that never started still owns its scratch database: drop it, or every failed
    // start-up leaves one behind on the shared PostgreSQL. The start-up error is the one to see.
    await app?.shutdown().catch(() => {});
    await pg?.drop().catch(() => {});
    throw err;
  }
}
