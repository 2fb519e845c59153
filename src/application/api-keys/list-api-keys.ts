import type { ApiKeyRecord } from "../ports/api-keys.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "../shared/deps.js";

/** The caller's keys, newest first, revoked ones included (their revoke time says so); never a secret. */
export class ListApiKeys {
  constructor(private readonly deps: Pick<CoreDeps, "uow">) {}

  execute(principal: Principal): Promise<ApiKeyRecord[]> {
    return this.deps.uow.apiKeys.listForUser(principal.userId);
  }
}
