import { decodeProtectedHeader } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { JwtAccessTokens } from "./jwt-access-tokens.js";
import { CLAIMS, common, FakeClock, initRing, MemorySigningKeys, newRing, RELOAD_MIN_INTERVAL_MS, START } from "./jwt-test-kit.js";
import type { KeyRing } from "./key-ring.js";
import { SecretBox } from "./secret-box.js";

let repo: MemorySigningKeys;
let clock: FakeClock;
let ring: KeyRing;
let tokens: JwtAccessTokens;

beforeEach(async () => {
  repo = new MemorySigningKeys();
  clock = new FakeClock(START);
  ring = await initRing(repo, clock);
  tokens = JwtAccessTokens.eddsa(ring, common(clock));
});

describe("KeyRing.init", () => {
  it("creates one Ed25519 key on an empty store, and none on the next start", async () => {
    expect(repo.rows).toHaveLength(1);
    const row = repo.rows[0];
    expect(row?.algorithm).toBe("EdDSA");
    expect(row?.kid).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(row?.privateKey).toContain("PRIVATE KEY"); // no SecretBox: plain PKCS8
    await newRing(repo, clock).init();
    expect(repo.rows).toHaveLength(1);
  });
});

describe("KeyRing rotation", () => {
  it("keeps verifying tokens signed before the rotation, signs new ones with the new kid", async () => {
    const oldKid = ring.signingKey().kid;
    const before = await tokens.issue(CLAIMS);
    clock.advance(60_000);
    const newKid = await ring.rotate();
    expect(newKid).not.toBe(oldKid);
    expect(ring.signingKey().kid).toBe(newKid);

    expect((await tokens.verify(before.token)).ok).toBe(true);
    const after = await tokens.issue(CLAIMS);
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid);
    expect((await tokens.verify(after.token)).ok).toBe(true);
  });

  it("publishes both keys until the old one's tokens have expired, then drops it", async () => {
    const oldKid = ring.signingKey().kid;
    const before = await tokens.issue(CLAIMS);
    const newKid = await ring.rotate();

    const jwks = await tokens.publicJwks();
    expect(jwks.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    for (const jwk of jwks) {
      expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", use: "sig", alg: "EdDSA" });
      expect(jwk.x).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(jwk).not.toHaveProperty("d");
    }

    const oldRow = repo.rows.find((r) => r.kid === oldKid);
    expect(oldRow?.retiresAt).toEqual(new Date(START));
    const expiresAt = oldRow?.expiresAt?.getTime() ?? 0;
    // The old key verifies at least as long as its last token lives.
    expect(expiresAt).toBeGreaterThanOrEqual(before.expiresAt.getTime());

    clock.ms = expiresAt - 1;
    expect((await tokens.publicJwks()).map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());

    clock.ms = expiresAt;
    expect((await tokens.publicJwks()).map((k) => k.kid)).toEqual([newKid]);
    // (Long expired anyway; it must not verify either way.)
    expect((await tokens.verify(before.token)).ok).toBe(false);
  });

  it("never publishes private key material", async () => {
    await ring.rotate();
    const text = JSON.stringify(await tokens.publicJwks());
    expect(text).not.toContain('"d"');
    expect(text).not.toContain("PRIVATE");
  });

  it("lets another instance on the same store verify the rotated key after a kid miss (reload)", async () => {
    const ringB = newRing(repo, clock);
    await ringB.init();
    const tokensB = JwtAccessTokens.eddsa(ringB, common(clock));
    expect(ringB.signingKey().kid).toBe(ring.signingKey().kid);

    clock.advance(RELOAD_MIN_INTERVAL_MS);
    const newKid = await ring.rotate();
    const fromA = await tokens.issue(CLAIMS);
    expect(decodeProtectedHeader(fromA.token).kid).toBe(newKid);

    const listsBefore = repo.lists;
    expect((await tokensB.verify(fromA.token)).ok).toBe(true);
    expect(repo.lists).toBe(listsBefore + 1); // exactly one reload
    // B has picked the new key up and signs with it from now on.
    expect(ringB.signingKey().kid).toBe(newKid);
    expect((await tokens.verify((await tokensB.issue(CLAIMS)).token)).ok).toBe(true);
  });

  it("verifies on A a token that B signed with the old key before B reloaded", async () => {
    const ringB = newRing(repo, clock);
    await ringB.init();
    const tokensB = JwtAccessTokens.eddsa(ringB, common(clock));
    const oldKid = ringB.signingKey().kid;
    await ring.rotate();
    const fromB = await tokensB.issue(CLAIMS);
    expect(decodeProtectedHeader(fromB.token).kid).toBe(oldKid);
    expect((await tokens.verify(fromB.token)).ok).toBe(true);
  });
});

describe("KeyRing — private keys encrypted at rest", () => {
  const box = new SecretBox("an-encryption-key-of-32-characters-or-more");

  it('stores "enc:v1:" ciphertext, never the PEM, and still signs and verifies', async () => {
    const store = new MemorySigningKeys();
    const sealedRing = newRing(store, clock, box);
    await sealedRing.init();
    await sealedRing.rotate();
    expect(store.rows).toHaveLength(2);
    for (const row of store.rows) {
      expect(row.privateKey.startsWith("enc:v1:")).toBe(true);
      expect(row.privateKey).not.toContain("PRIVATE KEY");
      expect(row.privateKey).not.toContain("MC4CAQAwBQYDK2Vw"); // the PKCS8 Ed25519 prefix in base64
    }
    const sealedTokens = JwtAccessTokens.eddsa(sealedRing, common(clock));
    const { token } = await sealedTokens.issue(CLAIMS);
    expect((await sealedTokens.verify(token)).ok).toBe(true);

    // Another instance with the same key reads them.
    const peer = newRing(store, clock, box);
    await peer.init();
    expect(store.rows).toHaveLength(2);
    expect((await JwtAccessTokens.eddsa(peer, common(clock)).verify(token)).ok).toBe(true);
  });

  it("refuses to start without the encryption key, with an error that says which setting", async () => {
    const store = new MemorySigningKeys();
    await newRing(store, clock, box).init();
    const plain = newRing(store, clock, null);
    await expect(plain.init()).rejects.toThrow(/encrypted.*CRYPTO__ENCRYPTION_KEY/);
    expect(store.rows).toHaveLength(1); // and it did not paper over it with a fresh key
  });

  it("refuses to start with the wrong encryption key", async () => {
    const store = new MemorySigningKeys();
    await newRing(store, clock, box).init();
    const wrong = newRing(store, clock, new SecretBox("a-different-encryption-key-of-32-chars"));
    await expect(wrong.init()).rejects.toThrow();
  });

  it("refuses a sealed private key moved onto another row (kid bound as associated data)", async () => {
    const store = new MemorySigningKeys();
    const sealedRing = newRing(store, clock, box);
    await sealedRing.init();
    await sealedRing.rotate();
    const [first, second] = store.rows;
    if (!first || !second) throw new Error("expected two keys");
    first.privateKey = second.privateKey;
    await expect(newRing(store, clock, box).init()).rejects.toThrow();
  });
});
