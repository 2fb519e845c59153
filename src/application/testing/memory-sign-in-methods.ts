// The OAuthIdentityRepository and PasskeyRepository over in-memory tables, as the Prisma ones
// behave: the unique indexes ((issuer, subject), (user_id, provider), credential_id), the
// foreign key to the user, and the conditional counter write decided in one synchronous step.
import { DomainError } from "../../domain/errors.js";
import type { OAuthIdentityRepository, PasskeyRepository } from "../ports/sign-in-methods.js";
import { constraintViolation, detached, type Run, requireUser } from "./memory-tables.js";

const byCreation = (a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function memoryOAuthIdentityRepository(run: Run): OAuthIdentityRepository {
  return {
    findBySubject: (issuer, subject) =>
      run((t) => {
        for (const i of t.oauthIdentities.values()) if (i.issuer === issuer && i.subject === subject) return detached(i);
        return null;
      }),
    listForUser: (userId) =>
      run((t) =>
        [...t.oauthIdentities.values()]
          .filter((i) => i.userId === userId)
          .sort(byCreation)
          .map(detached),
      ),
    create: (identity) =>
      run((t) => {
        if (t.oauthIdentities.has(identity.id)) throw constraintViolation("unique", "oauth_identities_pkey");
        requireUser(t, identity.userId, "oauth_identities_user_id_fkey");
        for (const other of t.oauthIdentities.values()) {
          const sameIdentity = other.issuer === identity.issuer && other.subject === identity.subject;
          const sameProvider = other.userId === identity.userId && other.provider === identity.provider;
          if (sameIdentity || sameProvider) throw new DomainError("PROVIDER_ALREADY_LINKED", "This provider identity is already linked to an account");
        }
        t.oauthIdentities.set(identity.id, detached(identity));
        return detached(identity);
      }),
    delete: (userId, provider) =>
      run((t) => {
        for (const i of t.oauthIdentities.values()) {
          if (i.userId === userId && i.provider === provider) return t.oauthIdentities.delete(i.id);
        }
        return false;
      }),
    touch: (id, at) =>
      run((t) => {
        const row = t.oauthIdentities.get(id);
        if (row) t.oauthIdentities.set(id, { ...row, lastUsedAt: new Date(at) });
      }),
  };
}

export function memoryPasskeyRepository(run: Run): PasskeyRepository {
  return {
    findByCredentialId: (credentialId) =>
      run((t) => {
        for (const p of t.passkeys.values()) if (p.credentialId === credentialId) return detached(p);
        return null;
      }),
    listForUser: (userId) =>
      run((t) =>
        [...t.passkeys.values()]
          .filter((p) => p.userId === userId)
          .sort(byCreation)
          .map(detached),
      ),
    create: (passkey) =>
      run((t) => {
        if (t.passkeys.has(passkey.id)) throw constraintViolation("unique", "passkeys_pkey");
        requireUser(t, passkey.userId, "passkeys_user_id_fkey");
        for (const other of t.passkeys.values()) {
          if (other.credentialId === passkey.credentialId) throw new DomainError("PASSKEY_INVALID", "The passkey could not be registered");
        }
        t.passkeys.set(passkey.id, detached(passkey));
        return detached(passkey);
      }),
    delete: (userId, id) =>
      run((t) => {
        const row = t.passkeys.get(id);
        return row !== undefined && row.userId === userId && t.passkeys.delete(id);
      }),
    recordUse: (id, expectedCounter, counter, at) =>
      run((t) => {
        const row = t.passkeys.get(id);
        if (!row || row.counter !== expectedCounter) return false;
        t.passkeys.set(id, { ...row, counter, lastUsedAt: new Date(at) });
        return true;
      }),
  };
}
