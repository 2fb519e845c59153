import { DomainError, Violations } from "../../domain/errors.js";
import { classifyIdentifier, isSafeText } from "../../domain/identifiers.js";
import { normalizePassword } from "../../domain/password-policy.js";
import type { Session } from "../../domain/session.js";
import { canSignIn, type User } from "../../domain/user.js";
import { auditRecord } from "../shared/audit.js";
import type { CoreDeps } from "../shared/deps.js";
import { checkDeviceName, openSession, tokensForNewSession, type IssuedTokens } from "../sessions/open-session.js";
import { accountKey, beginCredentialCheck, credentialFailed, credentialSucceeded, identifierKey } from "../shared/credential-attempts.js";
import { countIpAttempt } from "../shared/limits.js";
import { requireSecondFactor } from "../shared/second-factor.js";
import type { RequestContext } from "../ports/time.js";

export interface LoginInput {
  identifier: string;
  password: string;
  otpCode: string;
  deviceName: string;
}

export interface LoginOutput {
  user: User;
  session: Session;
  tokens: IssuedTokens;
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
    // Bounds the argon2 input; policy caps new passwords well below this.
    if (input.password.length > this.deps.settings.maxPasswordLength * 4) violations.add("password", "is too long");
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
    if (!canSignIn(user)) {
      await this.recordFailure(ctx, user, "disabled");
      throw new DomainError("ACCOUNT_DISABLED", "The account is disabled");
    }
    if (this.deps.settings.requireVerifiedContact && !user.emailVerified && !user.phoneVerified) {
      throw new DomainError("CONTACT_NOT_VERIFIED", "Verify your email or phone first (RequestOtp with VERIFY_CONTACT)");
    }
    const factor = await requireSecondFactor(this.deps, ctx, attempt, user, input.otpCode, "otp_code");
    const method = factor ? `password+${factor}` : "password";
    await credentialSucceeded(this.deps, attempt);

    // Re-hash with the current parameters while we hold the plain password (OWASP).
    const rehashed = this.deps.hasher.needsRehash(user.passwordHash as string)
      ? await this.deps.hasher.hash(password)
      : undefined;
    const now = this.deps.clock.now();
    const { updated, opened } = await this.deps.uow.transaction(async (tx) => {
      // Conditional on what the checks read: a password change, reset, second-factor change,
      // deletion or deactivation that committed since then makes this login fail, so a login
      // in flight never outlives it (security.md 40).
      const updated = await tx.users.updateIf(
        user.id,
        { authVersion: user.authVersion, canSignIn: true },
        { lastLoginAt: now, updatedAt: now, ...(rehashed ? { passwordHash: rehashed } : {}) },
      );
      if (!updated) throw new DomainError("INVALID_CREDENTIALS", INVALID_CREDENTIALS);
      const opened = await openSession(this.deps, tx, updated, ctx, { authMethod: method, deviceName: input.deviceName });
      await tx.audit.record(
        auditRecord(this.deps, ctx, {
          userId: user.id,
          type: "login.succeeded",
          outcome: "success",
          sessionId: opened.session.id,
          metadata: { method, identifier_kind: identifier.kind },
        }),
      );
      return { updated, opened };
    });
    return { user: updated, session: opened.session, tokens: await tokensForNewSession(this.deps, updated, opened) };
  }

  private async recordFailure(ctx: RequestContext, user: User | null, why: string): Promise<void> {
    await this.deps.uow.audit.record(
      auditRecord(this.deps, ctx, {
        userId: user?.id ?? null,
        type: "login.failed",
        outcome: "failure",
        metadata: { reason: why },
      }),
    );
  }
}
