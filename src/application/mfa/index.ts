import type { CoreDeps } from "../shared/deps.js";
import { ConfirmTotp } from "./confirm-totp.js";
import { DisableTotp } from "./disable-totp.js";
import { EnrollTotp } from "./enroll-totp.js";

/** The TOTP second factor and its recovery codes. */
export function createMfaUseCases(deps: CoreDeps) {
  return {
    enrollTotp: new EnrollTotp(deps),
    confirmTotp: new ConfirmTotp(deps),
    disableTotp: new DisableTotp(deps),
  };
}
