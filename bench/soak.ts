/**
 * `npm run soak`: a mixed load (ValidateToken, RefreshToken, Login, CheckQuota) on the service
 * (its own process, fresh PostgreSQL database, Redis) at a fraction of its measured capacity,
 * for SOAK_SECONDS (600 by default). Passes when no call failed and the service's RSS (sampled
 * every 10 s from /proc) stays within SOAK_RSS_TOLERANCE (0.10) of its value after the first
 * minute; exits 1 otherwise. Bounded in time: a watchdog ends the run past its length plus 3 min.
 *
 *   npm run soak                                   # capacity measured first, 80 % of it for 10 min
 *   SOAK_SECONDS=120 npm run soak                  # shorter
 *   npm run soak -- --capacity 1500 --fraction 0.8 # capacity given (mixed calls per second)
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { openDatabase } from "../src/adapters/prisma/client.js";
import { PrismaUnitOfWork } from "../src/adapters/prisma/unit-of-work.js";
import { createServiceKey } from "../test/support/api-key-server.js";
import { PASSWORD, registerUser } from "../test/support/fixtures.js";
import { call, connect } from "../test/support/grpc.js";
import { checkQuota, planClient } from "../test/support/quota.js";
import { describeError, type Op, quantile, runRound } from "./measure.js";
import { createDatabase, type Service, serviceEnv, sleep, startService } from "./processes.js";

/** The mix, by weight: mostly validation, as services in front of the auth service call it. */
const MIX = [
  { name: "validate", weight: 70 },
  { name: "quota", weight: 20 },
  { name: "refresh", weight: 8 },
  { name: "login", weight: 2 },
] as const;
type PathName = (typeof MIX)[number]["name"];

const MAX_IN_FLIGHT = 256;
const CHAINS = 64;
const SAMPLE_MS = 10_000;

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function pickPath(): PathName {
  let x = Math.random() * 100;
  for (const m of MIX) {
    x -= m.weight;
    if (x < 0) return m.name;
  }
  return "validate";
}

export interface RssVerdict {
  referenceMiB: number;
  maxAfterMiB: number;
  growth: number;
  pass: boolean;
}

/** RSS after the first minute (or half the run, if shorter) against the largest later sample. */
export function rssVerdict(samples: { t: number; rssMiB: number }[], seconds: number, tolerance: number): RssVerdict {
  const from = Math.min(60, seconds / 2);
  const reference = samples.find((s) => s.t >= from) ?? samples.at(-1);
  if (!reference) return { referenceMiB: 0, maxAfterMiB: 0, growth: 0, pass: false };
  const later = samples.filter((s) => s.t > reference.t);
  const maxAfter = later.reduce((m, s) => Math.max(m, s.rssMiB), reference.rssMiB);
  const growth = Math.round((maxAfter / reference.rssMiB - 1) * 1000) / 1000;
  return { referenceMiB: reference.rssMiB, maxAfterMiB: maxAfter, growth, pass: later.length > 0 && growth <= tolerance };
}

async function main(): Promise<number> {
  const seconds = Number(process.env.SOAK_SECONDS ?? 600);
  const fraction = Number(arg("--fraction") ?? process.env.SOAK_FRACTION ?? 0.8);
  const givenCapacity = arg("--capacity") ?? process.env.SOAK_CAPACITY;
  const tolerance = Number(process.env.SOAK_RSS_TOLERANCE ?? 0.1);
  const capacitySeconds = Number(process.env.SOAK_CAPACITY_SECONDS ?? 20);
  for (const [name, v] of Object.entries({ SOAK_SECONDS: seconds, fraction, SOAK_RSS_TOLERANCE: tolerance, SOAK_CAPACITY_SECONDS: capacitySeconds })) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  }
  let service: Service | null = null;
  const watchdog = setTimeout(
    () => {
      console.error("soak: past its time bound, giving up (the scratch database is left behind)");
      service?.kill();
      process.exit(1);
    },
    (seconds + capacitySeconds + 180) * 1000,
  );
  watchdog.unref();

  const db = await createDatabase("soak");
  service = await startService(serviceEnv(db.url)).catch(async (error: unknown) => {
    await db.drop();
    throw error;
  });
  const c = connect(service.grpcPort);
  const plans = planClient(service.grpcPort);
  try {
    // Set-up: a token to validate, refresh chains, login users, an enterprise user for quota.
    const direct = await openDatabase({ url: db.url, dataDir: "memory://", poolSize: 2 });
    let serviceKey: string;
    let adminKey: string;
    try {
      const uow = new PrismaUnitOfWork(direct.prisma, { transactionTimeoutMs: 10_000 });
      serviceKey = (await createServiceKey(uow, ["validate"])).secret;
      adminKey = (await createServiceKey(uow, ["admin"])).secret;
    } finally {
      await direct.close();
    }
    const users = await Promise.all(Array.from({ length: 8 }, () => registerUser(c)));
    const token = users[0]!.tokens!.accessToken;
    const chains = users.map((u) => u.tokens!.refreshToken);
    const more = await Promise.all(
      Array.from({ length: CHAINS - chains.length }, (_, i) =>
        call(c.auth, c.auth.login, { identifier: users[i % users.length]!.username, password: PASSWORD, otpCode: "", deviceName: "soak" }),
      ),
    );
    chains.push(...more.map((l) => l.tokens!.refreshToken));
    const quotaUser = users[1]!.user!.id;
    await call(plans, plans.changePlan, { userId: quotaUser, planCode: "enterprise" }, { metadata: { "x-api-key": adminKey } });

    let loginTurn = 0;
    const counts: Record<PathName | "refreshAsValidate", number> = { validate: 0, quota: 0, refresh: 0, login: 0, refreshAsValidate: 0 };
    const ops: Record<PathName, () => Promise<unknown>> = {
      validate: () => call(c.auth, c.auth.validateToken, { accessToken: token }),
      quota: () => checkQuota(plans, serviceKey, { userId: quotaUser, serviceCode: "cvmaker" }),
      login: () => {
        const u = users[loginTurn++ % users.length]!;
        return call(c.auth, c.auth.login, { identifier: u.username, password: PASSWORD, otpCode: "", deviceName: "soak" });
      },
      refresh: async () => {
        const t = chains.pop();
        if (t === undefined) {
          // Every chain is in flight: a validation instead (counted), never two rotations of one chain.
          counts.refreshAsValidate++;
          return ops.validate();
        }
        let next = t;
        try {
          next = (await call(c.auth, c.auth.refreshToken, { refreshToken: t })).tokens!.refreshToken;
        } finally {
          chains.push(next);
        }
      },
    };
    const mixed: Op = () => {
      const p = pickPath();
      counts[p]++;
      return ops[p]();
    };

    let capacity: number;
    if (givenCapacity !== undefined) {
      capacity = Number(givenCapacity);
      if (!Number.isFinite(capacity) || capacity <= 0) throw new Error("--capacity must be a positive number of calls per second");
    } else {
      await runRound(mixed, 64, 3); // warm-up
      const r = await runRound(mixed, 64, capacitySeconds, 1);
      if (r.errors > 0) throw new Error(`capacity run failed ${r.errors} calls: ${r.firstError}`);
      capacity = Math.round(r.requests / r.seconds);
      console.error(`capacity (mixed, 64 in flight, ${capacitySeconds} s): ${capacity}/s`);
    }
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] = 0;
    const rate = capacity * fraction;
    console.error(`soak: ${Math.round(rate)}/s (${fraction} of ${capacity}/s) for ${seconds} s, RSS every ${SAMPLE_MS / 1000} s`);

    // Open loop: calls start on schedule whether or not earlier ones have answered (at most MAX_IN_FLIGHT at once).
    let started = 0;
    let done = 0;
    let errors = 0;
    let notStarted = 0;
    let firstError: string | null = null;
    let inFlight = 0;
    const latencies: number[] = [];
    const samples: { t: number; rssMiB: number; anonMiB: number; calls: number; errors: number }[] = [];
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let nextSample = t0 + SAMPLE_MS;
    while (performance.now() < end) {
      const now = performance.now();
      const due = Math.floor(((now - t0) / 1000) * rate);
      while (started + notStarted < due) {
        if (inFlight >= MAX_IN_FLIGHT) {
          notStarted++;
          continue;
        }
        started++;
        inFlight++;
        const t = performance.now();
        mixed(started)
          .then(
            () => {
              if (latencies.length < 2_000_000) latencies.push(performance.now() - t);
            },
            (error: unknown) => {
              errors++;
              firstError ??= describeError(error);
            },
          )
          .finally(() => {
            inFlight--;
            done++;
          });
      }
      if (now >= nextSample) {
        const s = { t: Math.round((now - t0) / 1000), rssMiB: service.rss(), anonMiB: service.rssAnon(), calls: done, errors };
        samples.push(s);
        console.error(`t=${s.t}s rss=${s.rssMiB} MiB (anon ${s.anonMiB}) calls=${s.calls} errors=${s.errors} in flight=${inFlight}`);
        nextSample += SAMPLE_MS;
      }
      await sleep(5);
    }
    const drainUntil = performance.now() + 30_000;
    while (inFlight > 0 && performance.now() < drainUntil) await sleep(20);
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const verdict = rssVerdict(samples, seconds, tolerance);
    const pass = errors === 0 && inFlight === 0 && verdict.pass;
    console.log(
      `\nsoak: ${done} calls in ${Math.round(elapsed)} s (${Math.round(done / elapsed)}/s offered ${Math.round(rate)}/s; not started for lack of room: ${notStarted}), ` +
        `errors ${errors}${firstError ? ` (first: ${firstError})` : ""}, p50 ${Math.round(quantile(latencies, 0.5) * 100) / 100} ms, p99 ${Math.round(quantile(latencies, 0.99) * 100) / 100} ms`,
    );
    console.log(`mix: ${JSON.stringify(counts)}`);
    console.log(`RSS samples (MiB): ${samples.map((s) => `${s.t}s:${s.rssMiB}`).join(" ")}`);
    console.log(
      `RSS after the first minute ${verdict.referenceMiB} MiB, largest later ${verdict.maxAfterMiB} MiB: growth ${(verdict.growth * 100).toFixed(1)} % (tolerance ${tolerance * 100} %) ${verdict.pass ? "ok" : "FAILED"}`,
    );
    const json = {
      version: 1,
      kind: "soak",
      date: new Date().toISOString(),
      service: service.kind,
      seconds,
      capacity,
      fraction,
      offeredPerSecond: Math.round(rate),
      achievedPerSecond: Math.round(done / elapsed),
      calls: done,
      errors,
      notStarted,
      mix: counts,
      p50Ms: Math.round(quantile(latencies, 0.5) * 100) / 100,
      p99Ms: Math.round(quantile(latencies, 0.99) * 100) / 100,
      rssSamples: samples.map((s) => ({ t: s.t, rssMiB: s.rssMiB, anonMiB: s.anonMiB })),
      rss: verdict,
      pass,
    };
    console.log(`SOAK_JSON ${JSON.stringify(json)}`);
    console.log(pass ? "soak: PASS" : "soak: FAIL");
    return pass ? 0 : 1;
  } catch (error) {
    console.error(`service log (tail):\n${service.logTail(30)}`);
    throw error;
  } finally {
    c.close();
    plans.close();
    await service.stop();
    await db.drop();
  }
}

// Run as `npm run soak`; importing the module (a test reading rssVerdict) starts nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main();
