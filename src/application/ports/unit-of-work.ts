/** Every repository, and one transaction across them. Ports owned by the application; adapters implement them. */
import type { ApiKeyRepository, ServiceAccountRepository } from "./api-keys.js";
import type { AuditLog } from "./audit.js";
import type { OtpCodeRepository, RecoveryCodeRepository } from "./codes.js";
import type { CatalogueRepository, PlanRepository } from "./plans.js";
import type { RefreshTokenRepository, SessionRepository } from "./sessions.js";
import type { OAuthIdentityRepository, PasskeyRepository } from "./sign-in-methods.js";
import type { UserRepository } from "./users.js";

export interface Repositories {
  users: UserRepository;
  sessions: SessionRepository;
  refreshTokens: RefreshTokenRepository;
  audit: AuditLog;
  otpCodes: OtpCodeRepository;
  recoveryCodes: RecoveryCodeRepository;
  apiKeys: ApiKeyRepository;
  serviceAccounts: ServiceAccountRepository;
  plans: PlanRepository;
  catalogue: CatalogueRepository;
  oauthIdentities: OAuthIdentityRepository;
  passkeys: PasskeyRepository;
}

export interface UnitOfWork extends Repositories {
  /** Runs `fn` in one transaction: all it writes commits together, or nothing does. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Throws at once (UNAVAILABLE) when the database is known to be down, so a use case can
   * refuse before spending real work (a password hash) that its first query would waste.
   */
  ensureAvailable(): void;
}
