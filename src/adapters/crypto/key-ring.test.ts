import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SigningKeyRepository, StoredSigningKey } from "../../application/ports/signing-keys.js";
import type { Clock } from "../../application/ports/time.js";
import { KeyRing } from "./key-ring.js";
import { SecretBox } from "./secret-box.js";

/** The SigningKeyRepository port over an array; copies on the way in and out, like a database. */
class MemorySigningKeys implements SigningKeyRepository {
  readonly rows: StoredSigningKey[] = [];

  async list(): Promise<StoredSigningKey[]> {
    return this.rows.map((row) => ({ ...row, publicJwk: { ...row.publicJwk } }));
  }

  async insert(key: StoredSigningKey): Promise<void> {
    if (this.rows.some((row) => row.kid === key.kid)) throw new Error(`duplicate kid ${key.kid}`);
    this.rows.push({ ...key, publicJwk: { ...key.publicJwk } });
  }

  async retire(kid: string, retiresAt: Date, expiresAt: Date): Promise<void> {
    const row = this.rows.find((r) => r.kid === kid);
    if (!row) throw new Error(`no key ${kid}`);
    row.retiresAt = retiresAt;
    row.expiresAt = expiresAt;
  }
}

const clock: Clock = { now: () => new Date(Date.UTC(2026, 0, 15, 12, 0, 0)) };
const box = new SecretBox("an-encryption-key-of-32-characters-or-more");

function ring(repo: SigningKeyRepository, withBox: SecretBox | null): KeyRing {
  return new KeyRing(repo, withBox, clock, { accessTokenTtlSeconds: 900, reloadMinIntervalMs: 0 });
}

/** A row exactly like a KeyRing without CRYPTO__ENCRYPTION_KEY writes: the PEM in the clear. */
function plainRow(kid: string): { row: StoredSigningKey; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const now = clock.now();
  return {
    pem,
    row: {
      kid,
      algorithm: "EdDSA",
      publicJwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "EdDSA" },
      privateKey: pem,
      createdAt: now,
      activatesAt: now,
      retiresAt: null,
      expiresAt: null,
    },
  };
}

describe("KeyRing — an unsealed stored private key with CRYPTO__ENCRYPTION_KEY set", () => {
  it("refuses to start on a key written without encryption, and does not paper over it with a fresh key", async () => {
    const store = new MemorySigningKeys();
    await ring(store, null).init();
    expect(store.rows[0]?.privateKey).toContain("PRIVATE KEY");
    // Without the key the plain PEM is still read: that behaviour stays.
    await ring(store, null).init();
    expect(store.rows).toHaveLength(1);

    await expect(ring(store, box).init()).rejects.toThrow(/unsealed.*CRYPTO__ENCRYPTION_KEY/);
    expect(store.rows).toHaveLength(1);
  });

  it("refuses a planted unsealed key beside sealed ones, and the error does not carry the PEM", async () => {
    const store = new MemorySigningKeys();
    const sealed = ring(store, box);
    await sealed.init();
    const { row, pem } = plainRow("ed25519-planted");
    store.rows.push(row);

    let error: unknown;
    try {
      await ring(store, box).init();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain("ed25519-planted");
    expect(message).not.toContain("PRIVATE KEY");
    expect(message).not.toContain(pem.split("\n")[1] ?? pem);

    // A running instance reloading (periodically or on an unknown kid) refuses it as well,
    // keeping the keys it had: the planted key never verifies.
    await expect(sealed.reload()).rejects.toThrow(/unsealed/);
    expect(sealed.knows("ed25519-planted")).toBe(false);
  });
});
