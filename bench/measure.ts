/**
 * The load loops: a closed loop of `concurrency` workers for a bounded time, and the
 * alternating comparison of two sides driven by the same client (one round of A, one of B,
 * the order flipped every round, so a noisy neighbour weighs on both sides alike).
 */
import { performance } from "node:perf_hooks";

export type Op = (i: number) => Promise<unknown>;

export interface RoundResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  firstError: string | null;
}

/** The longest a round waits for its in-flight calls to reach their steady state. */
const MAX_RAMP_SECONDS = 30;

/**
 * `concurrency` workers calling `op` back to back: a ramp, then a measured window of `seconds`.
 * The window opens once `rampSeconds` have passed and `concurrency` calls have completed (each
 * worker has gone round about once: a slow path such as Login is in its steady state), or after
 * MAX_RAMP_SECONDS at the latest. Only calls ending inside the window count: at its start and
 * at its end the same number of calls are in flight, so the drain neither flatters nor
 * penalises a side. Calls still in flight at the end are awaited (not counted) before the
 * round returns, so the next round starts on an idle server. Errors count wherever they happen.
 */
export async function runRound(op: Op, concurrency: number, seconds: number, rampSeconds = 0): Promise<RoundResult> {
  const latencies: number[] = [];
  let next = 0;
  let completed = 0;
  let errors = 0;
  let firstError: string | null = null;
  const started = performance.now();
  const rampEnd = started + rampSeconds * 1000;
  const rampLimit = rampEnd + MAX_RAMP_SECONDS * 1000;
  let windowStart = Number.POSITIVE_INFINITY;
  let deadline = Number.POSITIVE_INFINITY;
  const maybeOpen = (now: number) => {
    if (windowStart === Number.POSITIVE_INFINITY && ((now >= rampEnd && completed >= concurrency) || now >= rampLimit)) {
      windowStart = now;
      deadline = now + seconds * 1000;
    }
  };
  const worker = async () => {
    for (;;) {
      maybeOpen(performance.now());
      if (performance.now() >= deadline) return;
      const i = next++;
      const t = performance.now();
      try {
        await op(i);
        const end = performance.now();
        if (end >= windowStart && end <= deadline) latencies.push(end - t);
      } catch (error) {
        errors++;
        firstError ??= describeError(error);
      }
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests: latencies.length, errors, seconds, latencies, firstError };
}

export function describeError(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && "details" in error) return `gRPC ${String(error.code)}: ${String(error.details)}`;
  return error instanceof Error ? error.message : String(error);
}

export interface SideStats {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  firstError: string | null;
}

export function quantile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function summarise(rounds: RoundResult[]): SideStats {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = rounds.reduce((s, r) => s + r.requests, 0);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  return {
    requests,
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    seconds: round2(seconds),
    perSecond: seconds > 0 ? Math.round(requests / seconds) : 0,
    p50: round2(quantile(latencies, 0.5)),
    p99: round2(quantile(latencies, 0.99)),
    firstError: rounds.find((r) => r.firstError !== null)?.firstError ?? null,
  };
}

export interface Comparison {
  name: string;
  /** What the ratio divides: `a` by `b`. */
  a: SideStats & { label: string };
  b: SideStats & { label: string };
  /** a's throughput over b's, over all the interleaved rounds. */
  ratio: number;
  /** The same ratio round by round (a spread shows how noisy the machine was). */
  roundRatios: number[];
  target: number | null;
  concurrency: number;
}

export interface CompareOptions {
  rounds: number;
  seconds: number;
  concurrency: number;
  /** An untimed round of each side first (connections, JIT, caches). */
  warmupSeconds: number;
  /** The start of every round that is not measured (the in-flight calls reach their steady state). */
  rampSeconds: number;
}

/** Rounds of A and B in alternation (A B, B A, A B, ...) through the same client. */
export async function compare(
  name: string,
  a: { label: string; op: Op },
  b: { label: string; op: Op },
  target: number | null,
  options: CompareOptions,
): Promise<Comparison> {
  const { rounds, seconds, concurrency, warmupSeconds, rampSeconds: ramp } = options;
  if (warmupSeconds > 0) {
    await runRound(a.op, concurrency, warmupSeconds);
    await runRound(b.op, concurrency, warmupSeconds);
  }
  const ra: RoundResult[] = [];
  const rb: RoundResult[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ra.push(await runRound(a.op, concurrency, seconds, ramp));
      rb.push(await runRound(b.op, concurrency, seconds, ramp));
    } else {
      rb.push(await runRound(b.op, concurrency, seconds, ramp));
      ra.push(await runRound(a.op, concurrency, seconds, ramp));
    }
  }
  const sa = summarise(ra);
  const sb = summarise(rb);
  const rate = (x: RoundResult) => x.requests / x.seconds;
  return {
    name,
    a: { label: a.label, ...sa },
    b: { label: b.label, ...sb },
    ratio: sb.perSecond > 0 ? Math.round((sa.requests / sa.seconds / (sb.requests / sb.seconds)) * 1000) / 1000 : 0,
    roundRatios: ra.map((x, i) => Math.round((rate(x) / rate(rb[i]!)) * 1000) / 1000),
    target,
    concurrency,
  };
}
