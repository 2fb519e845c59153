import type { User } from "../../domain/user.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "../shared/deps.js";
import { loadActiveUser } from "../shared/load-active-user.js";

export class GetMe {
  constructor(private readonly deps: Pick<CoreDeps, "uow">) {}

  async execute(principal: Principal): Promise<User> {
    return loadActiveUser(this.deps, principal);
  }
}
