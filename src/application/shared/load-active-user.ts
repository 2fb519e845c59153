import { DomainError } from "../../domain/errors.js";
import { canSignIn, type User } from "../../domain/user.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "./deps.js";

/** The caller's account; a deleted or deactivated one is gone as far as its tokens go. */
export async function loadActiveUser(deps: Pick<CoreDeps, "uow">, principal: Principal): Promise<User> {
  const user = await deps.uow.users.findById(principal.userId);
  if (!user || !canSignIn(user)) throw new DomainError("USER_NOT_FOUND", "The account no longer exists");
  return user;
}
