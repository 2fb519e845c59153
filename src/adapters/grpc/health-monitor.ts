import type { HealthReporter } from "./server.js";

/** Whether each dependency answered; Redis counts as answering when none is configured. */
export interface Readiness {
  database: boolean;
  redis: boolean;
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
    private readonly reporter: HealthReporter,
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
