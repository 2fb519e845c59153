/**
 * `npm run bench`: the service's throughput as a ratio of its own baselines (docs/performance.md).
 * Starts the service as its own process on a fresh PostgreSQL database and Redis, and the
 * baseline server (bench/baseline-server.ts) as another; one client (this process) drives
 * both in alternating rounds, and prints each ratio, the throughputs, p50/p99, the service's
 * RSS idle and after load, and one `BENCH_JSON {...}` line.
 *
 *   npm run bench                          # every path (validate login refresh rest apikey quota)
 *   npm run bench -- validate quota        # some of them
 *   npm run bench -- --quick validate      # 2 rounds of 1 s: a smoke test
 *   npm run bench -- scale                 # p50/p99 at 10,000 vs 1,000,000 users (bench/scale.ts)
 *   BENCH_SECONDS=3 BENCH_ROUNDS=4 BENCH_CONCURRENCY=64 npm run bench
 *   (also BENCH_WARMUP_SECONDS, BENCH_RAMP_SECONDS: the unmeasured start of each round; BENCH_SERVICE=tsx|dist)
 *
 * Every loop is bounded in time; traffic stays on 127.0.0.1; the scratch database is dropped.
 */
import { pathToFileURL } from "node:url";
import { PASSWORD } from "../test/support/fixtures.js";
import type { CompareOptions, Comparison } from "./measure.js";
import { createDatabase, serviceEnv, sleep, startBaseline, startService } from "./processes.js";
import { runScale } from "./scale.js";
import { type Prepared, prepare, SCENARIOS, type ScenarioName } from "./scenarios.js";
import { argon2FromConfig } from "./seed-users.js";

export const RSS_TARGETS = { idleMiB: 150, afterLoadMiB: 200 };

export interface BenchOptions extends CompareOptions {
  quick: boolean;
}

export function benchOptions(argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions {
  const quick = argv.includes("--quick");
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
    return n;
  };
  return {
    quick,
    rounds: Math.round(num("BENCH_ROUNDS", quick ? 2 : 6)),
    seconds: num("BENCH_SECONDS", quick ? 1 : 5),
    concurrency: Math.round(num("BENCH_CONCURRENCY", 64)),
    warmupSeconds: num("BENCH_WARMUP_SECONDS", quick ? 0.5 : 2),
    rampSeconds: num("BENCH_RAMP_SECONDS", quick ? 0.25 : 1),
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");

function printTable(results: Comparison[], rss: { idleMiB: number; afterLoadMiB: number; peakMiB: number }): void {
  console.log(
    "| path (PostgreSQL + Redis) | service req/s | baseline req/s | ratio | per round | target | service p50 / p99 ms | baseline p50 / p99 ms | errors |",
  );
  console.log("|---|---:|---:|---:|---|---:|---:|---:|---:|");
  for (const r of results) {
    const verdict = r.target === null ? "—" : `≥ ${r.target} ${r.ratio >= r.target ? "ok" : "MISSED"}`;
    console.log(
      `| ${r.name} (${r.concurrency} in flight) | ${fmt(r.a.perSecond)} | ${fmt(r.b.perSecond)} | ${r.ratio.toFixed(3)} | ${r.roundRatios.map((x) => x.toFixed(2)).join(" ")} | ${verdict} | ${r.a.p50} / ${r.a.p99} | ${r.b.p50} / ${r.b.p99} | ${r.a.errors} / ${r.b.errors} |`,
    );
  }
  const ok = (v: number, max: number) => (v < max ? "ok" : "MISSED");
  console.log(
    `\nservice RSS: idle ${rss.idleMiB} MiB (< ${RSS_TARGETS.idleMiB} ${ok(rss.idleMiB, RSS_TARGETS.idleMiB)}), ` +
      `after load ${rss.afterLoadMiB} MiB (< ${RSS_TARGETS.afterLoadMiB} ${ok(rss.afterLoadMiB, RSS_TARGETS.afterLoadMiB)}), peak during load ${rss.peakMiB} MiB`,
  );
  for (const r of results) {
    for (const side of [r.a, r.b]) if (side.firstError) console.log(`first error (${r.name}, ${side.label}): ${side.firstError}`);
  }
}

function sideJson(s: Comparison["a"]) {
  return { label: s.label, requests: s.requests, seconds: s.seconds, perSecond: s.perSecond, p50Ms: s.p50, p99Ms: s.p99, errors: s.errors };
}

export async function runRatios(names: ScenarioName[], options: BenchOptions): Promise<number> {
  const db = await createDatabase("run");
  const env = serviceEnv(db.url);
  const argon2 = argon2FromConfig(env);
  const prepared: Prepared[] = [];
  let service: Awaited<ReturnType<typeof startService>> | null = null;
  let baseline: Awaited<ReturnType<typeof startBaseline>> | null = null;
  try {
    service = await startService(env);
    await sleep(2000);
    const idleMiB = service.rss();
    const side = { grpcPort: service.grpcPort, httpPort: service.httpPort, databaseUrl: db.url };
    for (const name of names) prepared.push(await prepare(name, side, options.concurrency));
    baseline = await startBaseline({ responses: Object.assign({}, ...prepared.map((p) => p.responses)), argon2, password: PASSWORD });

    let peakMiB = idleMiB;
    const svc = service;
    const sampler = setInterval(() => {
      peakMiB = Math.max(peakMiB, svc.rss());
    }, 500);
    const results: Comparison[] = [];
    try {
      for (const p of prepared) {
        const r = await p.run(baseline.port, options);
        results.push(r);
        console.error(`${r.name}: ratio ${r.ratio} (service ${r.a.perSecond}/s, baseline ${r.b.perSecond}/s)`);
      }
    } finally {
      clearInterval(sampler);
    }
    await sleep(2000);
    const afterLoadMiB = service.rss();
    peakMiB = Math.max(peakMiB, afterLoadMiB);
    const rss = { idleMiB, afterLoadMiB, peakMiB };

    console.log(
      `\nauth-service bench — PostgreSQL + Redis, service: ${service.kind === "dist" ? "node dist/main.js" : "node --import tsx src/main.ts"}, node ${process.version}, ` +
        `${options.rounds} alternating rounds × ${options.seconds} s per side, ${options.concurrency} in flight; client, service and baseline share this machine\n`,
    );
    printTable(results, rss);
    const errors = results.reduce((s, r) => s + r.a.errors + r.b.errors, 0);
    const json = {
      version: 1,
      kind: "ratios",
      date: new Date().toISOString(),
      node: process.version,
      service: service.kind,
      backend: "postgresql+redis",
      rounds: options.rounds,
      seconds: options.seconds,
      concurrency: options.concurrency,
      results: results.map((r, i) => ({
        scenario: names[i],
        name: r.name,
        ratio: r.ratio,
        target: r.target,
        pass: r.target === null ? null : r.ratio >= r.target,
        roundRatios: r.roundRatios,
        service: sideJson(r.a),
        baseline: sideJson(r.b),
      })),
      rss: { ...rss, idleTargetMiB: RSS_TARGETS.idleMiB, afterLoadTargetMiB: RSS_TARGETS.afterLoadMiB },
      errors,
    };
    console.log(`BENCH_JSON ${JSON.stringify(json)}`);
    // Missed targets are figures to read (the machine is shared); errors mean the harness or the service broke.
    return errors === 0 ? 0 : 1;
  } catch (error) {
    if (service) console.error(`service log (tail):\n${service.logTail(30)}`);
    throw error;
  } finally {
    for (const p of prepared) p.close();
    await baseline?.stop();
    await service?.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const unknown = argv.filter((a) => a !== "--quick" && a !== "scale" && !(SCENARIOS as string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown argument(s): ${unknown.join(" ")}; scenarios: ${SCENARIOS.join(" ")}, scale, --quick`);
    process.exit(2);
  }
  const options = benchOptions(argv);
  if (argv.includes("scale")) {
    process.exitCode = await runScale(options);
    return;
  }
  const names = SCENARIOS.filter((s) => argv.includes(s));
  process.exitCode = await runRatios(names.length > 0 ? names : SCENARIOS, options);
}

// Run as `npm run bench`; importing the module (a test reading benchOptions) starts nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
