/** The knobs the use cases read; built from config in the composition root. */
export interface AuthSettings {
  /** Lifetime of each refresh token (an idle timeout: every rotation issues a fresh one). */
  refreshTokenTtlSeconds: number;
  /** Absolute session lifetime: no refresh moves it (security.md 21). */
  sessionMaxLifetimeSeconds: number;
  /** A retried refresh of the immediate parent inside this window gets the same successor. 0 disables. */
  refreshReuseGraceSeconds: number;
  /** Longest password a login will hash; longer input is refused before argon2 runs. */
  maxPasswordLength: number;
  /** How long an account stays locked once its failure limit is reached (the RetryInfo sent). */
  lockoutSeconds: number;
  /**
   * A sensitive change needs the session opened, or re-authenticated, within this many seconds
   * (refreshing a token does not renew it).
   */
  reauthMaxAgeSeconds: number;
  /** No session at Register, and no login, until an email or phone is verified. */
  requireVerifiedContact: boolean;
  otp: {
    ttlSeconds: number;
    /** Wrong tries a code survives; the try that reaches it burns the code. */
    maxAttempts: number;
    /** At most one code per destination in this many seconds. */
    resendSeconds: number;
  };
}
