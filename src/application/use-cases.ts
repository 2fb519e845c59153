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
import { RequestOtp } from "./request-otp.js";
import { VerifyContact } from "./verify-contact.js";
import { LoginWithOtp } from "./login-with-otp.js";
import { ResetPassword } from "./reset-password.js";
import { EnrollTotp } from "./enroll-totp.js";
import { ConfirmTotp } from "./confirm-totp.js";
import { DisableTotp } from "./disable-totp.js";
import { ListAuditEvents } from "./list-audit-events.js";
import { Reauthenticate } from "./reauthenticate.js";
import { RequireFreshAuthentication } from "./require-fresh-authentication.js";

export type UseCases = ReturnType<typeof createUseCases>;

/** Every use case, built once from the core dependencies. */
export function createUseCases(deps: CoreDeps) {
  return {
    register: new Register(deps),
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
    requestOtp: new RequestOtp(deps),
    verifyContact: new VerifyContact(deps),
    loginWithOtp: new LoginWithOtp(deps),
    resetPassword: new ResetPassword(deps),
    enrollTotp: new EnrollTotp(deps),
    confirmTotp: new ConfirmTotp(deps),
    disableTotp: new DisableTotp(deps),
    listAuditEvents: new ListAuditEvents(deps),
    reauthenticate: new Reauthenticate(deps),
    requireFreshAuthentication: new RequireFreshAuthentication(deps),
  };
}
