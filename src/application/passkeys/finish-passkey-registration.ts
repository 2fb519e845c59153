import { DomainError, Violations } from "../../domain/errors.js";
import { isSafeText } from "../../domain/identifiers.js";
import { canSignIn } from "../../domain/user.js";
import type { StoredPasskey } from "../ports/sign-in-methods.js";
import type { RequestContext } from "../ports/time.js";
import type { JsonObject } from "../ports/webauthn.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import { contactsOf } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { sendNotice } from "../shared/security-notices.js";
import { checkResponse, passkeyInvalid, takeRegistrationChallenge } from "./challenges.js";

type Deps = Pick<CoreDeps, "uow" | "clock" | "ids" | "webauthn" | "passkeyChallenges" | "notifier" | "notices" | "report">;

export interface FinishPasskeyRegistrationInput {
  response: JsonObject | undefined;
  name: string;
}

const NAME_MAX = 64;
const DEFAULT_NAME = "Passkey";

/**
 * FinishPasskeyRegistration: the browser's RegistrationResponseJSON, verified against the
 * challenge this account was given (taken first: single use), the configured origins and RP id,
 * with user verification. The passkey is stored in the same transaction that bumps the account's
 * authVersion (a passkey changes how the account signs in, so a concurrent removal of another
 * method counts again); the contacts are told.
 */
export class FinishPasskeyRegistration {
  constructor(private readonly deps: Deps) {}

  async execute(input: FinishPasskeyRegistrationInput, principal: Principal, ctx: RequestContext): Promise<StoredPasskey> {
    const violations = new Violations();
    const name = input.name.trim();
    if (name.length > NAME_MAX) violations.add("name", `must be at most ${NAME_MAX} characters`);
    else if (!isSafeText(name)) violations.add("name", "must not contain control characters");
    const hasResponse = checkResponse(input.response, violations);
    violations.throwIfAny();
    const response = hasResponse ? (input.response as JsonObject) : {};

    const challenge = await takeRegistrationChallenge(this.deps, response, principal.userId);
    const verified = await this.deps.webauthn.verifyRegistration(response, challenge);
    if (!verified) throw passkeyInvalid();
    const user = await this.deps.uow.users.findById(principal.userId);
    if (!user || !canSignIn(user)) throw new DomainError("USER_NOT_FOUND", "The account does not exist");

    const now = this.deps.clock.now();
    const audit = auditTrail(this.deps, ctx, { userId: user.id, sessionId: principal.sessionId });
    const created = await this.deps.uow.transaction(async (tx) => {
      const updated = await tx.users.updateIf(user.id, { authVersion: user.authVersion, canSignIn: true }, { bumpAuthVersion: true, updatedAt: now });
      if (!updated) throw new DomainError("SERVICE_UNAVAILABLE", "The account changed while the passkey was being added: try again");
      const passkey = await tx.passkeys.create({
        id: this.deps.ids.newId(),
        userId: user.id,
        credentialId: verified.credentialId,
        publicKey: verified.publicKey,
        counter: verified.counter,
        transports: verified.transports,
        deviceType: verified.deviceType,
        backedUp: verified.backedUp,
        name: name || DEFAULT_NAME,
        createdAt: now,
        lastUsedAt: null,
      });
      await audit.record(tx, "passkey.registered", { metadata: { passkey_id: passkey.id, device_type: passkey.deviceType, backed_up: passkey.backedUp } });
      return passkey;
    });
    void sendNotice(this.deps, contactsOf(user), "passkey_added", now);
    return created;
  }
}
