import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { contactsOf } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { isUuid } from "../shared/field-rules.js";
import { sendNotice } from "../shared/security-notices.js";
import { removeSignInMethod } from "../shared/sign-in-methods.js";

type Deps = Pick<CoreDeps, "uow" | "clock" | "ids" | "notifier" | "notices" | "report">;

const notFound = () => new DomainError("SIGN_IN_METHOD_NOT_FOUND", "The account has no such passkey");

/**
 * DeletePasskey (fresh authentication, checked by the access rule): removes one of the caller's
 * passkeys unless it is the account's last way to sign in (also when two removals race:
 * removeSignInMethod). Another account's passkey is as unknown as a made-up id. The contacts are told.
 */
export class DeletePasskey {
  constructor(private readonly deps: Deps) {}

  async execute(input: { passkeyId: string }, principal: Principal, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    if (input.passkeyId === "") violations.add("passkey_id", "is required");
    violations.throwIfAny();
    // Not an id we could have issued: nothing to look up.
    if (!isUuid(input.passkeyId)) throw notFound();
    const user = await removeSignInMethod(
      this.deps,
      ctx,
      { userId: principal.userId, sessionId: principal.sessionId },
      async (tx, owner, audit) => {
        if (!(await tx.passkeys.delete(owner.id, input.passkeyId))) return false;
        await audit.record(tx, "passkey.deleted", { metadata: { passkey_id: input.passkeyId } });
        return true;
      },
      notFound,
    );
    void sendNotice(this.deps, contactsOf(user), "passkey_removed", this.deps.clock.now());
  }
}
