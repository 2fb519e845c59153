/**
 * `npm run bench -- scale`: ValidateToken, Login and RefreshToken latency with 10,000 and with
 * 1,000,000 users in the database. Two services run side by side, each on its own fresh
 * database seeded in bulk (bench/seed-users.ts); one client alternates rounds between them, so
 * the growth factors (1M over 10k, p50 and p99) see the same machine noise. Target: at most 1.2.
 * BENCH_SCALE_USERS=10000,1000000 and BENCH_SCALE_CONCURRENCY (16) change the set-up.
 */
import { PASSWORD } from "../test/support/fixtures.js";
import { type Clients, call, connect } from "../test/support/grpc.js";
import { type CompareOptions, type Comparison, compare, type Op } from "./measure.js";
import { createDatabase, type ScratchDatabase, type Service, serviceEnv, startService } from "./processes.js";
import { argon2FromConfig, seededUsername, seedHash, seedUsers } from "./seed-users.js";

export const GROWTH_TARGET = 1.2;

interface Side {
  users: number;
  db: ScratchDatabase;
  service: Service;
  clients: Clients;
  seedSeconds: number;
}

const loginOf = (n: number) => ({ identifier: seededUsername(n), password: PASSWORD, otpCode: "", deviceName: "bench" });
const pick = (users: number) => 1 + Math.floor(Math.random() * users);

function chainOp(c: Clients, chains: string[]): Op {
  return async () => {
    const token = chains.pop();
    if (token === undefined) throw new Error("no free refresh chain");
    let next = token;
    try {
      next = (await call(c.auth, c.auth.refreshToken, { refreshToken: token })).tokens!.refreshToken;
    } finally {
      chains.push(next);
    }
  };
}

async function paths(side: Side, concurrency: number): Promise<Record<"validate" | "login" | "refresh", Op>> {
  const c = side.clients;
  const first = await call(c.auth, c.auth.login, loginOf(pick(side.users)));
  const token = first.tokens!.accessToken;
  const chains = await Promise.all(
    Array.from({ length: concurrency }, async () => (await call(c.auth, c.auth.login, loginOf(pick(side.users)))).tokens!.refreshToken),
  );
  return {
    validate: () => call(c.auth, c.auth.validateToken, { accessToken: token }),
    login: () => call(c.auth, c.auth.login, loginOf(pick(side.users))),
    refresh: chainOp(c, chains),
  };
}

export async function runScale(options: CompareOptions & { quick: boolean }): Promise<number> {
  const sizes = (process.env.BENCH_SCALE_USERS ?? "10000,1000000").split(",").map(Number);
  if (sizes.length !== 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("BENCH_SCALE_USERS must be two user counts, e.g. 10000,1000000");
  const concurrency = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 16);
  const sides: Side[] = [];
  try {
    for (const users of sizes) {
      const db = await createDatabase(`scale${users}`);
      const env = serviceEnv(db.url);
      let service: Service;
      try {
        service = await startService(env); // migrates the fresh database
      } catch (error) {
        await db.drop();
        throw error;
      }
      const side: Side = { users, db, service, clients: connect(service.grpcPort), seedSeconds: 0 };
      sides.push(side);
      const hash = await seedHash(argon2FromConfig(env));
      const seeded = await seedUsers(db.url, users, hash, (done) => console.error(`${db.name}: ${done.toLocaleString("en-US")} users`));
      side.seedSeconds = seeded.seconds;
      console.error(`seeded ${users.toLocaleString("en-US")} users in ${seeded.seconds} s`);
    }
    const [small, large] = sides as [Side, Side];
    const opsSmall = await paths(small, concurrency);
    const opsLarge = await paths(large, concurrency);
    const results: (Comparison & { path: string })[] = [];
    for (const path of ["validate", "login", "refresh"] as const) {
      const r = await compare(
        `${path} ${large.users} vs ${small.users} users`,
        { label: `${large.users} users`, op: opsLarge[path] },
        { label: `${small.users} users`, op: opsSmall[path] },
        null,
        { ...options, concurrency },
      );
      results.push({ ...r, path });
      console.error(`${path}: p50 ${r.b.p50} → ${r.a.p50} ms, p99 ${r.b.p99} → ${r.a.p99} ms`);
    }
    const growth = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
    console.log(
      `\nauth-service scale bench — PostgreSQL + Redis, ${options.rounds} alternating rounds × ${options.seconds} s per side, ${concurrency} in flight; ` +
        `seeding ${small.users.toLocaleString("en-US")} users took ${small.seedSeconds} s, ${large.users.toLocaleString("en-US")} took ${large.seedSeconds} s\n`,
    );
    console.log(
      `| path | p50 ms ${small.users} → ${large.users} | growth | p99 ms ${small.users} → ${large.users} | growth | req/s ${small.users} → ${large.users} | errors |`,
    );
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    const rows = results.map((r) => ({
      path: r.path,
      small: { perSecond: r.b.perSecond, p50Ms: r.b.p50, p99Ms: r.b.p99, errors: r.b.errors },
      large: { perSecond: r.a.perSecond, p50Ms: r.a.p50, p99Ms: r.a.p99, errors: r.a.errors },
      p50Growth: growth(r.a.p50, r.b.p50),
      p99Growth: growth(r.a.p99, r.b.p99),
    }));
    for (const row of rows) {
      console.log(
        `| ${row.path} | ${row.small.p50Ms} → ${row.large.p50Ms} | ${row.p50Growth} | ${row.small.p99Ms} → ${row.large.p99Ms} | ${row.p99Growth} | ${row.small.perSecond} → ${row.large.perSecond} | ${row.small.errors} / ${row.large.errors} |`,
      );
    }
    for (const r of results) for (const s of [r.a, r.b]) if (s.firstError) console.log(`first error (${r.path}, ${s.label}): ${s.firstError}`);
    const errors = rows.reduce((s, r) => s + r.small.errors + r.large.errors, 0);
    const json = {
      version: 1,
      kind: "scale",
      date: new Date().toISOString(),
      node: process.version,
      service: large.service.kind,
      users: sizes,
      seedSeconds: sides.map((s) => s.seedSeconds),
      rounds: options.rounds,
      seconds: options.seconds,
      concurrency,
      growthTarget: GROWTH_TARGET,
      results: rows.map((r) => ({ ...r, pass: r.p50Growth <= GROWTH_TARGET && r.p99Growth <= GROWTH_TARGET })),
      errors,
    };
    console.log(`BENCH_JSON ${JSON.stringify(json)}`);
    return errors === 0 ? 0 : 1;
  } finally {
    for (const s of sides) {
      s.clients.close();
      await s.service.stop();
      await s.db.drop();
    }
  }
}
