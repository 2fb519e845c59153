/**
 * Keeps the bench harness honest without timing anything: the baseline server answers the
 * messages it was given (and Login checks the password with one real argon2id verify), and
 * `npm run bench -- --quick validate` runs end to end against a real service on PostgreSQL and
 * Redis and ends with a well-formed BENCH_JSON line. No figure is compared to a target here.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBaseline } from "../../bench/processes.js";
import { rssVerdict } from "../../bench/soak.js";
import { LoginResponse, ValidateTokenResponse } from "../../src/gen/pb/auth/v1/auth_service.js";
import { call, connect, failure } from "../support/grpc.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

describe("the baseline server", () => {
  const validate: ValidateTokenResponse = {
    userId: "0190f6e4-7b7a-7000-8000-000000000001",
    username: "alice",
    sessionId: "0190f6e4-7b7a-7000-8000-000000000002",
    roles: ["user"],
    scopes: [],
    expiresAt: new Date("2030-01-01T00:00:00.000Z"),
  };
  const login = LoginResponse.fromPartial({ tokens: { accessToken: "a.b.c", refreshToken: "r1", tokenType: "Bearer" } });
  let baseline: Awaited<ReturnType<typeof startBaseline>>;
  let clients: ReturnType<typeof connect>;
  beforeAll(async () => {
    baseline = await startBaseline({
      responses: { validateToken: b64(ValidateTokenResponse.encode(validate).finish()), login: b64(LoginResponse.encode(login).finish()) },
      // The service's defaults (src/config.ts): the bench reads them through loadConfig.
      argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
      password: "correct horse battery staple",
    });
    clients = connect(baseline.port);
  });
  afterAll(async () => {
    clients?.close();
    await baseline?.stop();
  });

  it("answers ValidateToken with the message it was given", async () => {
    expect(await call(clients.auth, clients.auth.validateToken, { accessToken: "anything" })).toEqual(validate);
  });

  it("answers Login only for the right password (one argon2id verify)", async () => {
    const request = { identifier: "alice", password: "correct horse battery staple", otpCode: "", deviceName: "t" };
    expect(await call(clients.auth, clients.auth.login, request)).toEqual(login);
    expect((await failure(call(clients.auth, clients.auth.login, { ...request, password: "wrong password" }))).code).toBe(status.UNAUTHENTICATED);
  });

  it("answers UNIMPLEMENTED for a method it was given no response for", async () => {
    expect((await failure(call(clients.auth, clients.auth.refreshToken, { refreshToken: "r1" }))).code).toBe(status.UNIMPLEMENTED);
  });
});

it("npm run bench -- --quick validate ends with a well-formed BENCH_JSON line", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", "validate"], {
    cwd: ROOT,
    env: { ...process.env, BENCH_ROUNDS: "2", BENCH_SECONDS: "0.5", BENCH_WARMUP_SECONDS: "0.2", BENCH_RAMP_SECONDS: "0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  child.stderr.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  const code = await new Promise<number | string>((resolve) => child.once("close", (c, s) => resolve(c ?? s ?? -1)));
  clearTimeout(timer);
  expect(code, out).toBe(0);
  const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  expect(line, out).toBeDefined();
  const json = JSON.parse(line!.slice("BENCH_JSON ".length));
  expect(json).toMatchObject({ version: 1, kind: "ratios", backend: "postgresql+redis", rounds: 2, seconds: 0.5, concurrency: 64, errors: 0 });
  expect(json.results).toHaveLength(1);
  const [r] = json.results;
  expect(r).toMatchObject({ scenario: "validate", target: 0.9, service: { errors: 0 }, baseline: { errors: 0 } });
  expect(r.roundRatios).toHaveLength(2);
  for (const side of [r.service, r.baseline]) {
    expect(side.requests).toBeGreaterThan(0);
    expect(side.perSecond).toBeGreaterThan(0);
    expect(side.p99Ms).toBeGreaterThanOrEqual(side.p50Ms);
  }
  // The ratio is the two sides' throughputs over the same rounds, not a figure from elsewhere.
  expect(r.ratio).toBeCloseTo(r.service.perSecond / r.baseline.perSecond, 1);
  expect(r.pass).toBe(r.ratio >= 0.9);
  expect(json.rss.idleMiB).toBeGreaterThan(10);
  expect(json.rss.afterLoadMiB).toBeGreaterThan(10);
  expect(json.rss.peakMiB).toBeGreaterThanOrEqual(json.rss.afterLoadMiB);
}, 120_000);

describe("the soak's RSS verdict", () => {
  const at = (pairs: [number, number][]) => pairs.map(([t, rssMiB]) => ({ t, rssMiB }));

  it("takes the sample after the first minute as the reference and passes a flat line", () => {
    const v = rssVerdict(
      at([
        [10, 300],
        [60, 320],
        [70, 330],
        [600, 340],
      ]),
      600,
      0.1,
    );
    expect(v).toEqual({ referenceMiB: 320, maxAfterMiB: 340, growth: 0.063, pass: true });
  });

  it("fails growth beyond the tolerance, and a run with no sample after the reference", () => {
    expect(
      rssVerdict(
        at([
          [60, 400],
          [70, 450],
        ]),
        600,
        0.1,
      ),
    ).toMatchObject({ growth: 0.125, pass: false });
    expect(rssVerdict(at([[60, 400]]), 600, 0.1).pass).toBe(false);
  });

  it("uses half the run as the reference point for a run shorter than two minutes", () => {
    expect(
      rssVerdict(
        at([
          [10, 100],
          [20, 200],
          [30, 205],
        ]),
        40,
        0.1,
      ),
    ).toMatchObject({ referenceMiB: 200, maxAfterMiB: 205, pass: true });
  });
});
