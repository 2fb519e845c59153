import type { CoreDeps } from "../shared/deps.js";
import { DisableUser } from "./disable-user.js";
import { EnableUser } from "./enable-user.js";
import { GetUser } from "./get-user.js";
import { ListUsers } from "./list-users.js";
import { RevokeUserSessions } from "./revoke-user-sessions.js";
import { SetUserRoles } from "./set-user-roles.js";

/** Operators and trusted services acting on users (AdminService). */
export function createAdminUseCases(deps: CoreDeps) {
  return {
    listUsers: new ListUsers(deps),
    getUser: new GetUser(deps),
    disableUser: new DisableUser(deps),
    enableUser: new EnableUser(deps),
    setUserRoles: new SetUserRoles(deps),
    revokeUserSessions: new RevokeUserSessions(deps),
  };
}
