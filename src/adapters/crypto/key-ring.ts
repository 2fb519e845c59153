import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { SigningKeyRepository, StoredSigningKey } from "../../application/ports/signing-keys.js";
import type { Clock } from "../../application/ports/time.js";
import type { PublicJwk } from "../../application/ports/tokens.js";
import { SecretBox } from "./secret-box.js";

interface LoadedKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: PublicJwk;
  activatesAt: number;
  retiresAt: number | null;
  expiresAt: number | null;
}

const INITIAL_KID = "ed25519-initial";

export interface KeyRingOptions {
  /** Access-token lifetime: a retired key keeps verifying at least this long. */
  accessTokenTtlSeconds: number;
  /** Unknown `kid`s trigger a reload at most this often (another instance may have rotated). */
  reloadMinIntervalMs: number;
}

/**
 * The Ed25519 signing keys, shared by every instance through the database. One key signs (the
 * newest active one); every key not yet expired verifies, so a rotation never invalidates a
 * token in flight. Private keys are sealed at rest when CRYPTO__ENCRYPTION_KEY is set, and
 * then an unsealed stored key is refused.
 */
export class KeyRing {
  private keys = new Map<string, LoadedKey>();
  private lastLoad = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly repo: SigningKeyRepository,
    private readonly box: SecretBox | null,
    private readonly clock: Clock,
    private readonly options: KeyRingOptions,
  ) {}

  /**
   * Loads the keys, creating the first one on a new database. Instances starting together
   * race here: the first key has a fixed kid, so the primary key lets exactly one insert win
   * and every instance then signs with that one key.
   */
  async init(): Promise<void> {
    await this.reload();
    if (this.currentSigningKey() !== null) return;
    try {
      await this.repo.insert(this.generate(this.clock.now(), INITIAL_KID));
    } catch (error) {
      await this.reload();
      if (this.currentSigningKey() === null) throw error;
      return;
    }
    await this.reload();
  }

  /**
   * Adds a fresh key that starts signing after `activationDelaySeconds`; the current key
   * retires at that moment and verifies until its last tokens expired. A delay longer than
   * the periodic reload (60 s) means every instance knows the new key before any token
   * signed with it reaches them.
   */
  async rotate(activationDelaySeconds = 0): Promise<string> {
    await this.reload();
    const activatesAt = new Date(this.clock.now().getTime() + activationDelaySeconds * 1000);
    const fresh = { ...this.generate(activatesAt), createdAt: this.clock.now() };
    await this.repo.insert(fresh);
    // Skew allowance: an instance that has not reloaded yet may sign with the old key a bit longer.
    const expiresAt = new Date(activatesAt.getTime() + (this.options.accessTokenTtlSeconds + 300) * 1000);
    for (const key of this.keys.values()) {
      if (key.retiresAt === null) await this.repo.retire(key.kid, activatesAt, expiresAt);
    }
    await this.reload();
    return fresh.kid;
  }

  signingKey(): { kid: string; privateKey: KeyObject } {
    const key = this.currentSigningKey();
    if (key === null) throw new Error("no active signing key (KeyRing.init not called?)");
    return key;
  }

  /** The key for `kid`, reloading once if it is unknown (rate-limited). */
  async verificationKey(kid: string): Promise<KeyObject | null> {
    let key = this.keys.get(kid);
    if (!key && this.clock.now().getTime() - this.lastLoad >= this.options.reloadMinIntervalMs) {
      await this.reload();
      key = this.keys.get(kid);
    }
    if (!key || (key.expiresAt !== null && key.expiresAt <= this.clock.now().getTime())) return null;
    return key.publicKey;
  }

  /** Whether `kid` is loaded and not expired (no reload). */
  knows(kid: string): boolean {
    const key = this.keys.get(kid);
    return key !== undefined && (key.expiresAt === null || key.expiresAt > this.clock.now().getTime());
  }

  publicJwks(): PublicJwk[] {
    const now = this.clock.now().getTime();
    return [...this.keys.values()].filter((k) => k.expiresAt === null || k.expiresAt > now).map((k) => k.publicJwk);
  }

  async reload(): Promise<void> {
    // Coalesce concurrent reloads into one query.
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const stored = await this.repo.list();
    const next = new Map<string, LoadedKey>();
    for (const key of stored) {
      if (key.algorithm !== "EdDSA") continue;
      next.set(key.kid, this.decode(key));
    }
    this.keys = next;
    this.lastLoad = this.clock.now().getTime();
  }

  private currentSigningKey(): LoadedKey | null {
    const now = this.clock.now().getTime();
    let best: LoadedKey | null = null;
    for (const key of this.keys.values()) {
      if (key.activatesAt > now || (key.retiresAt !== null && key.retiresAt <= now)) continue;
      if (best === null || key.activatesAt > best.activatesAt) best = key;
    }
    return best;
  }

  private generate(now: Date, fixedKid?: string): StoredSigningKey {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const kid = fixedKid ?? `ed25519-${now.toISOString().slice(0, 10)}-${publicKey.export({ format: "jwk" }).x?.slice(0, 8)}`;
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    return {
      kid,
      algorithm: "EdDSA",
      publicJwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "EdDSA" },
      // The kid is bound as associated data: a sealed key cannot be swapped onto another row.
      privateKey: this.box ? this.box.seal(pem, kid) : pem,
      createdAt: now,
      activatesAt: now,
      retiresAt: null,
      expiresAt: null,
    };
  }

  private decode(key: StoredSigningKey): LoadedKey {
    let pem = key.privateKey;
    if (SecretBox.isSealed(pem)) {
      if (!this.box) throw new Error("signing keys are encrypted: set CRYPTO__ENCRYPTION_KEY to the key they were sealed with");
      pem = this.box.open(pem, key.kid);
    } else if (this.box) {
      // With the key set, an unsealed private key is refused rather than trusted: a row anyone
      // could have written must never become a key that signs tokens. The PEM stays out of
      // the message.
      throw new Error(`signing key ${key.kid} is stored unsealed but CRYPTO__ENCRYPTION_KEY is set: re-seal it or start from a database written with the key`);
    }
    const privateKey = createPrivateKey(pem);
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: "jwk" });
    return {
      kid: key.kid,
      privateKey,
      publicKey,
      publicJwk: { kty: String(jwk.kty), crv: String(jwk.crv), x: String(jwk.x), kid: key.kid, use: "sig", alg: "EdDSA" },
      activatesAt: key.activatesAt.getTime(),
      retiresAt: key.retiresAt?.getTime() ?? null,
      expiresAt: key.expiresAt?.getTime() ?? null,
    };
  }
}
