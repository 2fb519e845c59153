import { Violations } from "../../domain/errors.js";
import { classifyIdentifier, isSafeText } from "../../domain/identifiers.js";
import { canSignIn } from "../../domain/user.js";
import type { StoredPasskey } from "../ports/sign-in-methods.js";
import type { RequestContext } from "../ports/time.js";
import type { JsonObject } from "../ports/webauthn.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { randomToken } from "../shared/single-use-records.js";
import { putLoginFlow } from "./challenges.js";

type Deps = Pick<CoreDeps, "uow" | "random" | "webauthn" | "passkeyChallenges" | "ipAttempts">;

/**
 * StartPasskeyLogin (public): request options and a flow id. With an identifier the account's
 * passkeys are allowed; an unknown identifier, or an account that cannot sign in, gets exactly
 * the answer of discoverable credentials (no allowCredentials), so it tells nothing more than an
 * account without passkeys would. Asking by identifier counts toward the caller's IP limit.
 */
export class StartPasskeyLogin {
  constructor(private readonly deps: Deps) {}

  async execute(input: { identifier: string }, ctx: RequestContext): Promise<{ options: JsonObject; flowId: string }> {
    const violations = new Violations();
    if (input.identifier.length > 320) violations.add("identifier", "is too long");
    else if (!isSafeText(input.identifier)) violations.add("identifier", "must not contain control characters");
    violations.throwIfAny();

    let userId: string | null = null;
    let allow: StoredPasskey[] = [];
    if (input.identifier.trim() !== "") {
      await countIpAttempt(this.deps.ipAttempts, ctx);
      const identifier = classifyIdentifier(input.identifier);
      const user = await this.deps.uow.users.findByIdentifier(identifier.kind, identifier.value);
      if (user && canSignIn(user)) {
        userId = user.id;
        allow = await this.deps.uow.passkeys.listForUser(user.id);
      }
    }
    const challenge = randomToken(this.deps);
    const flowId = randomToken(this.deps);
    const options = await this.deps.webauthn.authenticationOptions({ challenge, allow });
    await putLoginFlow(this.deps, flowId, { challenge, userId });
    return { options, flowId };
  }
}
