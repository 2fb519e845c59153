import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { decodeJwt } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { JwtAccessTokens } from "./jwt-access-tokens.js";
import {
  b64json,
  CLAIMS,
  common,
  FakeClock,
  INVALID,
  initRing,
  MemorySigningKeys,
  payloadAt,
  RELOAD_MIN_INTERVAL_MS,
  START,
  signEdDSA,
  signHS256,
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

/** The header of a genuine token, to be altered one field at a time. */
function genuineHeader(): Record<string, unknown> {
  return { alg: "EdDSA", typ: "at+jwt", kid: ring.signingKey().kid };
}

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
