import { DomainError } from "../../domain/errors.js";
import { canSignIn, type User } from "../../domain/user.js";
import type { RequestContext } from "../ports/time.js";
import type { Repositories } from "../ports/unit-of-work.js";
import { type AuditTrail, auditTrail } from "./audited-write.js";
import type { CoreDeps } from "./deps.js";

/** The ways an account can sign in: its password, its provider identities, its passkeys. */
export async function signInMethodCount(repos: Pick<Repositories, "oauthIdentities" | "passkeys">, user: User): Promise<number> {
  const [identities, passkeys] = await Promise.all([repos.oauthIdentities.listForUser(user.id), repos.passkeys.listForUser(user.id)]);
  return (user.passwordHash !== null ? 1 : 0) + identities.length + passkeys.length;
}

export const lastSignInMethod = () =>
  new DomainError("LAST_SIGN_IN_METHOD", "This is the last way to sign in to the account: add a password, a passkey or another provider first");

/** A read that a concurrent change of how the account signs in made stale: read again. */
class StaleRead extends Error {}

const ATTEMPTS = 3;

/**
 * Removes one way to sign in (a provider identity, a passkey) unless it is the account's last.
 *
 * The race between the count and the delete (two removals at once, each seeing the other's
 * method still there) is closed by a conditional write: the transaction counts, deletes, then bumps
 * the user's authVersion only while it is still the version read before the count. Every change of
 * how the account signs in bumps it, so the second of two concurrent removals finds the row
 * changed, rolls its delete back, and counts again from what the first committed.
 */
export async function removeSignInMethod(
  deps: Pick<CoreDeps, "uow" | "clock" | "ids">,
  ctx: RequestContext,
  actor: { userId: string; sessionId: string | null },
  remove: (tx: Repositories, user: User, audit: AuditTrail) => Promise<boolean>,
  notFound: () => DomainError,
): Promise<User> {
  const audit = auditTrail(deps, ctx, actor);
  for (let attempt = 1; ; attempt++) {
    const user = await deps.uow.users.findById(actor.userId);
    if (!user || !canSignIn(user)) throw new DomainError("USER_NOT_FOUND", "The account does not exist");
    try {
      return await deps.uow.transaction(async (tx) => {
        const before = await signInMethodCount(tx, user);
        if (!(await remove(tx, user, audit))) throw notFound();
        if (before <= 1) throw lastSignInMethod();
        const updated = await tx.users.updateIf(
          user.id,
          { authVersion: user.authVersion, canSignIn: true },
          { bumpAuthVersion: true, updatedAt: deps.clock.now() },
        );
        if (!updated) throw new StaleRead();
        return updated;
      });
    } catch (error) {
      if (!(error instanceof StaleRead) || attempt >= ATTEMPTS) {
        if (error instanceof StaleRead) throw new DomainError("SERVICE_UNAVAILABLE", "The account changed while it was being updated: try again");
        throw error;
      }
    }
  }
}

/**
 * A claim of the account (its first proven contact): the provider identities and passkeys set
 * up by whoever had proven nothing are removed with the password and second factor, so a
 * squatter keeps no way in (pre-account hijacking, the "trojan identifier" variant).
 */
export async function removeUnprovenSignInMethods(
  tx: Pick<Repositories, "oauthIdentities" | "passkeys">,
  userId: string,
): Promise<{ identities: number; passkeys: number }> {
  const [identities, passkeys] = await Promise.all([tx.oauthIdentities.listForUser(userId), tx.passkeys.listForUser(userId)]);
  for (const identity of identities) await tx.oauthIdentities.delete(userId, identity.provider);
  for (const passkey of passkeys) await tx.passkeys.delete(userId, passkey.id);
  return { identities: identities.length, passkeys: passkeys.length };
}
