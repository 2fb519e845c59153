// An in-memory SigningKeyRepository with the semantics of the Prisma one: keys listed in
// activation order (then createdAt, then kid), a kid stored once, the public JWK kept as JSON,
// and retiring an unknown kid an error (the key ring and the store disagree). Copies go in and
// out, so no caller aliases a stored key.
import type { SigningKeyRepository, StoredSigningKey } from "../ports/signing-keys.js";

function copy(key: StoredSigningKey): StoredSigningKey {
  return {
    kid: key.kid,
    algorithm: key.algorithm,
    // A JSON column: what comes back is what JSON keeps.
    publicJwk: JSON.parse(JSON.stringify(key.publicJwk)) as Record<string, unknown>,
    privateKey: key.privateKey,
    createdAt: new Date(key.createdAt),
    activatesAt: new Date(key.activatesAt),
    retiresAt: key.retiresAt === null ? null : new Date(key.retiresAt),
    expiresAt: key.expiresAt === null ? null : new Date(key.expiresAt),
  };
}

function activationOrder(a: StoredSigningKey, b: StoredSigningKey): number {
  return a.activatesAt.getTime() - b.activatesAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime() || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
}

export function createMemorySigningKeyRepository(): SigningKeyRepository {
  const keys = new Map<string, StoredSigningKey>();
  return {
    async list() {
      return [...keys.values()].sort(activationOrder).map(copy);
    },
    async insert(key) {
      if (keys.has(key.kid)) throw new Error(`Unique constraint violated: signing_keys_pkey (${key.kid})`);
      keys.set(key.kid, copy(key));
    },
    async retire(kid, retiresAt, expiresAt) {
      const key = keys.get(kid);
      if (!key) throw new Error(`Signing key ${kid} does not exist`);
      keys.set(kid, { ...key, retiresAt: new Date(retiresAt), expiresAt: new Date(expiresAt) });
    },
  };
}
