/** Password hashing, code hashing, secret sealing, TOTP. Ports owned by the application; adapters implement them. */
export interface PasswordHasher {
  /** `password` is already NFKC-normalized; the result is a PHC string. */
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when the stored hash uses weaker parameters than configured. */
  needsRehash(hash: string): boolean;
  /** Spends one verification's worth of time, so unknown users cost what known ones do. */
  verifyDummy(password: string): Promise<void>;
}

/** Keyed hashing of short codes (OTPs, recovery codes): a dump of hashes cannot be brute-forced offline. */
export interface CodeHasher {
  hash(code: string, context: string): string;
  /** Constant-time comparison of a code against a stored hash. */
  matches(code: string, context: string, storedHash: string): boolean;
}

/** Seals secrets kept at rest (TOTP secrets) with CRYPTO__ENCRYPTION_KEY when configured. */
export interface SecretSealer {
  seal(plaintext: string, associatedData: string): string;
  open(sealed: string, associatedData: string): string;
}

/** RFC 6238 TOTP. */
export interface Totp {
  generateSecret(): string;
  uri(secret: string, accountName: string): string;
  /** The time step the code matches at `now` (±1 step of drift), or null. */
  match(secret: string, code: string, now: Date): number | null;
}
