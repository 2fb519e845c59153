import { DomainError, Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { Principal } from "../sessions/validate-token.js";
import { contactsOf } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { sendNotice } from "../shared/security-notices.js";
import { removeSignInMethod } from "../shared/sign-in-methods.js";

type Deps = Pick<CoreDeps, "uow" | "clock" | "ids" | "notifier" | "notices" | "report">;

/**
 * UnlinkProvider (fresh authentication, checked by the access rule): removes the account's identity
 * at the provider, unless it is the last way to sign in (also when two removals race:
 * removeSignInMethod). The provider need not be configured any more. The contacts are told.
 */
export class UnlinkProvider {
  constructor(private readonly deps: Deps) {}

  async execute(input: { provider: string }, principal: Principal, ctx: RequestContext): Promise<void> {
    const violations = new Violations();
    if (input.provider === "") violations.add("provider", "is required");
    else if (input.provider.length > 64) violations.add("provider", "is too long");
    violations.throwIfAny();
    const user = await removeSignInMethod(
      this.deps,
      ctx,
      { userId: principal.userId, sessionId: principal.sessionId },
      async (tx, owner, audit) => {
        if (!(await tx.oauthIdentities.delete(owner.id, input.provider))) return false;
        await audit.record(tx, "provider.unlinked", { metadata: { provider: input.provider } });
        return true;
      },
      () => new DomainError("SIGN_IN_METHOD_NOT_FOUND", "The account has no identity at this provider"),
    );
    void sendNotice(this.deps, contactsOf(user), "provider_unlinked", this.deps.clock.now());
  }
}
