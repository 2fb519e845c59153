import type { PasswordPolicy } from "../../domain/password-policy.js";
import type { ApiKeyRevocations } from "../api-keys/api-key-revocations.js";
import type { ApiKeyStatusCache } from "../api-keys/api-key-status.js";
import type { ApiKeyUsage } from "../api-keys/api-key-usage.js";
import type { SubjectPlans } from "../plans/subject-plans.js";
import type { AttemptLimiter, FlowStore } from "../ports/coordination.js";
import type { CodeHasher, PasswordHasher, SecretSealer, Totp } from "../ports/credentials.js";
import type { Notifier } from "../ports/delivery.js";
import type { OAuthProviders } from "../ports/oauth.js";
import type { QuotaCounter, QuotaOutcomes } from "../ports/quota.js";
import type { SecurityEvents } from "../ports/security-events.js";
import type { Clock, IdGenerator, Random } from "../ports/time.js";
import type { AccessTokenService } from "../ports/tokens.js";
import type { UnitOfWork } from "../ports/unit-of-work.js";
import type { WebAuthn } from "../ports/webauthn.js";
import type { SessionRevoker } from "../sessions/session-revoker.js";
import type { SessionStatusCache } from "../sessions/session-status.js";
import type { AuthSettings } from "./settings.js";

/**
 * Everything a use case may need. Each use case takes the `Pick` of it that it uses, so its
 * constructor says exactly what it depends on; the composition root builds one of these.
 */
export interface CoreDeps {
  uow: UnitOfWork;
  clock: Clock;
  ids: IdGenerator;
  random: Random;
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  tokens: AccessTokenService;
  /**
   * Credential checks per account (or per unknown identifier): every password, second-factor
   * and one-time code check counts here, and only a success clears it (credential-attempts.ts).
   */
  loginFailures: AttemptLimiter;
  /** Caps the failure audit rows one account (or identifier) can write per lockout window. */
  failureAudits: AttemptLimiter;
  /** Unsolicited messages (security notices, "no account" mails) per destination and kind per day. */
  notices: AttemptLimiter;
  /** Unauthenticated attempts (login, register, refresh) per client IP. */
  ipAttempts: AttemptLimiter;
  sessionStatus: SessionStatusCache;
  revoker: SessionRevoker;
  /** ValidateApiKey's positive cache (1 s, dropped through the revocation bus). */
  apiKeyStatus: ApiKeyStatusCache;
  /** Announces keys (or every key of an owner) that stopped validating, to every instance. */
  apiKeyRevocations: ApiKeyRevocations;
  /** Collects key uses; written in batches, at most once a minute per key. */
  apiKeyUsage: ApiKeyUsage;
  /** The plan of a user for CheckQuota's hot path (briefly cached, dropped on ChangePlan everywhere). */
  subjectPlans: SubjectPlans;
  /** CheckQuota's daily counters: Redis (exact across instances) or in-process (one instance). */
  quota: QuotaCounter;
  /** Allowed/refused CheckQuota by service and plan, for /metrics. */
  quotaOutcomes: QuotaOutcomes;
  /** Account locks and refresh-token reuse, counted for operators' alerts (never who). */
  securityEvents: SecurityEvents;
  settings: AuthSettings;
  /** The configured OpenID Connect providers (OAUTH__PROVIDERS). */
  oauthProviders: OAuthProviders;
  /** OAuth flows (state → provider, PKCE verifier, nonce, purpose): single use, 10 minutes. */
  oauthFlows: FlowStore;
  /** WebAuthn challenges: single use, 5 minutes. */
  passkeyChallenges: FlowStore;
  /** WebAuthn ceremonies for the configured relying party (WEBAUTHN__RP_ID, __ORIGINS). */
  webauthn: WebAuthn;
  notifier: Notifier;
  codeHasher: CodeHasher;
  sealer: SecretSealer;
  totp: Totp;
  /** Reports a failure that must not fail the call (a best-effort send); never gets secrets. */
  report: (message: string, error: unknown) => void;
}
