import argon2 from "argon2";
import { randomBytes } from "node:crypto";
import type { PasswordHasher } from "../../application/ports.js";

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
    try {
      return argon2.needsRehash(hash, {
        memoryCost: this.options.memoryCost,
        timeCost: this.options.timeCost,
        parallelism: this.options.parallelism,
      }) || !hash.startsWith("$argon2id$");
    } catch {
      return true;
    }
  }

  async verifyDummy(password: string): Promise<void> {
    // One hash of a random password, made once, with the live parameters: verifying against it
    // costs exactly what a real verification costs.
    this.dummyHash ??= this.hash(randomBytes(16).toString("hex"));
    await this.verify(await this.dummyHash, password);
  }
}
