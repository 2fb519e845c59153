import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SoftAuthenticator } from "../../../test/support/soft-authenticator.js";
import type { StoredPasskey } from "../../application/ports/sign-in-methods.js";
import { SimpleWebAuthn } from "./simplewebauthn.js";

const RP = { rpId: "localhost", rpName: "auth-service", origins: ["http://localhost:8080"] };
const USER = "01900000-0000-7000-8000-0000000000aa";
const challenge = () => randomBytes(32).toString("base64url");

async function registered(webauthn = new SimpleWebAuthn(RP)) {
  const authenticator = new SoftAuthenticator({ origin: "http://localhost:8080", rpId: "localhost" });
  const c = challenge();
  const options = await webauthn.registrationOptions({ userId: USER, userName: "ada", displayName: "Ada", challenge: c, exclude: [] });
  const verified = await webauthn.verifyRegistration(authenticator.register(options), c);
  if (!verified) throw new Error("registration did not verify");
  const passkey: StoredPasskey = { ...verified, id: "p1", userId: USER, name: "", createdAt: new Date(), lastUsedAt: null };
  return { webauthn, authenticator, passkey, credential: authenticator.credentials[0]! };
}

describe("SimpleWebAuthn", () => {
  it("creation options: our challenge, user verification required, attestation none, exclusions", async () => {
    const webauthn = new SimpleWebAuthn(RP);
    const c = challenge();
    const { passkey } = await registered(webauthn);
    const options = await webauthn.registrationOptions({ userId: USER, userName: "ada", displayName: "Ada", challenge: c, exclude: [passkey] });
    expect(options).toMatchObject({
      challenge: c,
      rp: { id: "localhost", name: "auth-service" },
      user: { id: Buffer.from(USER).toString("base64url"), name: "ada", displayName: "Ada" },
      attestation: "none",
      timeout: 300_000,
      authenticatorSelection: { userVerification: "required", residentKey: "preferred" },
      excludeCredentials: [{ id: passkey.credentialId, type: "public-key" }],
    });
  });

  it("verifies a real registration and assertion; refuses other origins, RP ids, challenges, missing UV, forged signatures", async () => {
    const rejected: string[] = [];
    const { webauthn, authenticator, passkey, credential } = await registered(new SimpleWebAuthn(RP, (_c, why) => rejected.push(why)));
    expect(passkey).toMatchObject({ counter: 0, transports: ["internal"], deviceType: "singleDevice", backedUp: false });
    const c = challenge();
    const options = await webauthn.authenticationOptions({ challenge: c, allow: [passkey] });
    expect(options).toMatchObject({ challenge: c, rpId: "localhost", userVerification: "required", allowCredentials: [{ id: passkey.credentialId }] });
    expect(await webauthn.verifyAuthentication(authenticator.assert(credential, options), c, passkey)).toMatchObject({ newCounter: 1 });
    for (const knobs of [
      { origin: "http://evil.test" },
      { rpId: "evil.test" },
      { userVerified: false },
      { forgeSignature: true },
      { challenge: challenge() },
    ]) {
      expect(await webauthn.verifyAuthentication(authenticator.assert(credential, options, knobs), c, passkey), JSON.stringify(knobs)).toBeNull();
    }
    // The counter is left to the caller: a lower one still verifies here.
    expect(await webauthn.verifyAuthentication(authenticator.assert(credential, options, { counter: 0 }), c, { ...passkey, counter: 9 })).toMatchObject({
      newCounter: 0,
    });
    expect(rejected.join("\n")).not.toContain(c);
  });

  it("refuses a registration from another origin or RP id, without UV, or for another challenge", async () => {
    const webauthn = new SimpleWebAuthn(RP);
    const authenticator = new SoftAuthenticator({ origin: "http://localhost:8080", rpId: "localhost" });
    for (const knobs of [{ origin: "http://evil.test" }, { rpId: "evil.test" }, { userVerified: false }, { challenge: challenge() }]) {
      const c = challenge();
      const options = await webauthn.registrationOptions({ userId: USER, userName: "ada", displayName: "Ada", challenge: c, exclude: [] });
      expect(await webauthn.verifyRegistration(authenticator.register(options, knobs), c), JSON.stringify(knobs)).toBeNull();
    }
    expect(await webauthn.verifyRegistration({ id: "x" }, challenge())).toBeNull();
  });

  it("an assertion naming another credential or user handle than the passkey it is checked against does not verify", async () => {
    const { webauthn, authenticator, passkey, credential } = await registered();
    const c = challenge();
    const options = await webauthn.authenticationOptions({ challenge: c, allow: [] });
    const response = authenticator.assert(credential, options);
    expect(await webauthn.verifyAuthentication({ ...response, id: "other", rawId: "other" }, c, passkey)).toBeNull();
    expect(await webauthn.verifyAuthentication(response, c, { ...passkey, userId: "01900000-0000-7000-8000-0000000000bb" })).toBeNull();
  });
});
