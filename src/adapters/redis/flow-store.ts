import type { Redis } from "ioredis";
import type { FlowStore } from "../../application/ports/coordination.js";
import { DependencyUnavailableError } from "../../domain/errors.js";

/**
 * Single-use records in Redis, shared by every instance: SET with EX, and GETDEL (Redis 6.2+),
 * which reads and deletes in one step, so a record can be taken once however many instances try.
 */
export class RedisFlowStore implements FlowStore {
  private readonly keyPrefix: string;

  /** `keyPrefix` is REDIS__KEY_PREFIX plus the store's own name (e.g. "oauth-flow:"). */
  constructor(
    private readonly redis: Redis,
    options: { keyPrefix?: string } = {},
  ) {
    this.keyPrefix = options.keyPrefix ?? "";
  }

  async put(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await this.redis.set(this.keyPrefix + key, value, "EX", Math.max(1, Math.ceil(ttlSeconds)));
    } catch (error) {
      throw new DependencyUnavailableError("redis", { cause: error });
    }
  }

  async take(key: string): Promise<string | null> {
    try {
      return await this.redis.getdel(this.keyPrefix + key);
    } catch (error) {
      throw new DependencyUnavailableError("redis", { cause: error });
    }
  }
}
