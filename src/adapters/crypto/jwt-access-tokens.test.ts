import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import type { SigningKeyRepository, StoredSigningKey } from "../../application/ports/signing-keys.js";
import type { Clock } from "../../application/ports/time.js";
import type { AccessTokenClaims, AccessTokenVerification } from "../../application/ports/tokens.js";
import { JwtAccessTokens } from "./jwt-access-tokens.js";
import { KeyRing } from "./key-ring.js";
import { SecretBox } from "./secret-box.js";
import { cryptoRandom, uuidV7Ids } from "./system.js";

// ---------------------------------------------------------------- fakes

/** The SigningKeyRepository port over an array; copies on the way in and out, like a database. */
class MemorySigningKeys implements SigningKeyRepository {
  readonly rows: StoredSigningKey[] = [];
  lists = 0;

  async list(): Promise<StoredSigningKey[]> {
    this.lists += 1;
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

class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

// ---------------------------------------------------------------- fixtures

const ISSUER = "auth-service";
const AUDIENCE = "internal-services";
const TTL_SECONDS = 15 * 60;
const RELOAD_MIN_INTERVAL_MS = 5_000;
const START = Date.UTC(2026, 0, 15, 12, 0, 0);
const HS_SECRET = "an-hs256-secret-of-at-least-32-characters!";

const CLAIMS: AccessTokenClaims = {
  userId: "0190a1b2-0000-7000-8000-000000000001",
  username: "alice",
  sessionId: "0190a1b2-0000-7000-8000-0000000000aa",
  roles: ["user", "admin"],
  scopes: ["profile:read", "profile:write"],
};

function common(clock: Clock, overrides: { issuer?: string; audience?: string } = {}) {
  return {
    issuer: overrides.issuer ?? ISSUER,
    audience: overrides.audience ?? AUDIENCE,
    ttlSeconds: TTL_SECONDS,
    clock,
    ids: uuidV7Ids(clock, cryptoRandom),
  };
}

function newRing(repo: SigningKeyRepository, clock: Clock, box: SecretBox | null = null): KeyRing {
  return new KeyRing(repo, box, clock, {
    accessTokenTtlSeconds: TTL_SECONDS,
    reloadMinIntervalMs: RELOAD_MIN_INTERVAL_MS,
  });
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

/** A payload exactly like the one `issue` produces, at the clock's time. */
function payloadAt(clock: Clock, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(clock.now().getTime() / 1000);
  return {
    sid: CLAIMS.sessionId,
    preferred_username: CLAIMS.username,
    roles: CLAIMS.roles,
    scope: CLAIMS.scopes.join(" "),
    iss: ISSUER,
    aud: AUDIENCE,
    sub: CLAIMS.userId,
    jti: "0190a1b2-0000-7000-8000-0000000000ff",
    iat,
    nbf: iat,
    exp: iat + TTL_SECONDS,
    ...overrides,
  };
}

/** Hand-crafts a JWS compact token signed with an Ed25519 private key. */
function signEdDSA(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
}

/** Hand-crafts a JWS compact token with an HMAC-SHA256 "signature" under `secret`. */
function signHS256(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | Buffer): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

const INVALID: AccessTokenVerification = { ok: false, reason: "TOKEN_INVALID" };
const EXPIRED: AccessTokenVerification = { ok: false, reason: "TOKEN_EXPIRED" };

// ---------------------------------------------------------------- suite

let repo: MemorySigningKeys;
let clock: FakeClock;
let ring: KeyRing;
let tokens: JwtAccessTokens;

beforeEach(async () => {
  repo = new MemorySigningKeys();
  clock = new FakeClock(START);
  ring = newRing(repo, clock);
  await ring.init();
  tokens = JwtAccessTokens.eddsa(ring, common(clock));
});

/** The header of a genuine token, to be altered one field at a time. */
function genuineHeader(): Record<string, unknown> {
  return { alg: "EdDSA", typ: "at+jwt", kid: ring.signingKey().kid };
}

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

describe("JwtAccessTokens (EdDSA) — issue and verify", () => {
  it("issues a token that verifies with every claim intact", async () => {
    const issued = await tokens.issue(CLAIMS);
    const result = await tokens.verify(issued.token);
    expect(result).toEqual({
      ok: true,
      token: {
        ...CLAIMS,
        jti: issued.jti,
        issuedAt: new Date(START),
        expiresAt: new Date(START + TTL_SECONDS * 1000),
      },
    });
    expect(issued.expiresAt).toEqual(new Date(START + TTL_SECONDS * 1000));
  });

  it("puts alg EdDSA, typ at+jwt and the signing kid in the header", async () => {
    const { token } = await tokens.issue(CLAIMS);
    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: "EdDSA", typ: "at+jwt", kid: ring.signingKey().kid });
  });

  it("carries iss, aud, sub, sid, jti, iat, nbf, exp, roles, scope, preferred_username", async () => {
    const issued = await tokens.issue(CLAIMS);
    const payload = decodeJwt(issued.token);
    const iat = START / 1000;
    expect(payload).toEqual({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: CLAIMS.userId,
      sid: CLAIMS.sessionId,
      jti: issued.jti,
      iat,
      nbf: iat,
      exp: iat + TTL_SECONDS,
      roles: CLAIMS.roles,
      scope: "profile:read profile:write",
      preferred_username: CLAIMS.username,
    });
    expect(issued.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("gives every token its own jti", async () => {
    const a = await tokens.issue(CLAIMS);
    const b = await tokens.issue(CLAIMS);
    expect(a.jti).not.toBe(b.jti);
  });

  it("caps exp at notAfter when that is sooner (absolute session expiry)", async () => {
    const notAfter = new Date(START + 60_000);
    const issued = await tokens.issue(CLAIMS, notAfter);
    expect(issued.expiresAt).toEqual(notAfter);
    expect(decodeJwt(issued.token).exp).toBe((START + 60_000) / 1000);
    clock.advance(60_000);
    expect(await tokens.verify(issued.token)).toEqual(EXPIRED);
  });

  it("ignores a notAfter later than the TTL", async () => {
    const issued = await tokens.issue(CLAIMS, new Date(START + 24 * 3600_000));
    expect(issued.expiresAt).toEqual(new Date(START + TTL_SECONDS * 1000));
  });

  it("round-trips empty roles and scopes", async () => {
    const { token } = await tokens.issue({ ...CLAIMS, roles: [], scopes: [] });
    const result = await tokens.verify(token);
    expect(result.ok && result.token.roles).toEqual([]);
    expect(result.ok && result.token.scopes).toEqual([]);
  });

  it("accepts a hand-crafted token signed with the ring's key (control for the attack cases below)", async () => {
    const token = signEdDSA(genuineHeader(), payloadAt(clock), ring.signingKey().privateKey);
    const result = await tokens.verify(token);
    expect(result.ok).toBe(true);
  });
});

describe("JwtAccessTokens (EdDSA) — time claims (security.md 23)", () => {
  it("still verifies one second before exp", async () => {
    const { token } = await tokens.issue(CLAIMS);
    clock.advance(TTL_SECONDS * 1000 - 1000);
    expect((await tokens.verify(token)).ok).toBe(true);
  });

  it("answers TOKEN_EXPIRED once the 15 minutes have passed", async () => {
    const { token } = await tokens.issue(CLAIMS);
    clock.advance(TTL_SECONDS * 1000 + 1000);
    expect(await tokens.verify(token)).toEqual(EXPIRED);
  });

  it("answers TOKEN_EXPIRED exactly at exp", async () => {
    const { token } = await tokens.issue(CLAIMS);
    clock.advance(TTL_SECONDS * 1000);
    expect(await tokens.verify(token)).toEqual(EXPIRED);
  });

  it("refuses a token whose nbf is in the future (issued by an instance with a clock ahead)", async () => {
    const future = new FakeClock(START + 3600_000);
    const ahead = JwtAccessTokens.eddsa(ring, common(future));
    const { token } = await ahead.issue(CLAIMS);
    expect(decodeJwt(token).nbf).toBe((START + 3600_000) / 1000);
    expect(await tokens.verify(token)).toEqual(INVALID);
    // The same token is fine once the present catches up: only the time made it fail.
    clock.advance(3600_000);
    expect((await tokens.verify(token)).ok).toBe(true);
  });

  it("refuses a token without exp", async () => {
    const payload = payloadAt(clock);
    delete payload.exp;
    expect(await tokens.verify(signEdDSA(genuineHeader(), payload, ring.signingKey().privateKey))).toEqual(INVALID);
  });
});

describe("JwtAccessTokens (EdDSA) — audience, issuer, type (security.md 23)", () => {
  it("refuses a token for another audience, signed with our own key", async () => {
    const other = JwtAccessTokens.eddsa(ring, common(clock, { audience: "another-audience" }));
    const { token } = await other.issue(CLAIMS);
    expect((await other.verify(token)).ok).toBe(true);
    expect(await tokens.verify(token)).toEqual(INVALID);
  });

  it("refuses a token from another issuer, signed with our own key", async () => {
    const other = JwtAccessTokens.eddsa(ring, common(clock, { issuer: "evil-issuer" }));
    const { token } = await other.issue(CLAIMS);
    expect((await other.verify(token)).ok).toBe(true);
    expect(await tokens.verify(token)).toEqual(INVALID);
  });

  it('refuses typ "JWT" instead of at+jwt', async () => {
    const header = { ...genuineHeader(), typ: "JWT" };
    expect(await tokens.verify(signEdDSA(header, payloadAt(clock), ring.signingKey().privateKey))).toEqual(INVALID);
  });

  it("refuses a missing typ", async () => {
    const { typ: _typ, ...header } = genuineHeader();
    expect(await tokens.verify(signEdDSA(header, payloadAt(clock), ring.signingKey().privateKey))).toEqual(INVALID);
  });

  it.each(["sub", "sid", "jti"])("refuses a token without %s", async (claim) => {
    const payload = payloadAt(clock);
    delete payload[claim];
    expect(await tokens.verify(signEdDSA(genuineHeader(), payload, ring.signingKey().privateKey))).toEqual(INVALID);
  });

  it("refuses a non-string sid", async () => {
    const payload = payloadAt(clock, { sid: 42 });
    expect(await tokens.verify(signEdDSA(genuineHeader(), payload, ring.signingKey().privateKey))).toEqual(INVALID);
  });

  it("refuses a refresh token (43 base64url characters) presented as an access token", async () => {
    const refresh = Buffer.from(cryptoRandom.bytes(32)).toString("base64url");
    expect(refresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await tokens.verify(refresh)).toEqual(INVALID);
  });

  it.each(["", "a.b.c", "....", "not a token", "eyJ.eyJ.", "x".repeat(10_000)])("refuses garbage %#", async (raw) => {
    expect(await tokens.verify(raw)).toEqual(INVALID);
  });
});

describe("JwtAccessTokens (EdDSA) — forged and tampered tokens (security.md 22)", () => {
  it("refuses a tampered payload", async () => {
    const { token } = await tokens.issue(CLAIMS);
    const [h, , s] = token.split(".");
    const forgedPayload = b64json({ ...decodeJwt(token), sub: "0190a1b2-0000-7000-8000-00000000ad11", roles: ["admin"] });
    expect(await tokens.verify(`${h}.${forgedPayload}.${s}`)).toEqual(INVALID);
  });

  it("refuses a tampered signature", async () => {
    const { token } = await tokens.issue(CLAIMS);
    const [h, p, s = ""] = token.split(".");
    const sig = Buffer.from(s, "base64url");
    sig[0] = (sig[0] ?? 0) ^ 0x01;
    expect(await tokens.verify(`${h}.${p}.${sig.toString("base64url")}`)).toEqual(INVALID);
  });

  it("refuses a token with its signature stripped", async () => {
    const { token } = await tokens.issue(CLAIMS);
    const [h, p] = token.split(".");
    expect(await tokens.verify(`${h}.${p}.`)).toEqual(INVALID);
  });

  it.each(["none", "None", "NONE"])('refuses alg "%s" with an empty signature', async (alg) => {
    const token = `${b64json({ ...genuineHeader(), alg })}.${b64json(payloadAt(clock))}.`;
    expect(await tokens.verify(token)).toEqual(INVALID);
  });

  it('refuses alg "none" carrying a genuine EdDSA signature', async () => {
    const { token } = await tokens.issue(CLAIMS);
    const [, p, s] = token.split(".");
    expect(await tokens.verify(`${b64json({ ...genuineHeader(), alg: "none" })}.${p}.${s}`)).toEqual(INVALID);
  });

  describe("HS256 signed with the Ed25519 PUBLIC key (algorithm confusion)", () => {
    function publicKeyForms(): [string, string | Buffer][] {
      const publicKey = createPublicKey(ring.signingKey().privateKey);
      const jwk = publicKey.export({ format: "jwk" });
      const x = String(jwk.x);
      const published = JSON.stringify(ring.publicJwks()[0]);
      return [
        ["the JWK x string", x],
        ["the raw 32 key bytes", Buffer.from(x, "base64url")],
        ["the SPKI PEM", publicKey.export({ format: "pem", type: "spki" }).toString()],
        ["the SPKI DER", publicKey.export({ format: "der", type: "spki" })],
        ["the published JWK JSON", published],
      ];
    }

    it("refuses every encoding of the public key as an HMAC secret", async () => {
      const forms = publicKeyForms();
      expect(forms).toHaveLength(5);
      for (const [label, secret] of forms) {
        const token = signHS256({ ...genuineHeader(), alg: "HS256" }, payloadAt(clock), secret);
        expect(await tokens.verify(token), label).toEqual(INVALID);
      }
    });
  });

  it("refuses a header embedding the attacker's own key (jwk), signed with it", async () => {
    const attacker = generateKeyPairSync("ed25519");
    const jwk = { ...attacker.publicKey.export({ format: "jwk" }), kid: "attacker" };
    const token = signEdDSA({ alg: "EdDSA", typ: "at+jwt", kid: "attacker", jwk }, payloadAt(clock), attacker.privateKey);
    expect(await tokens.verify(token)).toEqual(INVALID);
  });

  it("refuses an attacker key sent under our kid", async () => {
    const attacker = generateKeyPairSync("ed25519");
    const jwk = attacker.publicKey.export({ format: "jwk" });
    const token = signEdDSA({ ...genuineHeader(), jwk }, payloadAt(clock), attacker.privateKey);
    expect(await tokens.verify(token)).toEqual(INVALID);
  });

  it.each([
    ["jwk", () => generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" })],
    ["jku", () => "https://attacker.example/jwks.json"],
    ["x5u", () => "https://attacker.example/cert.pem"],
    ["x5c", () => ["MIIBszCCAVmgAwIBAgIU"]],
  ])("refuses any %s header outright, even on a token our own key signed", async (name, value) => {
    const header = { ...genuineHeader(), [name]: value() };
    expect(await tokens.verify(signEdDSA(header, payloadAt(clock), ring.signingKey().privateKey))).toEqual(INVALID);
  });

  it.each([
    ["path traversal", "../../etc/passwd"],
    ["SQL", "1' OR '1'='1"],
    ["500 characters", "k".repeat(500)],
    ["a NUL byte", "abc\u0000def"],
    ["empty", ""],
  ])("refuses a kid with %s, without throwing and without reloading keys", async (_label, kid) => {
    const listsBefore = repo.lists;
    clock.advance(RELOAD_MIN_INTERVAL_MS); // a reload would be allowed now
    const token = signEdDSA({ ...genuineHeader(), kid }, payloadAt(clock), ring.signingKey().privateKey);
    await expect(tokens.verify(token)).resolves.toEqual(INVALID);
    expect(repo.lists).toBe(listsBefore);
  });

  it("refuses a missing kid and a non-string kid", async () => {
    const { kid: _kid, ...noKid } = genuineHeader();
    const key = ring.signingKey().privateKey;
    expect(await tokens.verify(signEdDSA(noKid, payloadAt(clock), key))).toEqual(INVALID);
    expect(await tokens.verify(signEdDSA({ ...noKid, kid: 7 }, payloadAt(clock), key))).toEqual(INVALID);
    expect(await tokens.verify(signEdDSA({ ...noKid, kid: ["a"] }, payloadAt(clock), key))).toEqual(INVALID);
  });

  it("reloads at most once per interval however many unknown kids arrive", async () => {
    clock.advance(RELOAD_MIN_INTERVAL_MS);
    const listsBefore = repo.lists;
    const key = ring.signingKey().privateKey;
    for (let i = 0; i < 20; i++) {
      const token = signEdDSA({ ...genuineHeader(), kid: `unknown-${i}` }, payloadAt(clock), key);
      expect(await tokens.verify(token)).toEqual(INVALID);
    }
    expect(repo.lists).toBe(listsBefore + 1);
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

describe("JwtAccessTokens.hs256", () => {
  let hs: JwtAccessTokens;
  beforeEach(() => {
    hs = JwtAccessTokens.hs256(HS_SECRET, common(clock));
  });

  it("issues and verifies", async () => {
    const issued = await hs.issue(CLAIMS);
    const header = decodeProtectedHeader(issued.token);
    expect(header.alg).toBe("HS256");
    expect(header.typ).toBe("at+jwt");
    expect(header.kid).toMatch(/^hs256-[0-9a-f]{12}$/);
    expect(String(header.kid)).not.toContain(HS_SECRET.slice(0, 8));
    expect(await hs.verify(issued.token)).toEqual({
      ok: true,
      token: { ...CLAIMS, jti: issued.jti, issuedAt: new Date(START), expiresAt: new Date(START + TTL_SECONDS * 1000) },
    });
  });

  it("expires like the EdDSA tokens", async () => {
    const { token } = await hs.issue(CLAIMS);
    clock.advance(TTL_SECONDS * 1000 + 1);
    expect(await hs.verify(token)).toEqual(EXPIRED);
  });

  it("publishes no key", async () => {
    expect(await hs.publicJwks()).toEqual([]);
  });

  it("refuses an EdDSA token, and the EdDSA verifier refuses an HS256 token", async () => {
    const ed = await tokens.issue(CLAIMS);
    const mac = await hs.issue(CLAIMS);
    expect(await hs.verify(ed.token)).toEqual(INVALID);
    expect(await tokens.verify(mac.token)).toEqual(INVALID);
  });

  it("refuses a token made with another secret", async () => {
    const other = JwtAccessTokens.hs256(`${HS_SECRET}-other`, common(clock));
    expect(await hs.verify((await other.issue(CLAIMS)).token)).toEqual(INVALID);
  });

  it("refuses the right secret under a foreign kid, and alg none", async () => {
    const header = decodeProtectedHeader((await hs.issue(CLAIMS)).token);
    const control = signHS256({ ...header }, payloadAt(clock), HS_SECRET);
    expect((await hs.verify(control)).ok).toBe(true);
    expect(await hs.verify(signHS256({ ...header, kid: "hs256-000000000000" }, payloadAt(clock), HS_SECRET))).toEqual(INVALID);
    expect(await hs.verify(`${b64json({ ...header, alg: "none" })}.${b64json(payloadAt(clock))}.`)).toEqual(INVALID);
  });
});

describe("the cache of verified tokens", () => {
  it("answers a repeated token from the cache, but still expires it on time", async () => {
    const issued = await tokens.issue(CLAIMS);
    expect((await tokens.verify(issued.token)).ok).toBe(true);
    const listsBefore = repo.lists;
    expect((await tokens.verify(issued.token)).ok).toBe(true);
    expect(repo.lists).toBe(listsBefore);
    clock.advance(TTL_SECONDS * 1000 + 1000);
    expect(await tokens.verify(issued.token)).toEqual({ ok: false, reason: "TOKEN_EXPIRED" });
  });

  it("drops a cached token at once when its key is removed from the ring", async () => {
    const issued = await tokens.issue(CLAIMS);
    expect((await tokens.verify(issued.token)).ok).toBe(true);
    // A compromised key is deleted from the store; the ring reloads.
    repo.rows.splice(0, repo.rows.length);
    await ring.reload();
    expect(await tokens.verify(issued.token)).toEqual({ ok: false, reason: "TOKEN_INVALID" });
  });

  it("never lets a different string ride on a cached verification", async () => {
    const issued = await tokens.issue(CLAIMS);
    await tokens.verify(issued.token);
    const [h, p, sig] = issued.token.split(".");
    const forged = `${h}.${b64json({ ...JSON.parse(Buffer.from(p!, "base64url").toString()), roles: ["root"] })}.${sig}`;
    expect(await tokens.verify(forged)).toEqual({ ok: false, reason: "TOKEN_INVALID" });
  });
});
