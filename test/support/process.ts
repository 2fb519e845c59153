/**
 * Runs the service as a real process from its sources (`node --import tsx src/main.ts`), so a
 * test needs no build; `npm start` runs the same entry point compiled (test/ops/compiled-start.test.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface MainProcess {
  child: ChildProcess;
  /** Every complete stdout/stderr line so far, in arrival order (a long run keeps the tail). */
  lines: string[];
  /** Everything written to stderr so far: where a refused start-up explains itself. */
  readonly stderr: string;
  /** Resolves with the exit code (or signal name) once the process has ended and its output is read. */
  exited: Promise<number | string>;
}

export interface SpawnMainOptions {
  /**
   * SIGKILL the process if it is still running after this long: for a run that is expected
   * to end by itself, so a hang fails the test (exit "SIGKILL") instead of leaking a process.
   */
  killAfterMs?: number;
  /** Called with each complete line as it arrives, after it was added to `lines`. */
  onLine?: (line: string) => void;
}

/**
 * src/main.ts in a child process with only `env` (plus PATH and HOME): nothing of the test
 * runner's environment leaks in, so the configuration under test is exactly what is passed.
 */
export function spawnMain(env: Record<string, string>, options: SpawnMainOptions = {}): MainProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  // "close", not "exit": it comes after the output pipes are drained, so `stderr` is complete.
  const exited = new Promise<number | string>((resolve) => child.once("close", (code, signal) => resolve(code ?? signal ?? -1)));
  if (options.killAfterMs !== undefined) {
    const timer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs);
    void exited.then(() => clearTimeout(timer));
  }
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffer = "";
    stream.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      if (stream === child.stderr) stderr += text;
      buffer += text;
      const parts = buffer.split("\n");
      buffer = parts.pop() ?? "";
      for (const line of parts) {
        if (line === "") continue;
        lines.push(line);
        if (lines.length > 2000) lines.splice(0, lines.length - 1000);
        options.onLine?.(line);
      }
    });
  }
  return {
    child,
    lines,
    exited,
    get stderr() {
      return stderr;
    },
  };
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(): Promise<number | string>;
}

/** The service on ports chosen by the OS, once it logs that it listens (else killed after `timeoutMs`). */
export async function spawnService(env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> {
  // Set below, before any output can arrive (stream events come on a later tick).
  let listening: (port: number) => void = () => {};
  const { child, lines, exited } = spawnMain(
    { SERVER__HOST: "127.0.0.1", SERVER__GRPC_PORT: "0", SERVER__HTTP_PORT: "0", SERVER__OPS_PORT: "0", ...env },
    {
      onLine: (line) => {
        if (line.includes('"auth-service listening"')) listening(JSON.parse(line).grpcPort);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started service behind (it would hold ports and CPU after the run).
      child.kill("SIGKILL");
      reject(new Error(`service did not start:\n${lines.join("\n")}`));
    }, timeoutMs);
    listening = (p) => {
      clearTimeout(timer);
      resolve(p);
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited (${code}) before listening:\n${lines.join("\n")}`));
    });
  });
  return {
    child,
    port,
    lines,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
