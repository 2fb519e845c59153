import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerUser } from "./support/fixtures.js";
import { call, failure } from "./support/grpc.js";
import { spawnMain } from "./support/process.js";
import { startTestServer, type TestServer } from "./support/server.js";

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
    const main = spawnMain(
      { SERVER__GRPC_PORT: "not-a-port", JWT__ALGORITHM: "HS256", JWT__SECRET_KEY: secret, LOG__LEVEL: "loud" },
      { killAfterMs: 20_000 },
    );
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
