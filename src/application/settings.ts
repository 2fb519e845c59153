/** The knobs the use cases read; built from config in the composition root. */
export interface AuthSettings {
  accessTokenTtlSeconds: number;
  /** Lifetime of each refresh token (an idle timeout: every rotation issues a fresh one). */
  refreshTokenTtlSeconds: number;
  /** Absolute session lifetime: no refresh moves it (security.md 21). */
  sessionMaxLifetimeSeconds: number;
  /** A retried refresh of the immediate parent inside this window gets the same successor. 0 disables. */
  refreshReuseGraceSeconds: number;
  /** Longest password a login will hash; longer input is refused before argon2 runs. */
  maxPasswordLength: number;
}
