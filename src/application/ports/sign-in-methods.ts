/**
 * Ways to sign in besides a password: identities at OpenID Connect providers and passkeys.
 * Ports owned by the application; adapters implement them.
 */

/** An identity at a provider: the pair (issuer, subject) is the identity, never the email. */
export interface OAuthIdentity {
  id: string;
  userId: string;
  /** The provider entry's id (OAUTH__PROVIDERS). */
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface OAuthIdentityRepository {
  findBySubject(issuer: string, subject: string): Promise<OAuthIdentity | null>;
  listForUser(userId: string): Promise<OAuthIdentity[]>;
  /**
   * Inserts the identity. A unique index decides races: (issuer, subject) already linked to any
   * account, or the account already has an identity at this provider, throws DomainError
   * PROVIDER_ALREADY_LINKED.
   */
  create(identity: OAuthIdentity): Promise<OAuthIdentity>;
  /** Deletes the account's identity at `provider`; false when there was none. */
  delete(userId: string, provider: string): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
}

/** A WebAuthn credential. `publicKey` is the COSE key the authenticator registered. */
export interface StoredPasskey {
  id: string;
  userId: string;
  /** base64url, as the authenticator returns it. */
  credentialId: string;
  publicKey: Uint8Array;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface PasskeyRepository {
  findByCredentialId(credentialId: string): Promise<StoredPasskey | null>;
  listForUser(userId: string): Promise<StoredPasskey[]>;
  /** Inserts the passkey; a credential id already registered (to anyone) throws PASSKEY_INVALID. */
  create(passkey: StoredPasskey): Promise<StoredPasskey>;
  /** Deletes the account's passkey `id`; false when the account has no such passkey. */
  delete(userId: string, id: string): Promise<boolean>;
  /**
   * Records a use: sets the counter to `counter` and lastUsedAt, only while the stored counter is
   * still `expectedCounter` (a conditional write: two concurrent uses of one response cannot both
   * pass). False when it no longer was.
   */
  recordUse(id: string, expectedCounter: number, counter: number, at: Date): Promise<boolean>;
}
