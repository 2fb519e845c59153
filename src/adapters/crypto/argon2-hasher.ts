import { randomBytes } from "node:crypto";
import argon2 from "argon2";
import type { PasswordHasher } from "../../application/ports/credentials.js";

export interface Argon2Options {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  /** CRYPTO__PASSWORD_SALT: a pepper kept outside the database, so a dump alone cannot be cracked. */
  pepper?: string | undefined;
}

/** argon2id with the OWASP parameters by default (m=19456 KiB, t=2, p=1). */
export class Argon2Hasher implements PasswordHasher {
  private readonly secret: Buffer | undefined;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly options: Argon2Options) {
    this.secret = options.pepper === undefined ? undefined : Buffer.from(options.pepper, "utf8");
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      memoryCost: this.options.memoryCost,
      timeCost: this.options.timeCost,
      parallelism: this.options.parallelism,
      ...(this.secret ? { secret: this.secret } : {}),
    });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password, this.secret ? { secret: this.secret } : {});
    } catch {
      // A malformed stored hash is a failed verification, never a crash.
      return false;
    }
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
