/**
 * A software WebAuthn authenticator on node:crypto, for server-side tests with real responses:
 * a P-256 key per credential, attestation "none", and assertions really signed over
 * authenticatorData || SHA-256(clientDataJSON) (ES256, DER), as a platform authenticator does.
 * Nothing of the verifying library is mocked: what it accepts from here it would accept from a
 * browser. Knobs let a test make the responses a browser on another origin, a phishing page
 * with another RP id, a cloned key (counter) or a forger (signature) would send.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

type Cbor = number | string | Uint8Array | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Just enough CBOR (RFC 8949, definite lengths) for COSE keys and attestation objects. */
export function cbor(value: Cbor): Buffer {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface SoftCredential {
  /** base64url credential id. */
  id: string;
  privateKey: KeyObject;
  /** The COSE_Key (EC2, P-256, ES256). */
  cose: Buffer;
  /** The signature counter the next assertion carries (incremented by each one). */
  counter: number;
  /** The user handle the options gave (base64url). */
  userHandle: string;
}

export interface CeremonyKnobs {
  /** The page's origin (clientDataJSON.origin). */
  origin?: string;
  /** The RP id hashed into authenticatorData. */
  rpId?: string;
  /** Whether the user was verified (the UV flag). Default true. */
  userVerified?: boolean;
  /** The counter to put into this assertion instead of the credential's next one. */
  counter?: number;
  /** Sign with another key than the credential's (a forger). */
  forgeSignature?: boolean;
  /** Overrides the challenge in clientDataJSON. */
  challenge?: string;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(private readonly defaults: { origin: string; rpId: string }) {}

  private authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter >>> 0);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
  }

  private clientData(type: string, challenge: string, origin: string): string {
    return b64url(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** Answers creation options (PublicKeyCredentialCreationOptionsJSON) with a RegistrationResponseJSON. */
  register(options: Record<string, unknown>, knobs: CeremonyKnobs = {}): Record<string, unknown> {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" }) as { x: string; y: string };
    const cose = cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x, "base64url")],
        [-3, Buffer.from(jwk.y, "base64url")],
      ]),
    );
    const rawId = randomBytes(16);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(rawId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, rawId, cose]);
    const flags = FLAG_UP | FLAG_AT | (knobs.userVerified === false ? 0 : FLAG_UV);
    const authData = this.authData(knobs.rpId ?? this.defaults.rpId, flags, 0, attested);
    const challenge = knobs.challenge ?? String(options.challenge);
    const clientDataJSON = this.clientData("webauthn.create", challenge, knobs.origin ?? this.defaults.origin);
    const credential: SoftCredential = { id: b64url(rawId), privateKey, cose, counter: 0, userHandle: String((options.user as { id: string }).id) };
    this.credentials.push(credential);
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: {
        clientDataJSON,
        attestationObject: b64url(cbor({ fmt: "none", attStmt: {}, authData })),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** Answers request options with an AuthenticationResponseJSON signed by `credential`. */
  assert(credential: SoftCredential, options: Record<string, unknown>, knobs: CeremonyKnobs = {}): Record<string, unknown> {
    const counter = knobs.counter ?? ++credential.counter;
    const flags = FLAG_UP | (knobs.userVerified === false ? 0 : FLAG_UV);
    const authData = this.authData(knobs.rpId ?? this.defaults.rpId, flags, counter);
    const clientDataJSON = this.clientData("webauthn.get", knobs.challenge ?? String(options.challenge), knobs.origin ?? this.defaults.origin);
    const key = knobs.forgeSignature ? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey : credential.privateKey;
    const signature = sign("sha256", Buffer.concat([authData, sha256(Buffer.from(clientDataJSON, "base64url"))]), key);
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: { clientDataJSON, authenticatorData: b64url(authData), signature: b64url(signature), userHandle: credential.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}
