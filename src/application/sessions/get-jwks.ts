import type { PublicJwk } from "../ports/tokens.js";
import type { CoreDeps } from "../shared/deps.js";

export class GetJwks {
  constructor(private readonly deps: Pick<CoreDeps, "tokens">) {}

  execute(): Promise<PublicJwk[]> {
    return this.deps.tokens.publicJwks();
  }
}
