import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { JwtAccessTokens } from "./jwt-access-tokens.js";
import {
  AUDIENCE,
  b64json,
  CLAIMS,
  common,
  EXPIRED,
  FakeClock,
  INVALID,
  ISSUER,
  initRing,
  MemorySigningKeys,
  payloadAt,
  START,
  signEdDSA,
  TTL_SECONDS,
} from "./jwt-test-kit.js";
import type { KeyRing } from "./key-ring.js";
import { cryptoRandom } from "./system.js";

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

/** The header of a genuine token, to be altered one field at a time. */
function genuineHeader(): Record<string, unknown> {
  return { alg: "EdDSA", typ: "at+jwt", kid: ring.signingKey().kid };
}

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

  it("issues what jose alone accepts from the published JWKS, as another service verifies it (the signing is node:crypto's)", async () => {
    const issued = await tokens.issue(CLAIMS);
    const jwks = createLocalJWKSet({ keys: await tokens.publicJwks() } as JSONWebKeySet);
    const { payload, protectedHeader } = await jwtVerify(issued.token, jwks, {
      algorithms: ["EdDSA"],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: "at+jwt",
      currentDate: new Date(START),
    });
    expect(protectedHeader.kid).toBe(ring.signingKey().kid);
    expect(payload).toMatchObject({ sub: CLAIMS.userId, sid: CLAIMS.sessionId, jti: issued.jti });
    // One byte of the signature changed: refused (the signature is checked, not just decoded).
    const [h, p, sig] = issued.token.split(".") as [string, string, string];
    const flipped = Buffer.from(sig, "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    await expect(jwtVerify(`${h}.${p}.${flipped.toString("base64url")}`, jwks, { currentDate: new Date(START) })).rejects.toThrow();
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
