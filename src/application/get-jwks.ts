import type { CoreDeps } from "./deps.js";
import type { PublicJwk } from "./ports.js";

export class GetJwks {
  constructor(private readonly deps: Pick<CoreDeps, "tokens">) {}

  execute(): Promise<PublicJwk[]> {
    return this.deps.tokens.publicJwks();
  }
}
