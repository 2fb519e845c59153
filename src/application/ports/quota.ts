/** Daily usage counters for CheckQuota. A port owned by the application; adapters implement it. */
export interface QuotaConsumption {
  /** False when `used + cost` would pass the limit: nothing was counted then. */
  allowed: boolean;
  /** The counter after this call (unchanged when refused). */
  used: number;
}

export interface QuotaCounter {
  /**
   * Checks and counts in one atomic step, exact across instances sharing the store: refuses
   * without counting when `used + cost > limit`, otherwise adds `cost`. `limit` null means
   * unlimited: it counts and never refuses. The key expires at `expiresAt` (end of its day).
   * Throws DependencyUnavailableError when the store cannot answer: never a silent allow.
   */
  consume(key: string, cost: number, limit: number | null, expiresAt: Date): Promise<QuotaConsumption>;
  /** The current count of a key (0 when absent). */
  peek(key: string): Promise<number>;
}

/** What CheckQuota needs of a plan (the other fields of the catalogue's Plan are ignored). */
export interface QuotaPlan {
  code: string;
  /** Calls a day per service; ignored with unlimited. */
  dailyLimit: number;
  unlimited: boolean;
}

/** Allowed and refused CheckQuota by service and plan, for operators (never a user id). */
export interface QuotaOutcomes {
  record(service: string, plan: string, outcome: "allowed" | "refused"): void;
}
