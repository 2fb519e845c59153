import type { Redis } from "ioredis";
import type { QuotaConsumption, QuotaCounter } from "../../application/ports/quota.js";
import { DependencyUnavailableError } from "../../domain/errors.js";

/**
 * Check and count in ONE script, so two instances can never both pass the last unit:
 * KEYS[1] the counter; ARGV[1] cost, ARGV[2] limit (-1 = unlimited), ARGV[3] expiry (ms epoch).
 * Refused: nothing written. Allowed: INCRBY and PEXPIREAT (idempotent, the day's end + margin),
 * so a counter can never live without a TTL (the INCR-then-EXPIRE pitfall).
 * Returns {allowed 0|1, used}.
 */
const CONSUME = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if limit >= 0 and used + cost > limit then
  return {0, used}
end
used = redis.call('INCRBY', KEYS[1], cost)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return {1, used}
`;

type QuotaRedis = Redis & { quotaConsume(key: string, cost: number, limit: number, expiresAtMs: number): Promise<[number, number]> };

/** Exact daily counters in Redis (EVALSHA, EVAL on NOSCRIPT, through ioredis defineCommand). */
export class RedisQuotaCounter implements QuotaCounter {
  private readonly redis: QuotaRedis;
  private readonly keyPrefix: string;

  /** `keyPrefix` is REDIS__KEY_PREFIX: prepended to every key the port names. */
  constructor(redis: Redis, options: { keyPrefix?: string } = {}) {
    this.keyPrefix = options.keyPrefix ?? "";
    if (!("quotaConsume" in redis)) redis.defineCommand("quotaConsume", { numberOfKeys: 1, lua: CONSUME });
    this.redis = redis as QuotaRedis;
  }

  async consume(key: string, cost: number, limit: number | null, expiresAt: Date): Promise<QuotaConsumption> {
    try {
      const [allowed, used] = await this.redis.quotaConsume(this.keyPrefix + key, cost, limit ?? -1, expiresAt.getTime());
      return { allowed: allowed === 1, used: Number(used) };
    } catch (error) {
      throw new DependencyUnavailableError("redis", { cause: error });
    }
  }

  async peek(key: string): Promise<number> {
    try {
      return Number((await this.redis.get(this.keyPrefix + key)) ?? 0);
    } catch (error) {
      throw new DependencyUnavailableError("redis", { cause: error });
    }
  }
}
