import type { RevocationBus } from "../ports/coordination.js";
import type { Plan } from "../ports/plans.js";
import type { Clock } from "../ports/time.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";

/**
 * A plan change travels on the session revocation bus as a marker that can never be a session
 * id (those are UUIDs): `plan-owner:<user id>`.
 */
export const PLAN_OWNER_MARKER = "plan-owner:";

interface Entry<T> {
  value: T;
  checkedAt: number;
}

export interface SubjectPlansOptions {
  /** How long an answer is trusted: at most SESSION__STATUS_CACHE_MS. */
  ttlMs: number;
  maxEntries: number;
  /** A failed publish of a plan change: reported, never thrown (the write is committed). */
  reportError?: (error: unknown) => void;
}

/**
 * The plan of a subject on CheckQuota's hot path, with the rule of the other status caches: a
 * user's plan code and each plan's row are trusted at most `ttlMs` and only while the
 * revocation bus is healthy; a ChangePlan on any instance drops the user at once (`announce`
 * here, the bus elsewhere), a bus reset drops everything. Unknown users are never cached.
 * Concurrent misses for one user share one database read. An operator's edit of a plan row (in
 * SQL) is seen within `ttlMs`.
 */
export class SubjectPlans {
  private readonly users = new Map<string, Entry<string>>();
  private readonly plans = new Map<string, Entry<Plan>>();
  private readonly userReads = new Map<string, Promise<string | null>>();
  private readonly planReads = new Map<string, Promise<Plan | null>>();
  /** Bumped by every eviction: a read that began before one may not cache what it saw. */
  private generation = 0;
  private unsubscribe: (() => Promise<void>) | null = null;

  constructor(
    /** Read on each miss (never captured): the root repositories, outside any transaction. */
    private readonly uow: Pick<UnitOfWork, "users" | "plans">,
    private readonly bus: RevocationBus,
    private readonly clock: Clock,
    private readonly options: SubjectPlansOptions,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe({
      onRevoked: (ids) => {
        const owners = ids.filter((id) => id.startsWith(PLAN_OWNER_MARKER)).map((id) => id.slice(PLAN_OWNER_MARKER.length));
        for (const owner of owners) this.invalidate(owner);
      },
      onReset: () => this.clear(),
    });
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The plan of a user; null for an unknown (or deleted) user. */
  async planOf(userId: string): Promise<Plan | null> {
    const code = await this.planCodeOf(userId);
    return code === null ? null : this.plan(code);
  }

  /** A plan by code (cached like the users'); null when no such plan exists. */
  async plan(code: string): Promise<Plan | null> {
    const found = await this.load(this.plans, this.planReads, code, () => this.uow.plans.findByCode(code));
    return found === null ? null : { ...found };
  }

  /** Drops a user's cached plan on this instance (ChangePlan calls announce, which does this too). */
  invalidate(userId: string): void {
    this.generation += 1;
    this.users.delete(userId);
    this.userReads.delete(userId);
  }

  /** After a committed plan change: drops the user here at once, then on every other instance. */
  async announce(userId: string): Promise<void> {
    this.invalidate(userId);
    try {
      await this.bus.publish([PLAN_OWNER_MARKER + userId]);
    } catch (error) {
      this.options.reportError?.(error);
    }
  }

  clear(): void {
    this.generation += 1;
    this.users.clear();
    this.plans.clear();
    this.userReads.clear();
    this.planReads.clear();
  }

  private planCodeOf(userId: string): Promise<string | null> {
    return this.load(this.users, this.userReads, userId, async () => {
      const user = await this.uow.users.findById(userId);
      return user && user.deletedAt === null ? user.plan : null;
    });
  }

  /** The cached value, or one read shared by concurrent misses, cached unless null or evicted meanwhile. */
  private async load<T>(map: Map<string, Entry<T>>, inflight: Map<string, Promise<T | null>>, key: string, read: () => Promise<T | null>): Promise<T | null> {
    const cached = this.fresh(map, key);
    if (cached !== null) return cached;
    const pending = inflight.get(key);
    if (pending) return pending;
    const mark = this.generation;
    const reading = read().then((value) => {
      if (value !== null) this.remember(map, key, value, mark);
      return value;
    });
    inflight.set(key, reading);
    try {
      return await reading;
    } finally {
      if (inflight.get(key) === reading) inflight.delete(key);
    }
  }

  private fresh<T>(map: Map<string, Entry<T>>, key: string): T | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (!this.bus.isHealthy() || this.clock.now().getTime() - entry.checkedAt >= this.options.ttlMs) {
      map.delete(key);
      return null;
    }
    return entry.value;
  }

  private remember<T>(map: Map<string, Entry<T>>, key: string, value: T, mark: number): void {
    if (mark !== this.generation || !this.bus.isHealthy() || this.options.ttlMs <= 0) return;
    map.delete(key);
    map.set(key, { value, checkedAt: this.clock.now().getTime() });
    while (map.size > this.options.maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }
}
