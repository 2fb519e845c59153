/**
 * A WebAuthn port stand-in for use-case unit tests: options echo what they were built from, and
 * a "response" verifies when its clientDataJSON carries the expected challenge and (for an
 * assertion) its signature is `signed:<credential id>`. The real ceremonies (signatures, origins,
 * RP id, user verification) are tested through the adapter in test/grpc/passkeys.test.ts and
 * test/browser/passkeys.test.ts.
 */
import type { JsonObject, WebAuthn } from "../../src/application/ports/webauthn.js";

const clientData = (challenge: string, type: string) => Buffer.from(JSON.stringify({ type, challenge, origin: "http://localhost:8080" })).toString("base64url");

const challengeOf = (response: JsonObject): string | null => {
  const data = (response.response as { clientDataJSON?: string } | undefined)?.clientDataJSON;
  if (typeof data !== "string") return null;
  return (JSON.parse(Buffer.from(data, "base64url").toString("utf8")) as { challenge?: string }).challenge ?? null;
};

export function fakeWebAuthn(): WebAuthn & { verified: string[] } {
  const verified: string[] = [];
  return {
    verified,
    async registrationOptions(input) {
      return {
        challenge: input.challenge,
        rp: { id: "localhost", name: "auth-service" },
        user: { id: Buffer.from(input.userId).toString("base64url"), name: input.userName, displayName: input.displayName },
        excludeCredentials: input.exclude.map((p) => ({ id: p.credentialId, type: "public-key" })),
        authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
        attestation: "none",
      };
    },
    async verifyRegistration(response, expectedChallenge) {
      verified.push("registration");
      if (challengeOf(response) !== expectedChallenge || typeof response.id !== "string" || response.valid === false) return null;
      return {
        credentialId: response.id,
        publicKey: new Uint8Array([1, 2, 3]),
        counter: 0,
        transports: ["internal"],
        deviceType: "singleDevice",
        backedUp: false,
      };
    },
    async authenticationOptions(input) {
      return {
        challenge: input.challenge,
        rpId: "localhost",
        allowCredentials: input.allow.map((p) => ({ id: p.credentialId, type: "public-key" })),
        userVerification: "required",
      };
    },
    async verifyAuthentication(response, expectedChallenge, passkey) {
      verified.push(`authentication:${passkey.credentialId}`);
      const inner = response.response as { signature?: string; counter?: number };
      if (challengeOf(response) !== expectedChallenge || response.id !== passkey.credentialId || inner.signature !== `signed:${passkey.credentialId}`)
        return null;
      return { newCounter: inner.counter ?? 0, deviceType: "singleDevice", backedUp: false };
    },
  };
}

/** A registration "response" for the fake: the challenge from the options, the credential id. */
export function fakeRegistration(options: JsonObject, credentialId: string, extra: JsonObject = {}): JsonObject {
  return {
    id: credentialId,
    rawId: credentialId,
    type: "public-key",
    response: { clientDataJSON: clientData(String(options.challenge), "webauthn.create") },
    ...extra,
  };
}

/** An assertion for the fake; `signature` defaults to the right one. */
export function fakeAssertion(options: JsonObject, credentialId: string, over: { counter?: number; signature?: string } = {}): JsonObject {
  return {
    id: credentialId,
    rawId: credentialId,
    type: "public-key",
    response: {
      clientDataJSON: clientData(String(options.challenge), "webauthn.get"),
      signature: over.signature ?? `signed:${credentialId}`,
      counter: over.counter ?? 0,
    },
  };
}
