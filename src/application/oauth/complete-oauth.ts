import { DomainError, Violations } from "../../domain/errors.js";
import { isReservedUsername, isValidUsername, normalizeUsername } from "../../domain/identifiers.js";
import { canSignIn, DEFAULT_PLAN, DEFAULT_ROLES, type User } from "../../domain/user.js";
import type { OAuthProvider, VerifiedIdentity } from "../ports/oauth.js";
import type { OAuthIdentity } from "../ports/sign-in-methods.js";
import type { RequestContext } from "../ports/time.js";
import { checkDeviceName } from "../sessions/open-session.js";
import type { Principal } from "../sessions/validate-token.js";
import { auditTrail } from "../shared/audited-write.js";
import { accountKey, beginCredentialCheck, contactsOf } from "../shared/credential-attempts.js";
import type { CoreDeps } from "../shared/deps.js";
import { countIpAttempt } from "../shared/limits.js";
import { requireSecondFactor } from "../shared/second-factor.js";
import { sendNotice } from "../shared/security-notices.js";
import { completeLogin, type LoginOutput, requireAccountCanSignIn } from "../sign-in/complete-login.js";
import { type OAuthFlow, providerOrThrow, takeFlow } from "./oauth-flow.js";

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
  | "totp"
  | "sealer"
  | "codeHasher"
  | "oauthProviders"
  | "oauthFlows"
>;

export interface CompleteOAuthInput {
  provider: string;
  code: string;
  state: string;
  deviceName: string;
  mfaCode: string;
  iss: string;
}

export interface CompleteOAuthOutput {
  user: User;
  /** A login flow: the new session and its tokens. A link flow: none. */
  login: LoginOutput | null;
  identity: OAuthIdentity;
  created: boolean;
  linked: boolean;
}

const accountLinkRequired = () =>
  new DomainError("ACCOUNT_LINK_REQUIRED", "An account already uses this email: sign in the usual way, then link the provider (LinkProvider)");
const retryLogin = () => new DomainError("OAUTH_FAILED", "The account changed during the sign-in: start again");

/** A username from what the provider says, else "user"; a suffix is added when it is taken. */
export function usernameBase(identity: Pick<VerifiedIdentity, "preferredUsername" | "email" | "name">): string {
  for (const candidate of [identity.preferredUsername, identity.email?.split("@")[0], identity.name]) {
    if (!candidate) continue;
    const cleaned = candidate
      .normalize("NFKC")
      .toLowerCase()
      .replace(/[^a-z0-9_.-]+/g, "")
      .replace(/^[._-]+/, "")
      .slice(0, 24);
    if (isValidUsername(cleaned) && !isReservedUsername(cleaned)) return cleaned;
  }
  return "user";
}

/**
 * CompleteOAuth: the code and state back from the provider.
 *
 * A login flow signs in to the account of the identity (issuer, sub). On first sight of an
 * identity whose email an account already uses, the identity is linked to that account only when
 * the provider says the email is verified, the provider entry is trusted with that claim, and the
 * account's own email is verified; otherwise ACCOUNT_LINK_REQUIRED, so an unverified account made
 * with someone's address can never capture their provider login (pre-account hijacking). A new
 * account gets the email only when it is verified by a trusted provider, so nobody's address is
 * squatted either. The sign-in itself ends in the pipeline of every login: the account's failure
 * limit, its second factor, the audit and the conditional write.
 *
 * A link flow (LinkProvider) links the identity to the account that started it, and only for the
 * same user's bearer.
 */
export class CompleteOAuth {
  constructor(private readonly deps: Deps) {}

  async execute(input: CompleteOAuthInput, principal: Principal | null, ctx: RequestContext): Promise<CompleteOAuthOutput> {
    const violations = new Violations();
    if (input.code === "") violations.add("code", "is required");
    else if (input.code.length > 2048) violations.add("code", "is too long");
    if (input.state === "") violations.add("state", "is required");
    else if (input.state.length > 512) violations.add("state", "is too long");
    if (input.iss.length > 2048) violations.add("iss", "is too long");
    if (input.mfaCode.length > 64) violations.add("mfa_code", "is too long");
    checkDeviceName(input.deviceName, violations);
    violations.throwIfAny();
    await countIpAttempt(this.deps.ipAttempts, ctx);

    const provider = providerOrThrow(this.deps, input.provider);
    const flow = await takeFlow(this.deps, provider, input.state);
    if (flow.purpose === "link") {
      if (!principal) throw new DomainError("AUTHENTICATION_REQUIRED", "Completing a link flow needs the bearer of the account that started it");
      if (principal.userId !== flow.userId) throw new DomainError("PERMISSION_DENIED", "This link flow was started by another account");
    }
    const identity = await this.deps.oauthProviders.exchange(provider.id, {
      code: input.code,
      state: input.state,
      ...(input.iss ? { iss: input.iss } : {}),
      codeVerifier: flow.codeVerifier,
      nonce: flow.nonce,
    });
    if (flow.purpose === "link") return this.link(flow, provider, identity, principal as Principal, ctx);
    return this.login(provider, identity, input, ctx);
  }

  private async link(
    flow: OAuthFlow,
    provider: OAuthProvider,
    identity: VerifiedIdentity,
    principal: Principal,
    ctx: RequestContext,
  ): Promise<CompleteOAuthOutput> {
    const existing = await this.deps.uow.oauthIdentities.findBySubject(identity.issuer, identity.subject);
    if (existing) throw new DomainError("PROVIDER_ALREADY_LINKED", "This provider identity is already linked to an account");
    const user = await this.deps.uow.users.findById(flow.userId as string);
    if (!user || !canSignIn(user)) throw new DomainError("USER_NOT_FOUND", "The account no longer exists");
    const audit = auditTrail(this.deps, ctx, { userId: user.id, sessionId: principal.sessionId });
    const now = this.deps.clock.now();
    const { updated, linked } = await this.deps.uow.transaction(async (tx) => {
      const updated = await tx.users.updateIf(user.id, { authVersion: user.authVersion, canSignIn: true }, { bumpAuthVersion: true, updatedAt: now });
      if (!updated) throw retryLogin();
      const linked = await tx.oauthIdentities.create(this.newIdentity(user.id, provider, identity));
      await audit.record(tx, "provider.linked", { metadata: { provider: provider.id, automatic: false } });
      return { updated, linked };
    });
    void sendNotice(this.deps, contactsOf(user), "provider_linked", now);
    return { user: updated, login: null, identity: linked, created: false, linked: true };
  }

  private async login(provider: OAuthProvider, identity: VerifiedIdentity, input: CompleteOAuthInput, ctx: RequestContext): Promise<CompleteOAuthOutput> {
    const known = await this.deps.uow.oauthIdentities.findBySubject(identity.issuer, identity.subject);
    if (known) {
      const user = await this.deps.uow.users.findById(known.userId);
      if (!user) throw retryLogin();
      return this.signIn(user, provider, input, ctx, { identity: known, created: false, linked: false, link: null });
    }
    const trustedEmail = identity.email !== null && identity.emailVerified && provider.trustEmailVerified;
    if (identity.email !== null) {
      const local = await this.deps.uow.users.findByIdentifier("email", identity.email);
      if (local) {
        if (!trustedEmail || !local.emailVerified) throw accountLinkRequired();
        const link = this.newIdentity(local.id, provider, identity);
        return this.signIn(local, provider, input, ctx, { identity: link, created: false, linked: true, link });
      }
    }
    const { user, created, isNew } = await this.createAccount(provider, identity, trustedEmail ? identity.email : null, ctx);
    return this.signIn(user, provider, input, ctx, { identity: created, created: isNew, linked: false, link: null });
  }

  /** The login of `user` by this identity; `link` is an automatic link written with the session. */
  private async signIn(
    user: User,
    provider: OAuthProvider,
    input: CompleteOAuthInput,
    ctx: RequestContext,
    outcome: { identity: OAuthIdentity; created: boolean; linked: boolean; link: OAuthIdentity | null },
  ): Promise<CompleteOAuthOutput> {
    const attempt = await beginCredentialCheck(this.deps, ctx, accountKey(user.id), { userId: user.id, type: "login.failed" });
    const method = `oauth:${provider.id}`;
    await requireAccountCanSignIn(this.deps, ctx, user, method);
    const factor = await requireSecondFactor(this.deps, ctx, attempt, user, input.mfaCode, "mfa_code");
    const now = this.deps.clock.now();
    const link = outcome.link;
    const login = await completeLogin(this.deps, ctx, {
      user,
      attempt,
      expected: { authVersion: user.authVersion, canSignIn: true },
      // A link changes how the account signs in.
      patch: link ? { bumpAuthVersion: true } : {},
      stale: retryLogin,
      method: factor ? `${method}+${factor}` : method,
      deviceName: input.deviceName,
      auditMetadata: { provider: provider.id, created: outcome.created },
      alsoWrite: async (tx, audit) => {
        if (link) {
          await tx.oauthIdentities.create(link);
          await audit.record(tx, "provider.linked", { metadata: { provider: provider.id, automatic: true } });
        } else {
          await tx.oauthIdentities.touch(outcome.identity.id, now);
        }
      },
    });
    if (link) void sendNotice(this.deps, contactsOf(user), "provider_linked", now);
    const identity = link ?? { ...outcome.identity, lastUsedAt: now };
    return { user: login.user, login, identity, created: outcome.created, linked: outcome.linked };
  }

  /**
   * First sight: the account and its identity in one transaction. A taken username gets a random
   * suffix; an email taken meanwhile means an account uses it (ACCOUNT_LINK_REQUIRED); the identity
   * linked meanwhile by a concurrent first sight signs in to that account instead.
   */
  private async createAccount(
    provider: OAuthProvider,
    identity: VerifiedIdentity,
    email: string | null,
    ctx: RequestContext,
  ): Promise<{ user: User; created: OAuthIdentity; isNew: boolean }> {
    const base = usernameBase(identity);
    for (let attempt = 0; attempt < 6; attempt++) {
      const username = attempt === 0 ? base : `${base.slice(0, 24)}-${Buffer.from(this.deps.random.bytes(3)).toString("hex")}`;
      const now = this.deps.clock.now();
      try {
        return await this.deps.uow.transaction(async (tx) => {
          const user = await tx.users.create({
            id: this.deps.ids.newId(),
            username,
            usernameNormalized: normalizeUsername(username),
            email,
            phone: null,
            fullName: (identity.name ?? "").slice(0, 100),
            passwordHash: null,
            roles: DEFAULT_ROLES,
            plan: DEFAULT_PLAN,
            createdAt: now,
          });
          const verified = email !== null ? await tx.users.update(user.id, { emailVerified: true, updatedAt: now }) : user;
          const created = await tx.oauthIdentities.create(this.newIdentity(user.id, provider, identity));
          await auditTrail(this.deps, ctx, { userId: user.id }).record(tx, "user.registered", { metadata: { method: `oauth:${provider.id}` } });
          return { user: verified, created, isNew: true };
        });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (error.reason === "USER_ALREADY_EXISTS" && error.fieldViolations.some((v) => v.field === "username")) continue;
        if (error.reason === "USER_ALREADY_EXISTS") throw accountLinkRequired();
        if (error.reason === "PROVIDER_ALREADY_LINKED") {
          const winner = await this.deps.uow.oauthIdentities.findBySubject(identity.issuer, identity.subject);
          const user = winner ? await this.deps.uow.users.findById(winner.userId) : null;
          if (winner && user) return { user, created: winner, isNew: false };
        }
        throw error;
      }
    }
    throw new DomainError("SERVICE_UNAVAILABLE", "Could not choose a username: try again");
  }

  private newIdentity(userId: string, provider: OAuthProvider, identity: VerifiedIdentity): OAuthIdentity {
    return {
      id: this.deps.ids.newId(),
      userId,
      provider: provider.id,
      issuer: identity.issuer,
      subject: identity.subject,
      email: identity.email,
      createdAt: this.deps.clock.now(),
      lastUsedAt: null,
    };
  }
}
