import { DomainError, Violations } from "../../domain/errors.js";
import type { VerifiedAccessToken } from "../ports/tokens.js";
import type { CoreDeps } from "../shared/deps.js";

/** The authenticated caller, as every bearer-protected use case sees it. */
export type Principal = VerifiedAccessToken;

/**
 * Verifies an access token (signature, algorithm, typ, iss, aud, exp, nbf) and that its
 * session is still live. Used by ValidateToken for other services and by the bearer auth of
 * SessionService/UserService, so both apply exactly the same rules.
 */
export class ValidateToken {
  constructor(private readonly deps: Pick<CoreDeps, "tokens" | "sessionStatus">) {}

  async execute(input: { accessToken: string }): Promise<Principal> {
    const token = input.accessToken.trim();
    const violations = new Violations();
    if (token === "") violations.add("access_token", "is required");
    violations.throwIfAny();
    // Far longer than any token we sign: refuse before parsing.
    if (token.length > 4096) throw new DomainError("TOKEN_INVALID", "The access token is invalid");

    const verified = await this.deps.tokens.verify(token);
    if (!verified.ok) {
      throw new DomainError(verified.reason, verified.reason === "TOKEN_EXPIRED" ? "The access token has expired" : "The access token is invalid");
    }
    // Fails closed: isLive throws (UNAVAILABLE) when it cannot tell.
    if (!(await this.deps.sessionStatus.isLive(verified.token.sessionId))) {
      throw new DomainError("SESSION_REVOKED", "The session has been revoked");
    }
    return verified.token;
  }
}
