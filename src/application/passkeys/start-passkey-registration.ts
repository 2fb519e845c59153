import { DomainError } from "../../domain/errors.js";
import { canSignIn } from "../../domain/user.js";
import type { JsonObject } from "../ports/webauthn.js";
import type { Principal } from "../sessions/validate-token.js";
import type { CoreDeps } from "../shared/deps.js";
import { randomToken } from "../shared/single-use-records.js";
import { putRegistrationChallenge } from "./challenges.js";

type Deps = Pick<CoreDeps, "uow" | "random" | "webauthn" | "passkeyChallenges">;

/**
 * StartPasskeyRegistration (fresh authentication, checked by the access rule): creation options
 * for the caller's account, its passkeys excluded. The challenge is kept server-side for this
 * account only (single use, 5 minutes).
 */
export class StartPasskeyRegistration {
  constructor(private readonly deps: Deps) {}

  async execute(principal: Principal): Promise<{ options: JsonObject }> {
    const user = await this.deps.uow.users.findById(principal.userId);
    if (!user || !canSignIn(user)) throw new DomainError("USER_NOT_FOUND", "The account does not exist");
    const exclude = await this.deps.uow.passkeys.listForUser(user.id);
    const challenge = randomToken(this.deps);
    const options = await this.deps.webauthn.registrationOptions({
      userId: user.id,
      userName: user.username,
      displayName: user.fullName || user.username,
      challenge,
      exclude,
    });
    await putRegistrationChallenge(this.deps, challenge, user.id);
    return { options };
  }
}
