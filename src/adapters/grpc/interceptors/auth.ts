import { DomainError } from "../../../domain/errors.js";
import type { ValidateToken } from "../../../application/validate-token.js";
import type { Interceptor } from "./types.js";

/** `required`: a valid bearer or the call fails; `optional`: checked when present; `none`: ignored. */
export type AuthPolicy = "required" | "optional" | "none";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Bearer authentication for the methods that need it. Uses the very ValidateToken use case
 * other services call, so there is one definition of a valid token.
 */
export function authInterceptor(validate: ValidateToken, policyOf: (method: string) => AuthPolicy): Interceptor {
  return async (ctx, next) => {
    const policy = policyOf(ctx.method);
    if (policy === "none") return next();
    const header = ctx.metadata.get("authorization")[0];
    if (header === undefined || header === "") {
      if (policy === "required") {
        throw new DomainError("AUTHENTICATION_REQUIRED", "This call needs 'authorization: Bearer <access token>'");
      }
      return next();
    }
    const match = BEARER.exec(String(header));
    if (!match?.[1]) throw new DomainError("TOKEN_INVALID", "The authorization header must be 'Bearer <access token>'");
    ctx.principal = await validate.execute({ accessToken: match[1] });
    return next();
  };
}
