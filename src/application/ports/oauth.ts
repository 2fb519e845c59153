/** OpenID Connect providers, seen from the use cases. Ports owned by the application; adapters implement them. */

export interface OAuthProvider {
  /** The entry's id in OAUTH__PROVIDERS: the {provider} of the routes. */
  id: string;
  issuer: string;
  /** The entry says its `email_verified` claim may be believed (a condition of automatic linking). */
  trustEmailVerified: boolean;
}

/** What a verified id token says about the person. */
export interface VerifiedIdentity {
  /** The id token's `iss`, which is the provider's issuer. */
  issuer: string;
  subject: string;
  /** Lower-cased; null when the provider gave none. */
  email: string | null;
  /** `email_verified` was true (the string "true" counts). */
  emailVerified: boolean;
  name: string | null;
  preferredUsername: string | null;
}

export interface OAuthProviders {
  list(): readonly OAuthProvider[];
  /** The provider with this id; null when none is configured. */
  get(id: string): OAuthProvider | null;
  /**
   * The provider's authorization URL for one flow: response_type=code, the configured client id,
   * redirect URI and scopes, `state`, `nonce` and the S256 challenge of `codeVerifier`. Reads the
   * provider's discovery document on first use (cached). Unreachable: DependencyUnavailableError.
   */
  authorizationUrl(providerId: string, flow: { state: string; nonce: string; codeVerifier: string }): Promise<string>;
  /**
   * Exchanges the code (with the PKCE verifier) and verifies the id token: signature from the
   * provider's JWKS, iss, aud, exp, and `nonce`. A refusal by the provider or a failed check:
   * DomainError OAUTH_FAILED (the provider's own text is not passed on). Unreachable:
   * DependencyUnavailableError. Never retried: a code works once.
   */
  exchange(providerId: string, input: { code: string; state: string; iss?: string; codeVerifier: string; nonce: string }): Promise<VerifiedIdentity>;
}
