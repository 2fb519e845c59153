import { DomainError, Violations } from "../../domain/errors.js";
import { classifyIdentifier, isSafeText } from "../../domain/identifiers.js";
import { normalizePassword } from "../../domain/password-policy.js";
import type { RequestContext } from "../ports/time.js";
import { checkDeviceName } from "../sessions/open-session.js";
import { accountKey, beginCredentialCheck, credentialFailed, identifierKey } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { checkPasswordInput } from "../shared/field-rules.js";
import { countIpAttempt } from "../shared/limits.js";
import { requireSecondFactor } from "../shared/second-factor.js";
import { completeLogin, type LoginOutput, requireAccountCanSignIn } from "./complete-login.js";

export interface LoginInput {
  identifier: string;
  password: string;
  otpCode: string;
  deviceName: string;
}

/** One message for every credential failure, so the answer never tells which part was wrong. */
const INVALID_CREDENTIALS = "Invalid identifier or password";

type Deps = Pick<
  CoreDeps,
  | "uow"
  | "clock"
  | "ids"
  | "random"
  | "hasher"
  | "tokens"
  | "loginFailures"
  | "failureAudits"
  | "notices"
  | "notifier"
  | "report"
  | "securityEvents"
  | "revoker"
  | "ipAttempts"
  | "settings"
  | "totp"
  | "sealer"
  | "codeHasher"
>;

export class Login {
  constructor(private readonly deps: Deps) {}

  async execute(input: LoginInput, ctx: RequestContext): Promise<LoginOutput> {
    const violations = new Violations();
    if (input.identifier.trim() === "") violations.add("identifier", "is required");
    if (input.identifier.length > 320) violations.add("identifier", "is too long");
    else if (!isSafeText(input.identifier)) violations.add("identifier", "must not contain control characters");
    checkDeviceName(input.deviceName, violations);
    if (input.password === "") violations.add("password", "is required");
    checkPasswordInput(input.password, "password", this.deps.settings, violations);
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);

    const identifier = classifyIdentifier(input.identifier);
    const password = normalizePassword(input.password);
    const user = await this.deps.uow.users.findByIdentifier(identifier.kind, identifier.value);
    // Case variants of a username share one counter: the key is the user id, or the
    // normalized identifier when there is no such user (which then locks the same way).
    const key = user ? accountKey(user.id) : identifierKey(identifier.kind, identifier.value);
    // Locked: ACCOUNT_LOCKED before any password is checked, whatever was sent.
    const attempt = await beginCredentialCheck(this.deps, ctx, key, { userId: user?.id ?? null, type: "login.failed" });

    let passwordOk = false;
    if (user?.passwordHash) {
      passwordOk = await this.deps.hasher.verify(user.passwordHash, password);
    } else {
      // Unknown user (or no password set): spend the same argon2 time (security.md 10).
      await this.deps.hasher.verifyDummy(password);
    }
    if (!passwordOk || !user) {
      await credentialFailed(this.deps, ctx, attempt, { type: "login.failed", user, metadata: { reason: "invalid_credentials" } });
      throw new DomainError("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
    }

    // From here on the password checked out, so the account's state may be told.
    await requireAccountCanSignIn(this.deps, ctx, user, "password");
    const factor = await requireSecondFactor(this.deps, ctx, attempt, user, input.otpCode, "otp_code");
    // Re-hash with the current parameters while we hold the plain password (OWASP).
    const rehashed = this.deps.hasher.needsRehash(user.passwordHash as string) ? await this.deps.hasher.hash(password) : undefined;
    return completeLogin(this.deps, ctx, {
      user,
      attempt,
      expected: { authVersion: user.authVersion, canSignIn: true },
      patch: rehashed ? { passwordHash: rehashed } : {},
      stale: () => new DomainError("INVALID_CREDENTIALS", INVALID_CREDENTIALS),
      method: factor ? `password+${factor}` : "password",
      deviceName: input.deviceName,
      auditMetadata: { identifier_kind: identifier.kind },
    });
  }
}
