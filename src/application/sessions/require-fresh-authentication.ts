import { DomainError } from "../../domain/errors.js";
import type { CoreDeps } from "../shared/deps.js";
import type { Principal } from "./validate-token.js";

/**
 * The one rule for sensitive changes (security.md 38): the caller's session was opened, or
 * re-authenticated, within AUTH__REAUTH_MAX_AGE_MINUTES. Refreshing a token does not renew it.
 * Which calls need it is declared in the contract (`option (auth.v1.access)`), and the access
 * interceptor runs this before the handler; no use case repeats the check.
 */
export class RequireFreshAuthentication {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "clock" | "settings">) {}

  async execute(principal: Principal): Promise<void> {
    const session = await this.deps.uow.sessions.findById(principal.sessionId);
    const age = session ? this.deps.clock.now().getTime() - session.authenticatedAt.getTime() : Infinity;
    if (age > this.deps.settings.reauthMaxAgeSeconds * 1000) {
      throw new DomainError("REAUTHENTICATION_REQUIRED", "This change needs a recent sign-in: call Reauthenticate with your password or second factor first");
    }
  }
}
