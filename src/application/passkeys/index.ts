import type { CoreDeps } from "../shared/deps.js";
import { DeletePasskey } from "./delete-passkey.js";
import { FinishPasskeyLogin } from "./finish-passkey-login.js";
import { FinishPasskeyRegistration } from "./finish-passkey-registration.js";
import { ListPasskeys } from "./list-passkeys.js";
import { StartPasskeyLogin } from "./start-passkey-login.js";
import { StartPasskeyRegistration } from "./start-passkey-registration.js";

/** Passkeys (WebAuthn): registering, listing and deleting them, and signing in with one. */
export function createPasskeyUseCases(deps: CoreDeps) {
  return {
    startPasskeyRegistration: new StartPasskeyRegistration(deps),
    finishPasskeyRegistration: new FinishPasskeyRegistration(deps),
    listPasskeys: new ListPasskeys(deps),
    deletePasskey: new DeletePasskey(deps),
    startPasskeyLogin: new StartPasskeyLogin(deps),
    finishPasskeyLogin: new FinishPasskeyLogin(deps),
  };
}
