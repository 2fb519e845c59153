/** Access tokens: signing, verifying, publishing keys. Ports owned by the application; adapters implement them. */
export interface AccessTokenClaims {
  userId: string;
  username: string;
  sessionId: string;
  roles: string[];
  scopes: string[];
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

export interface VerifiedAccessToken extends AccessTokenClaims {
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** An access token that does not verify is an expected outcome, not an exception. */
export type AccessTokenVerification = { ok: true; token: VerifiedAccessToken } | { ok: false; reason: "TOKEN_EXPIRED" | "TOKEN_INVALID" };

export interface PublicJwk {
  kty: string;
  kid: string;
  use: string;
  alg: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface AccessTokenService {
  /** Signs a token that expires after the configured TTL, or at `notAfter` if that is sooner. */
  issue(claims: AccessTokenClaims, notAfter?: Date): Promise<IssuedAccessToken>;
  verify(token: string): Promise<AccessTokenVerification>;
  /** Every public key that still verifies (empty for HS256: a shared secret is never published). */
  publicJwks(): Promise<PublicJwk[]>;
}
