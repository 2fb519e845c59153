import { Violations } from "../../domain/errors.js";
import type { RequestContext } from "../ports/time.js";
import type { JsonObject } from "../ports/webauthn.js";
import { checkDeviceName } from "../sessions/open-session.js";
import { accountKey, beginCredentialCheck, credentialFailed } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { completeLogin, type LoginOutput, requireAccountCanSignIn } from "../sign-in/complete-login.js";
import { checkResponse, claimedCredentialId, passkeyInvalid, takeLoginFlow } from "./challenges.js";

type Deps = Pick<
  CoreDeps,
  | "uow"
  | "clock"
  | "ids"
  | "random"
  | "tokens"
  | "settings"
  | "ipAttempts"
  | "loginFailures"
  | "failureAudits"
  | "notices"
  | "notifier"
  | "report"
  | "securityEvents"
  | "revoker"
  | "webauthn"
  | "passkeyChallenges"
>;

export interface FinishPasskeyLoginInput {
  flowId: string;
  response: JsonObject | undefined;
  deviceName: string;
}

/**
 * FinishPasskeyLogin: the flow's challenge (taken first: single use), then the passkey the
 * response names. Every response that does not verify answers PASSKEY_INVALID, whether or not
 * its credential exists; a known credential's failure counts toward its owner's failure limit
 * (checked before verifying, like a password) and is audited. A signature counter that does not
 * move forward marks the passkey as possibly cloned: refused and audited. The account's state
 * (disabled, deleted) is told only after the passkey verified. User verification is required, so
 * the passkey is both factors: no TOTP is asked. The counter is written conditionally in the
 * login's transaction, so of two concurrent uses of one assertion only one opens a session.
 */
export class FinishPasskeyLogin {
  constructor(private readonly deps: Deps) {}

  async execute(input: FinishPasskeyLoginInput, ctx: RequestContext): Promise<LoginOutput> {
    const violations = new Violations();
    if (input.flowId === "") violations.add("flow_id", "is required");
    else if (input.flowId.length > 128) violations.add("flow_id", "is too long");
    const hasResponse = checkResponse(input.response, violations);
    checkDeviceName(input.deviceName, violations);
    violations.throwIfAny();
    const response = hasResponse ? (input.response as JsonObject) : {};
    await countIpAttempt(this.deps.ipAttempts, ctx);

    const flow = await takeLoginFlow(this.deps, input.flowId);
    const credentialId = claimedCredentialId(response);
    const passkey = credentialId ? await this.deps.uow.passkeys.findByCredentialId(credentialId) : null;
    // A passkey of another account than the one named at the start is as unknown as a made-up one.
    if (!passkey || (flow.userId !== null && passkey.userId !== flow.userId)) throw passkeyInvalid();
    const user = await this.deps.uow.users.findById(passkey.userId);
    if (!user) throw passkeyInvalid();

    // Locked: ACCOUNT_LOCKED before anything is verified.
    const attempt = await beginCredentialCheck(this.deps, ctx, accountKey(user.id), { userId: user.id, type: "passkey.failed" });
    const verified = await this.deps.webauthn.verifyAuthentication(response, flow.challenge, passkey);
    if (!verified) {
      await credentialFailed(this.deps, ctx, attempt, { type: "passkey.failed", user, metadata: { reason: "not_verified", passkey_id: passkey.id } });
      throw passkeyInvalid();
    }
    // A counter that is in use must grow (WebAuthn §6.1.1): one that does not means another copy
    // of the key signed meanwhile.
    if ((verified.newCounter > 0 || passkey.counter > 0) && verified.newCounter <= passkey.counter) {
      await credentialFailed(this.deps, ctx, attempt, {
        type: "passkey.failed",
        user,
        metadata: {
          reason: "counter_not_increased",
          possibly_cloned: true,
          passkey_id: passkey.id,
          stored_counter: passkey.counter,
          counter: verified.newCounter,
        },
      });
      throw passkeyInvalid();
    }

    // From here on the passkey checked out, so the account's state may be told.
    await requireAccountCanSignIn(this.deps, ctx, user, "passkey");
    const now = this.deps.clock.now();
    return completeLogin(this.deps, ctx, {
      user,
      attempt,
      expected: { authVersion: user.authVersion, canSignIn: true },
      patch: {},
      stale: passkeyInvalid,
      method: "passkey",
      deviceName: input.deviceName,
      auditMetadata: { passkey_id: passkey.id },
      alsoWrite: async (tx) => {
        // Another use of the same assertion (or of a clone) committed first: this one loses.
        if (!(await tx.passkeys.recordUse(passkey.id, passkey.counter, verified.newCounter, now))) throw passkeyInvalid();
      },
    });
  }
}
