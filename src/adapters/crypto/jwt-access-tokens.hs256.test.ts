import { decodeProtectedHeader } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { JwtAccessTokens } from "./jwt-access-tokens.js";
import {
  b64json,
  CLAIMS,
  common,
  EXPIRED,
  FakeClock,
  HS_SECRET,
  INVALID,
  initRing,
  MemorySigningKeys,
  payloadAt,
  START,
  signHS256,
  TTL_SECONDS,
} from "./jwt-test-kit.js";
import type { KeyRing } from "./key-ring.js";

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
