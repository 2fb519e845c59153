/**
 * Load harness: starts the service as its own process (embedded defaults, or PostgreSQL/Redis
 * when DATABASE__URL / REDIS__URL are set) and drives it over gRPC from this process.
 *   npm run bench                     # all scenarios
 *   npm run bench -- validate login   # some of them
 * Every loop is bounded in count and time; traffic goes to 127.0.0.1 only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/adapters/prisma/client.js";
import { PrismaUnitOfWork } from "../src/adapters/prisma/unit-of-work.js";
import { apiKeyClient, createServiceKey } from "../test/support/api-key-server.js";
import { createEmptyPostgresDatabase } from "../test/support/database.js";
import { PASSWORD, registerUser } from "../test/support/fixtures.js";
import { type Clients, call, connect } from "../test/support/grpc.js";
import { type ServiceProcess, spawnService } from "../test/support/process.js";
import { checkQuota, planClient } from "../test/support/quota.js";

interface Result {
  scenario: string;
  requests: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function measure(scenario: string, total: number, concurrency: number, maxSeconds: number, op: (i: number) => Promise<unknown>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (next < total && performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      try {
        await op(i);
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 100) / 100;
  return {
    scenario,
    requests: latencies.length,
    concurrency,
    seconds: Math.round(seconds * 100) / 100,
    perSecond: Math.round(latencies.length / seconds),
    p50: q(0.5),
    p99: q(0.99),
    errors,
  };
}

const scenarios: Record<string, (c: Clients) => Promise<Result[]>> = {
  async validate(c) {
    const reg = await registerUser(c);
    const token = reg.tokens!.accessToken;
    await call(c.auth, c.auth.validateToken, { accessToken: token });
    return [
      await measure("ValidateToken (1 in flight)", 2000, 1, 20, () => call(c.auth, c.auth.validateToken, { accessToken: token })),
      await measure("ValidateToken (64 in flight)", 20000, 64, 30, () => call(c.auth, c.auth.validateToken, { accessToken: token })),
      ...(await validateApiKey(token)),
    ];
  },
  /** CheckQuota at the same concurrency as ValidateToken: an enterprise user, so every call counts in the store. */
  async quota(c) {
    const reg = await registerUser(c);
    const plans = planClient(service.port);
    try {
      await call(plans, plans.changePlan, { userId: reg.user!.id, planCode: "enterprise" }, { metadata: { "x-api-key": adminKey } });
      await checkQuota(plans, serviceKey, { userId: reg.user!.id, serviceCode: "cvmaker" });
      return [await measure("CheckQuota (64 in flight)", 20000, 64, 30, () => checkQuota(plans, serviceKey, { userId: reg.user!.id, serviceCode: "cvmaker" }))];
    } finally {
      plans.close();
    }
  },
  async login(c) {
    const reg = await registerUser(c);
    return [
      await measure("Login (8 in flight)", 400, 8, 30, () =>
        call(c.auth, c.auth.login, { identifier: reg.username, password: PASSWORD, otpCode: "", deviceName: "bench" }),
      ),
    ];
  },
  async register(c) {
    return [await measure("Register (8 in flight)", 300, 8, 30, () => registerUser(c))];
  },
  async refresh(c) {
    // Each worker rotates its own chain: every call is a real rotation, never a retry.
    const chains = await Promise.all(Array.from({ length: 16 }, async () => (await registerUser(c)).tokens!.refreshToken));
    return [
      await measure("RefreshToken (16 in flight)", 3000, 16, 30, async (i) => {
        const k = i % 16;
        const r = await call(c.auth, c.auth.refreshToken, { refreshToken: chains[k]! });
        chains[k] = r.tokens!.refreshToken;
      }),
    ];
  },
  async sessions(c) {
    const reg = await registerUser(c);
    const bearer = reg.tokens!.accessToken;
    return [
      await measure("ListSessions (32 in flight)", 5000, 32, 30, () => call(c.sessions, c.sessions.listSessions, { pageSize: 0, pageToken: "" }, { bearer })),
    ];
  },
};

/** ValidateApiKey beside ValidateToken: a user's key checked with a service credential (x-api-key). */
async function validateApiKey(bearer: string): Promise<Result[]> {
  const keys = apiKeyClient(service.port);
  try {
    const { secret } = await call(keys, keys.createApiKey, { name: "bench", scopes: ["read"], expireTime: undefined }, { bearer });
    const asService = { metadata: { "x-api-key": serviceKey } };
    await call(keys, keys.validateApiKey, { key: secret }, asService);
    return [await measure("ValidateApiKey (64 in flight)", 20000, 64, 30, () => call(keys, keys.validateApiKey, { key: secret }, asService))];
  } finally {
    keys.close();
  }
}

const wanted = process.argv.slice(2).filter((a) => a in scenarios);
const dir = mkdtempSync(join(tmpdir(), "auth-bench-"));
// With DATABASE__URL the bench runs in a scratch database on that server, dropped afterwards.
const pg = process.env.DATABASE__URL ? await createEmptyPostgresDatabase() : null;
let service: ServiceProcess;
/** The service credential ValidateApiKey is called with, written before the service starts (PGlite has one process). */
let serviceKey = "";
/** ChangePlan's credential (the quota scenario moves its user to enterprise). */
let adminKey = "";
try {
  const direct = await openDatabase({ url: pg?.url, dataDir: join(dir, "db"), poolSize: 2 });
  try {
    const uow = new PrismaUnitOfWork(direct.prisma, { transactionTimeoutMs: 10_000 });
    serviceKey = (await createServiceKey(uow)).secret;
    adminKey = (await createServiceKey(uow, ["admin"])).secret;
  } finally {
    await direct.close();
  }
  service = await spawnService({
    // Production's level: every call writes one log line, so the figures include logging.
    LOG__LEVEL: "info",
    AUTH__IP_ATTEMPTS_PER_MINUTE: "1000000",
    AUTH__MAX_FAILED_LOGINS: "100",
    DATABASE__DATA_DIR: join(dir, "db"),
    ...(pg ? { DATABASE__URL: pg.url } : {}),
    ...(process.env.REDIS__URL ? { REDIS__URL: process.env.REDIS__URL } : {}),
  });
} catch (err) {
  // The service never started (spawnService killed it): the scratch database and folder are
  // still ours to remove, or each failed run leaves them behind.
  await pg?.drop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
  throw err;
}
const clients = connect(service.port);
try {
  const results: Result[] = [];
  for (const name of wanted.length > 0 ? wanted : Object.keys(scenarios)) results.push(...(await scenarios[name]!(clients)));
  const backend = `${process.env.DATABASE__URL ? "PostgreSQL" : "PGlite"} + ${process.env.REDIS__URL ? "Redis" : "in-process"}`;
  console.log(`\nauth-service bench — ${backend}, node ${process.version}, client and server on one 2-core machine\n`);
  console.log("| scenario | requests | req/s | p50 ms | p99 ms | errors |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of results) console.log(`| ${r.scenario} | ${r.requests} | ${r.perSecond} | ${r.p50} | ${r.p99} | ${r.errors} |`);
} finally {
  clients.close();
  await service.stop();
  await pg?.drop();
  rmSync(dir, { recursive: true, force: true });
}
