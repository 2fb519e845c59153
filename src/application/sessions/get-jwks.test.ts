import { describe, expect, it } from "vitest";
import { fakeTokens, ManualClock } from "../../../test/support/fakes.js";
import type { PublicJwk } from "../ports/tokens.js";
import { GetJwks } from "./get-jwks.js";

describe("GetJwks", () => {
  it("publishes every public key the token service still verifies with", async () => {
    const jwks: PublicJwk[] = [
      { kty: "OKP", kid: "k1", use: "sig", alg: "EdDSA", crv: "Ed25519", x: "abc" },
      { kty: "OKP", kid: "k2", use: "sig", alg: "EdDSA", crv: "Ed25519", x: "def" },
    ];
    expect(await new GetJwks({ tokens: fakeTokens(new ManualClock(), { jwks }) }).execute()).toEqual(jwks);
  });

  it("publishes nothing when the tokens are HS256 (a shared secret is never published)", async () => {
    expect(await new GetJwks({ tokens: fakeTokens(new ManualClock(), { jwks: [] }) }).execute()).toEqual([]);
  });
});
