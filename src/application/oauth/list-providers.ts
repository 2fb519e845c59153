import type { OAuthIdentity } from "../ports/sign-in-methods.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadActiveUser } from "../shared/load-active-user.js";

/** ListProviders: the account's identities, oldest first, and the configured providers. */
export class ListProviders {
  constructor(private readonly deps: Pick<CoreDeps, "uow" | "oauthProviders">) {}

  async execute(principal: Principal): Promise<{ identities: OAuthIdentity[]; available: string[] }> {
    const user = await loadActiveUser(this.deps, principal);
    const identities = await this.deps.uow.oauthIdentities.listForUser(user.id);
    return { identities, available: this.deps.oauthProviders.list().map((p) => p.id) };
  }
}
