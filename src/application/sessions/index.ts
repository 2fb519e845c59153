import type { CoreDeps } from "../shared/deps.js";
import { GetJwks } from "./get-jwks.js";
import { ListSessions } from "./list-sessions.js";
import { Logout } from "./logout.js";
import { Reauthenticate } from "./reauthenticate.js";
import { RequireFreshAuthentication } from "./require-fresh-authentication.js";
import { RevokeAllSessions } from "./revoke-all-sessions.js";
import { RevokeSession } from "./revoke-session.js";
import { RotateRefreshToken } from "./rotate-refresh-token.js";
import { ValidateToken } from "./validate-token.js";

/** Sessions: their tokens, their listing and revocation, and how fresh their authentication is. */
export function createSessionUseCases(deps: CoreDeps) {
  return {
    refreshToken: new RotateRefreshToken(deps),
    logout: new Logout(deps),
    validateToken: new ValidateToken(deps),
    getJwks: new GetJwks(deps),
    listSessions: new ListSessions(deps),
    revokeSession: new RevokeSession(deps),
    revokeAllSessions: new RevokeAllSessions(deps),
    reauthenticate: new Reauthenticate(deps),
    requireFreshAuthentication: new RequireFreshAuthentication(deps),
  };
}
