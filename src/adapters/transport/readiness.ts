/** Whether each dependency answered; Redis counts as answering when none is configured. */
export interface Readiness {
  database: boolean;
  redis: boolean;
}

/** Where the monitor's verdict goes: grpc.health.v1 (adapters/grpc/server.ts, HealthReporter). */
export interface ServingStatusSink {
  setAll(status: "SERVING" | "NOT_SERVING"): void;
}

/** Pings for each dependency; `redis` is null when none is configured. */
export interface DependencyPings {
  database: () => Promise<unknown>;
  redis: (() => Promise<unknown>) | null;
}

/** One probe of every dependency, each bounded by `timeoutMs`: a hung pool reads as "not answering". */
export function probeDependencies(pings: DependencyPings, timeoutMs = 1000): () => Promise<Readiness> {
  const answers = (ping: () => Promise<unknown>) =>
    withTimeout(ping(), timeoutMs).then(
      () => true,
      () => false,
    );
  return async () => {
    const redisPing = pings.redis;
    const [database, redis] = await Promise.all([answers(pings.database), redisPing ? answers(redisPing) : Promise.resolve(true)]);
    return { database, redis };
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e)),
    );
  });
}

/**
 * Probes the dependencies on a timer. The service cannot answer anything useful without its
 * database: health says NOT_SERVING until it answers again, so load balancers route around
 * this instance, and recovery needs no restart. The last result is kept for /readyz, so an
 * anonymous request never costs a database or Redis round trip.
 */
export class HealthMonitor {
  private latest: Readiness = { database: false, redis: false };
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly probe: () => Promise<Readiness>,
    private readonly reporter: ServingStatusSink,
    private readonly intervalMs: number,
  ) {}

  /** Probes once (so health is right from the first call), then every interval. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  /** NOT_SERVING from now on, whatever the dependencies say: the process is going away. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.reporter.setAll("NOT_SERVING");
  }

  /** Not ready until the first probe. */
  last(): Readiness {
    return this.latest;
  }

  private async check(): Promise<void> {
    this.latest = await this.probe();
    if (!this.stopped) this.reporter.setAll(this.latest.database ? "SERVING" : "NOT_SERVING");
  }
}
