import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "../support/fixtures.js";
import { call, failure } from "../support/grpc.js";
import { spawnMain } from "../support/process.js";
import { startTestServer, type TestServer } from "../support/server.js";

describe("JWT__ALGORITHM=HS256", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { JWT__ALGORITHM: "HS256", JWT__SECRET_KEY: "an-hs256-secret-that-is-long-enough-000" } });
  });
  afterAll(async () => server?.close());

  it("issues HS256 tokens that validate, and publishes no key", async () => {
    const { auth } = server.clients;
    const reg = await registerUser(server.clients);
    const header = JSON.parse(Buffer.from(reg.tokens!.accessToken.split(".")[0]!, "base64url").toString());
    expect(header).toMatchObject({ alg: "HS256", typ: "at+jwt" });
    expect((await call(auth, auth.validateToken, { accessToken: reg.tokens!.accessToken })).userId).toBe(reg.user!.id);
    expect((await call(auth, auth.getJwks, {})).keys).toEqual([]); // a shared secret is never published
  });

  it("refuses an EdDSA-looking token", async () => {
    const reg = await registerUser(server.clients);
    const [, p, sig] = reg.tokens!.accessToken.split(".");
    const swapped = `${Buffer.from(JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid: "x" })).toString("base64url")}.${p}.${sig}`;
    expect((await failure(call(server.clients.auth, server.clients.auth.validateToken, { accessToken: swapped }))).reason).toBe("TOKEN_INVALID");
  });
});

describe("a bad configuration", () => {
  it("stops the process with exit 2 and one line per problem, echoing no value", async () => {
    const secret = "short-secret";
    // Killed if it hangs instead of exiting: the exit code is then "SIGKILL", not 2.
    const main = spawnMain({ SERVER__GRPC_PORT: "not-a-port", JWT__ALGORITHM: "HS256", JWT__SECRET_KEY: secret, LOG__LEVEL: "loud" }, { killAfterMs: 20_000 });
    expect(await main.exited).toBe(2);
    const stderr = main.stderr;
    const lines = stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(/^config error: SERVER__GRPC_PORT: /),
      expect.stringMatching(/^config error: JWT__SECRET_KEY: must be at least 32 characters/),
      expect.stringMatching(/^config error: LOG__LEVEL: /),
    ]);
    expect(stderr).not.toContain(secret);
    expect(stderr).not.toContain("loud");
    expect(stderr).not.toMatch(/at .*\.ts:\d+/); // no stack
  }, 30_000);
});

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

describe("safe by construction: outside production the service binds loopback only", () => {
  const base = { SERVER__GRPC_PORT: "0", SERVER__HTTP_PORT: "0", SERVER__OPS_PORT: "0", DATABASE__DATA_DIR: "memory://" };

  it("a forgotten SERVER__ENVIRONMENT with a wildcard bind stops with exit 2 and tells the operator to set production", async () => {
    const envs: Record<string, string>[] = [
      { SERVER__HOST: "0.0.0.0" },
      { SERVER__HOST: "::", SERVER__ENVIRONMENT: "development" },
      { SERVER__OPS_HOST: "0.0.0.0", SERVER__ENVIRONMENT: "test" },
    ];
    for (const env of envs) {
      const main = spawnMain({ ...base, ...env }, { killAfterMs: 20_000 });
      expect(await main.exited, JSON.stringify(env)).toBe(2);
      const lines = main.stderr.trim().split("\n");
      expect(lines).toEqual([expect.stringMatching(/^config error: SERVER__(OPS_)?HOST: .*loopback.*SERVER__ENVIRONMENT=production/)]);
    }
  }, 60_000);

  it("with no host set it listens on 127.0.0.1 only: gRPC, REST and the operators' listener (which alone serves /metrics)", async () => {
    let listening: (line: Record<string, unknown>) => void = () => {};
    const seen = new Promise<Record<string, unknown>>((resolve) => (listening = resolve));
    const main = spawnMain(base, {
      killAfterMs: 40_000,
      onLine: (line) => {
        if (line.includes('"auth-service listening"')) listening(JSON.parse(line) as Record<string, unknown>);
      },
    });
    try {
      const log = await Promise.race([seen, main.exited.then((code) => Promise.reject(new Error(`exited ${code}: ${main.stderr}`)))]);
      expect(log).toMatchObject({ host: "127.0.0.1", opsHost: "127.0.0.1", environment: "development" });
      const [grpcPort, httpPort, opsPort] = [log.grpcPort, log.httpPort, log.opsPort] as number[];
      expect(new Set([grpcPort, httpPort, opsPort]).size).toBe(3);
      expect((await fetch(`http://127.0.0.1:${opsPort}/metrics`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${httpPort}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
      // Not reachable on this machine's other addresses.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && !a.internal && a.family === "IPv4")?.address;
      if (external) {
        for (const port of [grpcPort, httpPort, opsPort]) expect(await accepts(external, port!), `${external}:${port}`).toBe(false);
        expect(await accepts("127.0.0.1", httpPort!)).toBe(true);
      }
    } finally {
      main.child.kill("SIGTERM");
      await main.exited;
    }
  }, 60_000);
});
