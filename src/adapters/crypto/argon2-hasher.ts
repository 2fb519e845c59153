import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import argon2 from "argon2";
import type { PasswordHasher } from "../../application/ports/credentials.js";
import { DomainError } from "../../domain/errors.js";

export interface Argon2Options {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  /** CRYPTO__PASSWORD_SALT: a pepper kept outside the database, so a dump alone cannot be cracked. */
  pepper?: string | undefined;
  /** Most hashes/verifications running at once (0 or absent: `defaultArgon2Concurrency()`). */
  concurrency?: number | undefined;
  /** Most waiting for a turn; one more is refused with SERVICE_UNAVAILABLE (absent: 128). */
  maxQueue?: number | undefined;
}

/**
 * argon2 runs in libuv's thread pool (UV_THREADPOOL_SIZE threads, 4 by default), which WebCrypto
 * (the JWT signatures of every ValidateToken), fs and zlib share. Left alone, a burst of logins
 * queues in front of all of them; so at most this many argon2 jobs run at once: the cores, and
 * always at least one pool thread left for the rest.
 */
export function defaultArgon2Concurrency(threadPoolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4): number {
  return Math.max(1, Math.min(availableParallelism(), threadPoolSize - 1));
}

/** A counting semaphore with a bounded waiting line, FIFO. */
class BoundedQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running < this.limit) {
      this.running++;
    } else {
      // Overloaded: answer at once (retryable) rather than let the line, and every caller's wait, grow without bound.
      if (this.waiting.length >= this.maxWaiting) {
        throw new DomainError("SERVICE_UNAVAILABLE", "Too many password checks at once; retry later", { retryAfterSeconds: 1 });
      }
      // The finishing job hands its slot over: `running` stays the same.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** argon2id with the OWASP parameters by default (m=19456 KiB, t=2, p=1). */
export class Argon2Hasher implements PasswordHasher {
  private readonly secret: Buffer | undefined;
  private dummyHash: Promise<string> | null = null;
  private readonly queue: BoundedQueue;

  constructor(private readonly options: Argon2Options) {
    this.secret = options.pepper === undefined ? undefined : Buffer.from(options.pepper, "utf8");
    this.queue = new BoundedQueue(options.concurrency || defaultArgon2Concurrency(), options.maxQueue ?? 128);
  }

  hash(password: string): Promise<string> {
    return this.queue.run(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.options.memoryCost,
        timeCost: this.options.timeCost,
        parallelism: this.options.parallelism,
        ...(this.secret ? { secret: this.secret } : {}),
      }),
    );
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.queue.run(async () => {
      try {
        return await argon2.verify(hash, password, this.secret ? { secret: this.secret } : {});
      } catch {
        // A malformed stored hash is a failed verification, never a crash.
        return false;
      }
    });
  }

  needsRehash(hash: string): boolean {
    // Only a WEAKER hash is upgraded: argon2.needsRehash compares for inequality and would
    // re-hash a stronger one down to the configured cost.
    const m = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash);
    if (!m) return true;
    const [version, memory, time] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return version < 0x13 || memory < this.options.memoryCost || time < this.options.timeCost;
  }

  /**
   * Makes the dummy hash ahead of time (call at start-up), so that even the first unknown-user
   * login costs one verification, not a hash plus a verification.
   */
  async warmUp(): Promise<void> {
    await this.dummy();
  }

  async verifyDummy(password: string): Promise<void> {
    await this.verify(await this.dummy(), password);
  }

  /** A hash of a random password with the live parameters: verifying against it costs what a real verification costs. */
  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(16).toString("hex")).catch((error: unknown) => {
      this.dummyHash = null; // not cached: the next call tries again
      throw error;
    });
    return this.dummyHash;
  }
}
