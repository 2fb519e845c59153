/**
 * WebAuthn ceremonies (passkeys), in terms of the JSON the browser exchanges
 * (PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON, ...). A port owned by the
 * application; the adapter (src/adapters/webauthn) knows the relying party (id, name, origins).
 * Challenges are made by the caller from injected randomness and kept server-side by it.
 */
import type { StoredPasskey } from "./sign-in-methods.js";

/** A JSON object as it arrives in or leaves through a google.protobuf.Struct. */
export type JsonObject = { [key: string]: unknown };

/** A registration response that verified: what is stored of the new credential. */
export interface VerifiedRegistration {
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
}

/** An assertion whose signature, challenge, origin, RP id and user verification checked out. */
export interface VerifiedAuthentication {
  /** The authenticator's signature counter in this assertion (compared with the stored one by the caller). */
  newCounter: number;
  deviceType: string;
  backedUp: boolean;
}

export interface WebAuthn {
  /**
   * Creation options for `user`: user verification required, a resident key preferred,
   * attestation "none", the account's passkeys excluded (an authenticator registers once).
   */
  registrationOptions(input: {
    userId: string;
    userName: string;
    displayName: string;
    challenge: string;
    exclude: readonly StoredPasskey[];
  }): Promise<JsonObject>;
  /** Null when the response does not verify (challenge, origin, RP id, user verification, format). */
  verifyRegistration(response: JsonObject, expectedChallenge: string): Promise<VerifiedRegistration | null>;
  /** Request options; `allow` empty for discoverable credentials. User verification required. */
  authenticationOptions(input: { challenge: string; allow: readonly StoredPasskey[] }): Promise<JsonObject>;
  /**
   * Null when the assertion does not verify for `passkey`. The signature counter is NOT judged
   * here (the caller compares it with the stored one, after the signature checked out).
   */
  verifyAuthentication(response: JsonObject, expectedChallenge: string, passkey: StoredPasskey): Promise<VerifiedAuthentication | null>;
}
