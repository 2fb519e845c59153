/**
 * `npm start` runs the compiled service (dist/main.js), not a TypeScript loader. This builds it
 * with the real `npm run build`, starts `node dist/main.js` on a fresh PostgreSQL database (so
 * the migrations, the descriptor set, /openapi.json and the /docs assets must all be found from
 * dist/), and records every module the process resolves (test/support/record-modules.mjs):
 * neither tsx nor the embedded database (PGlite, its Prisma adapter, the WASM schema engine)
 * may be among them. The same recorder on the embedded configuration does see PGlite, so the
 * check can fail.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmptyPostgresDatabase, databaseKinds } from "../support/database.js";
import { registerUser } from "../support/fixtures.js";
import { call, connect } from "../support/grpc.js";
import { redisUrlForTests, uniqueTestId } from "../support/redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RECORDER = fileURLToPath(new URL("../support/record-modules.mjs", import.meta.url));
const hasPostgres = (await databaseKinds()).includes("postgres");
const EMBEDDED_ONLY = /@electric-sql\/pglite|pglite-prisma-adapter|@prisma\/schema-engine-wasm/;

interface Started {
  child: ChildProcess;
  grpcPort: number;
  httpPort: number;
  /** Resolved module URLs so far. */
  modules(): string[];
  stop(): Promise<void>;
}

/** `node --import record-modules.mjs dist/main.js` with only `env`, once it logs that it listens. */
async function startCompiled(env: Record<string, string>, dir: string): Promise<Started> {
  const log = join(dir, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const child = spawn(process.execPath, ["--import", RECORDER, "dist/main.js"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      MODULE_LOG: log,
      SERVER__HOST: "127.0.0.1",
      SERVER__GRPC_PORT: "0",
      SERVER__HTTP_PORT: "0",
      SERVER__OPS_PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  let output = "";
  const ports = await new Promise<{ grpcPort: number; httpPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`dist/main.js did not start:\n${output}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const line = output.split("\n").find((l) => l.includes('"auth-service listening"'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`dist/main.js exited before listening:\n${output}`));
    });
  });
  return {
    child,
    ...ports,
    modules: () => readFileSync(log, "utf8").split("\n").filter(Boolean),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

describe.runIf(hasPostgres)("the compiled service (npm start)", () => {
  let dir: string;
  let pg: { url: string; drop(): Promise<void> };
  let service: Started | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "auth-compiled-"));
    execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "pipe" });
    pg = await createEmptyPostgresDatabase();
    const redis = await redisUrlForTests();
    service = await startCompiled({ DATABASE__URL: pg.url, ...(redis ? { REDIS__URL: redis, REDIS__KEY_PREFIX: `${uniqueTestId("compiled")}:` } : {}) }, dir);
  }, 240_000);

  afterAll(async () => {
    await service?.stop();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts from dist/ on PostgreSQL: migrated, healthy, the docs and the contract served, calls answered", async () => {
    const base = `http://127.0.0.1:${service!.httpPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    expect(((await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string }).openapi).toMatch(/^3\./);
    const clients = connect(service!.grpcPort);
    try {
      // Register writes to tables only the migrations create; ValidateToken reads them back.
      const reg = await registerUser(clients);
      expect((await call(clients.auth, clients.auth.validateToken, { accessToken: reg.tokens!.accessToken })).userId).toBe(reg.user!.id);
    } finally {
      clients.close();
    }
  });

  it("runs compiled JavaScript and never loads the embedded database", () => {
    const modules = service!.modules();
    expect(modules).toContain(`file://${ROOT}dist/main.js`);
    expect(modules.some((m) => m.includes("/node_modules/@prisma/adapter-pg/"))).toBe(true); // the recorder sees packages
    expect(modules.filter((m) => /\/node_modules\/tsx\//.test(m) || m.startsWith(`file://${ROOT}src/`))).toEqual([]);
    expect(modules.filter((m) => EMBEDDED_ONLY.test(m))).toEqual([]);
    // Loaded on the first passkey ceremony, not at start (~15 MB of resident memory).
    expect(modules.filter((m) => m.includes("/node_modules/@simplewebauthn/"))).toEqual([]);
  });

  it("does load PGlite when no database URL is configured (the recorder would notice)", async () => {
    const embedded = await startCompiled({ DATABASE__DATA_DIR: "memory://" }, dir);
    try {
      expect(embedded.modules().some((m) => m.includes("/node_modules/@electric-sql/pglite/"))).toBe(true);
    } finally {
      await embedded.stop();
    }
  }, 90_000);
});
