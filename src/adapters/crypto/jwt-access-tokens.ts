import { createHash, createHmac, KeyObject, sign } from "node:crypto";
import { errors, type JWTHeaderParameters, jwtVerify } from "jose";
import type { Clock, IdGenerator } from "../../application/ports/time.js";
import type {
  AccessTokenClaims,
  AccessTokenService,
  AccessTokenVerification,
  IssuedAccessToken,
  PublicJwk,
  VerifiedAccessToken,
} from "../../application/ports/tokens.js";
import type { KeyRing } from "./key-ring.js";

/** RFC 9068 access-token type: a refresh token or an ID token can never pass as one. */
const TYP = "at+jwt";
const KID = /^[A-Za-z0-9_-]{1,64}$/;

interface Common {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clock: Clock;
  ids: IdGenerator;
}

type Signer = { alg: "EdDSA"; ring: KeyRing } | { alg: "HS256"; secret: Uint8Array; kid: string };

/** Thrown inside the key resolver; turned into TOKEN_INVALID. */
class RejectedHeader extends Error {}

/**
 * Issues and verifies access tokens with jose. Verification pins the algorithm (no `none`, no
 * HS256-with-the-public-key confusion), ignores embedded keys (`jwk`, `jku`, `x5u`, `x5c`
 * are refused outright), and looks `kid` up only in our own key set.
 */
export class JwtAccessTokens implements AccessTokenService {
  private constructor(
    private readonly signer: Signer,
    private readonly c: Common,
  ) {}

  static eddsa(ring: KeyRing, common: Common): JwtAccessTokens {
    return new JwtAccessTokens({ alg: "EdDSA", ring }, common);
  }

  static hs256(secret: string, common: Common): JwtAccessTokens {
    // The kid names the secret without revealing anything usable about it.
    const kid = `hs256-${createHash("sha256").update(`kid:${secret}`).digest("hex").slice(0, 12)}`;
    return new JwtAccessTokens({ alg: "HS256", secret: new TextEncoder().encode(secret), kid }, common);
  }

  async issue(claims: AccessTokenClaims, notAfter?: Date): Promise<IssuedAccessToken> {
    const now = this.c.clock.now();
    const iat = Math.floor(now.getTime() / 1000);
    let exp = iat + this.c.ttlSeconds;
    if (notAfter) exp = Math.min(exp, Math.floor(notAfter.getTime() / 1000));
    const jti = this.c.ids.newId();
    // One read of the ring: the kid named is the key that signs, even across a rotation.
    const key = this.signer.alg === "EdDSA" ? this.signer.ring.signingKey() : { kid: this.signer.kid, privateKey: this.signer.secret };
    const token = this.signCompact({ alg: this.signer.alg, typ: TYP, kid: key.kid }, key.privateKey, {
      sid: claims.sessionId,
      preferred_username: claims.username,
      roles: claims.roles,
      scope: claims.scopes.join(" "),
      iss: this.c.issuer,
      aud: this.c.audience,
      sub: claims.userId,
      jti,
      iat,
      nbf: iat,
      exp,
    });
    return { token, jti, expiresAt: new Date(exp * 1000) };
  }

  /**
   * A compact JWS (RFC 7515 §7.1) signed with node:crypto: Ed25519 by `crypto.sign` (RFC 8037),
   * HS256 by HMAC. jose's SignJWT does the same through WebCrypto, at about twice the CPU per
   * token (204 vs 116 µs here), paid by every login and refresh. Verification stays with jose.
   */
  private signCompact(header: JWTHeaderParameters, key: KeyObject | Uint8Array, payload: Record<string, unknown>): string {
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    const signature = key instanceof KeyObject ? sign(null, Buffer.from(input), key) : createHmac("sha256", key).update(input).digest();
    return `${input}.${signature.toString("base64url")}`;
  }

  /**
   * Verification results of tokens seen recently. A token's signature and claims do not change,
   * so re-verifying the same string on every call only burns CPU (EdDSA through jose is ~100 µs).
   * A hit is re-checked for expiry against the clock and for its key still being in the ring
   * (a key removed after a compromise stops its cached tokens at once). Session liveness is
   * not cached here: ValidateToken checks it on every call.
   */
  private readonly verified = new Map<string, { token: VerifiedAccessToken; kid: string }>();
  private static readonly CACHE_MAX = 10_000;

  async verify(token: string): Promise<AccessTokenVerification> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.token.expiresAt.getTime() <= this.c.clock.now().getTime()) {
        this.verified.delete(token);
        return { ok: false, reason: "TOKEN_EXPIRED" };
      }
      if (this.keyStillVerifies(hit.kid)) return { ok: true, token: hit.token };
      this.verified.delete(token);
    }
    const result = await this.verifyFully(token);
    if (result.ok) {
      if (this.verified.size >= JwtAccessTokens.CACHE_MAX) {
        const oldest = this.verified.keys().next().value;
        if (oldest !== undefined) this.verified.delete(oldest);
      }
      this.verified.set(token, { token: result.token, kid: result.kid });
    }
    return result.ok ? { ok: true, token: result.token } : result;
  }

  private keyStillVerifies(kid: string): boolean {
    return this.signer.alg === "HS256" ? kid === this.signer.kid : this.signer.ring.knows(kid);
  }

  private async verifyFully(
    token: string,
  ): Promise<{ ok: true; token: VerifiedAccessToken; kid: string } | { ok: false; reason: "TOKEN_EXPIRED" | "TOKEN_INVALID" }> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, (header) => this.resolveKey(header), {
        algorithms: [this.signer.alg],
        issuer: this.c.issuer,
        audience: this.c.audience,
        typ: TYP,
        currentDate: this.c.clock.now(),
        requiredClaims: ["sub", "sid", "jti", "iat", "exp"],
      });
      if (typeof payload.sid !== "string" || typeof payload.sub !== "string" || typeof payload.jti !== "string") {
        return { ok: false, reason: "TOKEN_INVALID" };
      }
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
      const scope = typeof payload.scope === "string" ? payload.scope : "";
      return {
        ok: true,
        kid: protectedHeader.kid ?? "",
        token: {
          userId: payload.sub,
          sessionId: payload.sid,
          username: typeof payload.preferred_username === "string" ? payload.preferred_username : "",
          roles,
          scopes: scope === "" ? [] : scope.split(" "),
          jti: payload.jti,
          issuedAt: new Date((payload.iat ?? 0) * 1000),
          expiresAt: new Date((payload.exp ?? 0) * 1000),
        },
      };
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, reason: "TOKEN_EXPIRED" };
      // Every other failure (bad signature, alg, typ, claims, header) is the same answer:
      // no detail that would help forge a token.
      return { ok: false, reason: "TOKEN_INVALID" };
    }
  }

  async publicJwks(): Promise<PublicJwk[]> {
    return this.signer.alg === "EdDSA" ? this.signer.ring.publicJwks() : [];
  }

  private async resolveKey(header: JWTHeaderParameters): Promise<KeyObject | Uint8Array> {
    if ("jwk" in header || "jku" in header || "x5u" in header || "x5c" in header) {
      throw new RejectedHeader("embedded or remote keys are not accepted");
    }
    const kid = header.kid;
    if (typeof kid !== "string" || !KID.test(kid)) throw new RejectedHeader("bad kid");
    if (this.signer.alg === "HS256") {
      if (kid !== this.signer.kid) throw new RejectedHeader("unknown kid");
      return this.signer.secret;
    }
    const key = await this.signer.ring.verificationKey(kid);
    if (key === null) throw new RejectedHeader("unknown kid");
    return key;
  }
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}
