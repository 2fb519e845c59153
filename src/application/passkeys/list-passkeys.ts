import type { StoredPasskey } from "../ports/sign-in-methods.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "../shared/deps.js";

type Deps = Pick<CoreDeps, "uow">;

/** ListPasskeys: the caller's passkeys, oldest first (their public keys never leave the service: see passkeyToPb). */
export class ListPasskeys {
  constructor(private readonly deps: Deps) {}

  execute(principal: Principal): Promise<StoredPasskey[]> {
    return this.deps.uow.passkeys.listForUser(principal.userId);
  }
}
