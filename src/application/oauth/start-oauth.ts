import type { CoreDeps } from "../shared/deps.js";
import { beginFlow, providerOrThrow, type StartedFlow } from "./oauth-flow.js";

type Deps = Pick<CoreDeps, "oauthProviders" | "oauthFlows" | "random" | "clock">;

/** StartOAuth: the provider's authorization URL of a new login flow. */
export class StartOAuth {
  constructor(private readonly deps: Deps) {}

  async execute(input: { provider: string }): Promise<StartedFlow> {
    return beginFlow(this.deps, providerOrThrow(this.deps, input.provider), "login", null);
  }
}
