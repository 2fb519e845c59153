import type { CoreDeps } from "../shared/deps.js";
import { Login } from "./login.js";
import { LoginWithOtp } from "./login-with-otp.js";
import { Register } from "./register.js";

/** Ways in: registration and the logins, which all end in completeLogin. */
export function createSignInUseCases(deps: CoreDeps) {
  return {
    register: new Register(deps),
    login: new Login(deps),
    loginWithOtp: new LoginWithOtp(deps),
  };
}
