/** Persistence of the access-token signing keys (used by the key ring). Ports owned by the application; adapters implement them. */
export interface StoredSigningKey {
  kid: string;
  algorithm: string;
  publicJwk: Record<string, unknown>;
  /** PKCS8 PEM, or ciphertext when CRYPTO__ENCRYPTION_KEY is set: opaque to the store. */
  privateKey: string;
  createdAt: Date;
  activatesAt: Date;
  /** From then on the key no longer signs. */
  retiresAt: Date | null;
  /** From then on the key no longer verifies. */
  expiresAt: Date | null;
}

export interface SigningKeyRepository {
  list(): Promise<StoredSigningKey[]>;
  insert(key: StoredSigningKey): Promise<void>;
  retire(kid: string, retiresAt: Date, expiresAt: Date): Promise<void>;
}
