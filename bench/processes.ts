/**
 * The processes a bench run starts: the service (as `npm start` runs it, on a fresh PostgreSQL
 * database and Redis), the baseline server, and the scratch databases; and RSS read from /proc.
 * Every process is started by us and stopped by us (SIGTERM, then SIGKILL after a bound).
 */
import { type ChildProcess, execFile, fork, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BaselineConfig } from "./baseline-server.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);

/** The PostgreSQL server the bench makes its scratch databases on (DATABASE__URL names the server; its database is not touched). */
export function postgresServerUrl(): string {
  return process.env.DATABASE__URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

export function redisUrl(): string {
  return process.env.REDIS__URL ?? "redis://127.0.0.1:6379";
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database made with psql (the service migrates it when it starts). */
export async function createDatabase(label: string): Promise<ScratchDatabase> {
  // An identifier, not a parameter: keep it [a-z0-9_].
  const name = `auth_bench_${label.replace(/[^a-z0-9]/g, "")}_${randomBytes(4).toString("hex")}`;
  const server = postgresServerUrl();
  await psql(server, `CREATE DATABASE "${name}"`);
  return {
    name,
    url: withDatabase(server, name),
    drop: () => psql(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined),
  };
}

export async function psql(url: string, sql: string): Promise<string> {
  const { stdout } = await run("psql", [url, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * How the service is started: the compiled build when there is one (`node dist/main.js`, what
 * `npm start` runs), else the sources through tsx. BENCH_SERVICE=tsx|dist forces one.
 */
export function serviceCommand(): { args: string[]; kind: "dist" | "tsx" } {
  const dist = join(ROOT, "dist", "main.js");
  const forced = process.env.BENCH_SERVICE;
  if (forced === "dist" || (forced !== "tsx" && existsSync(dist))) return { args: [dist], kind: "dist" };
  return { args: ["--import", "tsx", join(ROOT, "src", "main.ts")], kind: "tsx" };
}

/** A field of /proc/<pid>/status in MiB (VmRSS: resident memory; RssAnon: its heap-like part). */
function statusMiB(pid: number, field: "VmRSS" | "RssAnon"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(status);
  if (!m) throw new Error(`no ${field} for pid ${pid}`);
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

/** Resident memory of a process in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid: number): number {
  return statusMiB(pid, "VmRSS");
}

/** The anonymous part of it (JS heap, native allocations), without mapped files. */
export function rssAnonMiB(pid: number): number {
  return statusMiB(pid, "RssAnon");
}

export interface Service {
  pid: number;
  grpcPort: number;
  httpPort: number;
  kind: "dist" | "tsx";
  /** The last lines the service wrote (its log goes to a file, not through the bench's CPU). */
  logTail(lines?: number): string;
  rss(): number;
  rssAnon(): number;
  stop(): Promise<void>;
  /** SIGKILL at once, for a watchdog that is about to exit. */
  kill(): void;
}

/** The environment every bench run gives the service, on top of the database and Redis. */
export function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    // As `npm start` runs it (package.json): glibc returns argon2's 19 MiB buffers to the system.
    MALLOC_MMAP_THRESHOLD_: "131072",
    SERVER__ENVIRONMENT: "production",
    SERVER__HOST: "127.0.0.1",
    SERVER__OPS_HOST: "127.0.0.1",
    SERVER__GRPC_PORT: "0",
    SERVER__HTTP_PORT: "0",
    SERVER__OPS_PORT: "0",
    // Production requires it (signing keys are stored sealed); a fresh one per run.
    CRYPTO__ENCRYPTION_KEY: randomBytes(32).toString("base64url"),
    DATABASE__URL: databaseUrl,
    REDIS__URL: redisUrl(),
    // Our own keys and channels: tests share this Redis.
    REDIS__KEY_PREFIX: `bench${randomBytes(4).toString("hex")}:`,
    // Production's level, so the figures include logging (a line per call; the hot reads sampled).
    LOG__LEVEL: "info",
    // One client address sends everything: the per-IP limit would otherwise be what is measured.
    AUTH__IP_ATTEMPTS_PER_MINUTE: "1000000",
    AUTH__MAX_FAILED_LOGINS: "100",
    // Tracing, when the bench itself is run with it (OTEL_EXPORTER_OTLP_ENDPOINT=... npm run bench): its cost.
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("OTEL_") && e[1] !== undefined)),
    // Settings to try under the bench's load: BENCH_SERVICE_ENV="DATABASE__POOL_SIZE=20 UV_THREADPOOL_SIZE=6".
    ...Object.fromEntries(
      (process.env.BENCH_SERVICE_ENV ?? "")
        .split(" ")
        .filter((kv) => kv.includes("="))
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    ),
    ...extra,
  };
}

/** Starts the service as its own process; resolves once it logs that it listens. */
export async function startService(env: Record<string, string>, timeoutMs = 60_000): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), "auth-bench-log-"));
  const logPath = join(dir, "service.log");
  const fd = openSync(logPath, "w");
  const { args, kind } = serviceCommand();
  // A profile of the service under the bench's load: BENCH_SERVICE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const logTail = (lines = 20) => {
    try {
      return readFileSync(logPath, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  let ended: number | string | null = null;
  void exited.then((code) => {
    ended = code;
  });
  const started = Date.now();
  let ports: { grpcPort: number; httpPort: number } | null = null;
  while (ports === null) {
    if (ended !== null) {
      const tail = logTail(40);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`service exited (${ended}) before listening:\n${tail}`);
    }
    if (Date.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      await exited;
      const tail = logTail(40);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`service did not start within ${timeoutMs} ms:\n${tail}`);
    }
    await sleep(100);
    const line = readFileSync(logPath, "utf8")
      .split("\n")
      .find((l) => l.includes('"auth-service listening"'));
    if (line) ports = JSON.parse(line) as { grpcPort: number; httpPort: number };
  }
  return {
    pid: child.pid!,
    grpcPort: ports.grpcPort,
    httpPort: ports.httpPort,
    kind,
    logTail,
    rss: () => rssMiB(child.pid!),
    rssAnon: () => rssAnonMiB(child.pid!),
    stop: async () => {
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

export interface Baseline {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** The baseline server (bench/baseline-server.ts) in its own process, answering `config`'s fixed responses. */
export async function startBaseline(config: BaselineConfig, timeoutMs = 30_000): Promise<Baseline> {
  const file = join(ROOT, "bench", "baseline-server.ts");
  // The same Node flags the service runs under, plus tsx to load the TypeScript file.
  const child = fork(file, [], {
    cwd: ROOT,
    execArgv: ["--import", "tsx"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("baseline server did not start"));
    }, timeoutMs);
    child.once("message", (m: { port?: number; error?: string }) => {
      clearTimeout(timer);
      if (typeof m.port === "number") resolve(m.port);
      else {
        child.kill("SIGKILL");
        reject(new Error(`baseline server failed: ${m.error ?? "unknown"}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`baseline server exited (${code})`));
    });
    child.send(config);
  });
  return {
    pid: child.pid!,
    port,
    stop: async () => {
      if (child.connected) child.disconnect();
      await stopChild(child, exited);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
