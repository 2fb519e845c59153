import { ChangePassword } from "./change-password.js";
import { DeleteMe } from "./delete-me.js";
import type { CoreDeps } from "./deps.js";
import { GetJwks } from "./get-jwks.js";
import { GetMe } from "./get-me.js";
import { ListSessions } from "./list-sessions.js";
import { Login } from "./login.js";
import { Logout } from "./logout.js";
import { RefreshToken } from "./refresh-token.js";
import { Register } from "./register.js";
import { RevokeAllSessions } from "./revoke-all-sessions.js";
import { RevokeSession } from "./revoke-session.js";
import { UpdateMe } from "./update-me.js";
import { ValidateToken } from "./validate-token.js";

export type UseCases = ReturnType<typeof createUseCases>;

/** Every use case, built once from the core dependencies. */
export function createUseCases(deps: CoreDeps, options: { requireVerifiedContact: boolean }) {
  return {
    register: new Register({ ...deps, requireVerifiedContact: options.requireVerifiedContact }),
    login: new Login(deps),
    refreshToken: new RefreshToken(deps),
    logout: new Logout(deps),
    validateToken: new ValidateToken(deps),
    getJwks: new GetJwks(deps),
    listSessions: new ListSessions(deps),
    revokeSession: new RevokeSession(deps),
    revokeAllSessions: new RevokeAllSessions(deps),
    getMe: new GetMe(deps),
    updateMe: new UpdateMe(deps),
    changePassword: new ChangePassword(deps),
    deleteMe: new DeleteMe(deps),
  };
}
