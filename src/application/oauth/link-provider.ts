import { DomainError } from "../../domain/errors.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "../shared/deps.js";
import { beginFlow, providerOrThrow, type StartedFlow } from "./oauth-flow.js";

type Deps = Pick<CoreDeps, "oauthProviders" | "oauthFlows" | "random" | "clock" | "uow">;

/**
 * LinkProvider: a flow bound to the caller (fresh authentication, checked by the access rule):
 * CompleteOAuth with its state links the identity, and only with this same user's bearer.
 */
export class LinkProvider {
  constructor(private readonly deps: Deps) {}

  async execute(input: { provider: string }, caller: Principal): Promise<StartedFlow> {
    const provider = providerOrThrow(this.deps, input.provider);
    const linked = await this.deps.uow.oauthIdentities.listForUser(caller.userId);
    if (linked.some((i) => i.provider === provider.id)) {
      throw new DomainError("PROVIDER_ALREADY_LINKED", "The account already has an identity at this provider: unlink it first");
    }
    return beginFlow(this.deps, provider, "link", caller.userId);
  }
}
