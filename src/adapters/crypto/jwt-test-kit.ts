// Fakes and fixtures shared by the jwt-access-tokens.*.test.ts files: an in-memory signing-key
// store, a settable clock, the claims every test issues, and hand-crafted JWS tokens.
import { createHmac, type KeyObject, sign } from "node:crypto";
import type { SigningKeyRepository, StoredSigningKey } from "../../application/ports/signing-keys.js";
import type { Clock } from "../../application/ports/time.js";
import type { AccessTokenClaims, AccessTokenVerification } from "../../application/ports/tokens.js";
import { KeyRing } from "./key-ring.js";
import type { SecretBox } from "./secret-box.js";
import { cryptoRandom, uuidV7Ids } from "./system.js";

// ---------------------------------------------------------------- fakes

/** The SigningKeyRepository port over an array; copies on the way in and out, like a database. */
export class MemorySigningKeys implements SigningKeyRepository {
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

export class FakeClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

// ---------------------------------------------------------------- fixtures

export const ISSUER = "auth-service";
export const AUDIENCE = "internal-services";
export const TTL_SECONDS = 15 * 60;
export const RELOAD_MIN_INTERVAL_MS = 5_000;
export const START = Date.UTC(2026, 0, 15, 12, 0, 0);
export const HS_SECRET = "an-hs256-secret-of-at-least-32-characters!";

export const CLAIMS: AccessTokenClaims = {
  userId: "0190a1b2-0000-7000-8000-000000000001",
  username: "alice",
  sessionId: "0190a1b2-0000-7000-8000-0000000000aa",
  roles: ["user", "admin"],
  scopes: ["profile:read", "profile:write"],
};

export function common(clock: Clock, overrides: { issuer?: string; audience?: string } = {}) {
  return {
    issuer: overrides.issuer ?? ISSUER,
    audience: overrides.audience ?? AUDIENCE,
    ttlSeconds: TTL_SECONDS,
    clock,
    ids: uuidV7Ids(clock, cryptoRandom),
  };
}

export function newRing(repo: SigningKeyRepository, clock: Clock, box: SecretBox | null = null): KeyRing {
  return new KeyRing(repo, box, clock, {
    accessTokenTtlSeconds: TTL_SECONDS,
    reloadMinIntervalMs: RELOAD_MIN_INTERVAL_MS,
  });
}

/** A ring over `repo`, started (an empty store gets its first key): what every suite begins with. */
export async function initRing(repo: SigningKeyRepository, clock: Clock): Promise<KeyRing> {
  const ring = newRing(repo, clock);
  await ring.init();
  return ring;
}

export const b64json = (value: unknown) => Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

/** A payload exactly like the one `issue` produces, at the clock's time. */
export function payloadAt(clock: Clock, overrides: Record<string, unknown> = {}): Record<string, unknown> {
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
export function signEdDSA(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString("base64url")}`;
}

/** Hand-crafts a JWS compact token with an HMAC-SHA256 "signature" under `secret`. */
export function signHS256(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | Buffer): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

export const INVALID: AccessTokenVerification = { ok: false, reason: "TOKEN_INVALID" };
export const EXPIRED: AccessTokenVerification = { ok: false, reason: "TOKEN_EXPIRED" };
