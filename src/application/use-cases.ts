import { ChangePassword } from "./account/change-password.js";
import { DeleteMe } from "./account/delete-me.js";
import type { CoreDeps } from "./shared/deps.js";
import { GetJwks } from "./sessions/get-jwks.js";
import { GetMe } from "./account/get-me.js";
import { ListSessions } from "./sessions/list-sessions.js";
import { Login } from "./sign-in/login.js";
import { Logout } from "./sessions/logout.js";
import { RotateRefreshToken } from "./sessions/rotate-refresh-token.js";
import { Register } from "./sign-in/register.js";
import { RevokeAllSessions } from "./sessions/revoke-all-sessions.js";
import { RevokeSession } from "./sessions/revoke-session.js";
import { UpdateMe } from "./account/update-me.js";
import { ValidateToken } from "./sessions/validate-token.js";
import { RequestOtp } from "./codes/request-otp.js";
import { VerifyContact } from "./codes/verify-contact.js";
import { LoginWithOtp } from "./sign-in/login-with-otp.js";
import { ResetPassword } from "./codes/reset-password.js";
import { EnrollTotp } from "./mfa/enroll-totp.js";
import { ConfirmTotp } from "./mfa/confirm-totp.js";
import { DisableTotp } from "./mfa/disable-totp.js";
import { ListAuditEvents } from "./account/list-audit-events.js";
import { Reauthenticate } from "./sessions/reauthenticate.js";
import { RequireFreshAuthentication } from "./sessions/require-fresh-authentication.js";

export type UseCases = ReturnType<typeof createUseCases>;

/** Every use case, built once from the core dependencies. */
export function createUseCases(deps: CoreDeps) {
  return {
    register: new Register(deps),
    login: new Login(deps),
    refreshToken: new RotateRefreshToken(deps),
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
