// WebAuthn ceremonies over @simplewebauthn/server (13.x: the last line that runs on Node 20).
//
// - User verification is required in both ceremonies (a passkey then stands for two factors).
// - Attestation "none": the service trusts the authenticator's key, not its make or model.
// - Every check the library makes (challenge, origin, RP id hash, flags, signature, format)
//   is kept; a response that fails any of them, or that the library cannot parse, is simply
//   "does not verify" (null). The signature counter is judged by the caller, after the signature
//   checked out, so a forged low counter can never mark a passkey as cloned.
import type { AuthenticationResponseJSON, AuthenticatorTransportFuture, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { StoredPasskey } from "../../application/ports/sign-in-methods.js";
import type { JsonObject, VerifiedAuthentication, VerifiedRegistration, WebAuthn } from "../../application/ports/webauthn.js";

export interface RelyingParty {
  /** The registrable domain passkeys are bound to (WEBAUTHN__RP_ID). */
  rpId: string;
  rpName: string;
  /** The exact origins of the pages allowed to run the ceremonies (WEBAUTHN__ORIGINS). */
  origins: readonly string[];
}

/** How long the browser may take (the server keeps the challenge as long: 5 minutes). */
const TIMEOUT_MS = 300_000;

/**
 * The library, loaded on the first ceremony: it and its CBOR, COSE and ASN.1 dependencies are
 * about 15 MB of resident memory that a service whose users never touch passkeys would carry.
 */
let library: Promise<typeof import("@simplewebauthn/server")> | null = null;
const webauthn = () => {
  library ??= import("@simplewebauthn/server");
  return library;
};

const bytesOf = (base64url: string) => new Uint8Array(Buffer.from(base64url, "base64url"));
const transportsOf = (passkey: StoredPasskey) => passkey.transports as AuthenticatorTransportFuture[];

export class SimpleWebAuthn implements WebAuthn {
  constructor(
    private readonly rp: RelyingParty,
    /** Told why a response did not verify (the library's message, quoted values removed; never the response). */
    private readonly onRejected: (ceremony: "registration" | "authentication", why: string) => void = () => {},
  ) {}

  async registrationOptions(input: {
    userId: string;
    userName: string;
    displayName: string;
    challenge: string;
    exclude: readonly StoredPasskey[];
  }): Promise<JsonObject> {
    const options = await (await webauthn()).generateRegistrationOptions({
      rpName: this.rp.rpName,
      rpID: this.rp.rpId,
      // The user handle is the account id: an authenticator replaces its own earlier passkey of
      // the same account instead of piling up a second one.
      userID: new Uint8Array(Buffer.from(input.userId, "utf8")),
      userName: input.userName,
      userDisplayName: input.displayName,
      challenge: bytesOf(input.challenge),
      timeout: TIMEOUT_MS,
      attestationType: "none",
      excludeCredentials: input.exclude.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
      authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    });
    return options as unknown as JsonObject;
  }

  async verifyRegistration(response: JsonObject, expectedChallenge: string): Promise<VerifiedRegistration | null> {
    try {
      const result = await (await webauthn()).verifyRegistrationResponse({
        response: response as unknown as RegistrationResponseJSON,
        expectedChallenge,
        expectedOrigin: [...this.rp.origins],
        expectedRPID: this.rp.rpId,
        requireUserVerification: true,
      });
      if (!result.verified || !result.registrationInfo.userVerified) return this.rejected("registration", "not verified");
      const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
      return {
        credentialId: credential.id,
        publicKey: new Uint8Array(credential.publicKey),
        counter: credential.counter,
        transports: credential.transports ?? [],
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
      };
    } catch (error) {
      return this.rejected("registration", error);
    }
  }

  async authenticationOptions(input: { challenge: string; allow: readonly StoredPasskey[] }): Promise<JsonObject> {
    const options = await (await webauthn()).generateAuthenticationOptions({
      rpID: this.rp.rpId,
      challenge: bytesOf(input.challenge),
      timeout: TIMEOUT_MS,
      userVerification: "required",
      allowCredentials: input.allow.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    });
    return options as unknown as JsonObject;
  }

  async verifyAuthentication(response: JsonObject, expectedChallenge: string, passkey: StoredPasskey): Promise<VerifiedAuthentication | null> {
    // The library verifies against the credential it is given, whatever id the response names.
    if (response.id !== passkey.credentialId || response.rawId !== passkey.credentialId) return this.rejected("authentication", "credential id mismatch");
    // A discoverable credential names its account (the user handle given at registration).
    const userHandle = (response.response as { userHandle?: unknown } | undefined)?.userHandle;
    if (userHandle !== undefined && userHandle !== null && userHandle !== "" && userHandle !== Buffer.from(passkey.userId, "utf8").toString("base64url")) {
      return this.rejected("authentication", "user handle mismatch");
    }
    try {
      const result = await (await webauthn()).verifyAuthenticationResponse({
        response: response as unknown as AuthenticationResponseJSON,
        expectedChallenge,
        expectedOrigin: [...this.rp.origins],
        expectedRPID: this.rp.rpId,
        requireUserVerification: true,
        // Counter 0 turns the library's own counter rule off: the caller applies it after the
        // signature verified (a counter going backwards marks the passkey as possibly cloned).
        credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: 0, transports: transportsOf(passkey) },
      });
      if (!result.verified || !result.authenticationInfo.userVerified) return this.rejected("authentication", "not verified");
      const info = result.authenticationInfo;
      return { newCounter: info.newCounter, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp };
    } catch (error) {
      return this.rejected("authentication", error);
    }
  }

  private rejected(ceremony: "registration" | "authentication", why: unknown): null {
    // The library's words without what it quotes (a challenge, an origin, an id).
    this.onRejected(ceremony, (why instanceof Error ? why.message : String(why)).replace(/"[^"]*"/g, '"…"').slice(0, 200));
    return null;
  }
}
