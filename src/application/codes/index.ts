import type { CoreDeps } from "../shared/deps.js";
import { RequestOtp } from "./request-otp.js";
import { ResetPassword } from "./reset-password.js";
import { VerifyContact } from "./verify-contact.js";

/** One-time codes: sending them, proving a contact, resetting a password. */
export function createCodeUseCases(deps: CoreDeps) {
  return {
    requestOtp: new RequestOtp(deps),
    verifyContact: new VerifyContact(deps),
    resetPassword: new ResetPassword(deps),
  };
}
