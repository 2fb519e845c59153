/** Runs the service as a real process (`node --import tsx src/main.ts`), as `npm start` does. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  /** Every stdout/stderr line so far. */
  lines: string[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(): Promise<number | string>;
}

export async function spawnService(env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", SERVER__HOST: "127.0.0.1", SERVER__GRPC_PORT: "0", SERVER__HTTP_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started service behind (it would hold ports and CPU after the run).
      child.kill("SIGKILL");
      reject(new Error(`service did not start:\n${lines.join("\n")}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > 2000) lines.splice(0, lines.length - 1000); // a long run: keep the tail
      if (!line.includes('"auth-service listening"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line).grpcPort);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffer = "";
      stream.on("data", (chunk: Buffer) => {
        buffer += chunk.toString("utf8");
        const parts = buffer.split("\n");
        buffer = parts.pop() ?? "";
        parts.filter((l) => l !== "").forEach(onLine);
      });
    }
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
