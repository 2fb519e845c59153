import type { RequireFreshAuthentication } from "../../../application/sessions/require-fresh-authentication.js";
import type { ValidateToken } from "../../../application/sessions/validate-token.js";
import { DomainError } from "../../../domain/errors.js";
import { type AccessTable, needsFreshAuthentication } from "../access-table.js";
import type { Interceptor } from "./types.js";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/**
 * Enforces each rpc's declared access (`option (auth.v1.access)`, read into `table`): the
 * bearer rule, through the very ValidateToken use case other services call (one definition of
 * a valid token), the roles a bearer must hold, then the fresh-authentication rule. All of it
 * is data from the contract: a new credential kind adds a branch here, never a list of paths.
 * A method missing from the table needs a bearer (fail closed); one that names a service scope
 * is refused until service credentials exist, unless a declared role lets the caller in.
 */
export function authInterceptor(validate: ValidateToken, fresh: RequireFreshAuthentication, table: AccessTable): Interceptor {
  return async (ctx, next) => {
    const access = table.get(ctx.method);
    const bearer = access?.bearer ?? "required";
    const roles = access?.roles ?? [];
    const serviceScope = access?.serviceScope ?? "";
    const restricted = roles.length > 0 || serviceScope !== "";
    if (bearer === "none" && !restricted) return next();
    const header = ctx.metadata.get("authorization")[0];
    if (header === undefined || header === "") {
      if (bearer === "required" || restricted) {
        throw new DomainError("AUTHENTICATION_REQUIRED", "This call needs 'authorization: Bearer <access token>'");
      }
      return next();
    }
    const match = BEARER.exec(String(header));
    if (!match?.[1]) throw new DomainError("TOKEN_INVALID", "The authorization header must be 'Bearer <access token>'");
    ctx.principal = await validate.execute({ accessToken: match[1] });
    const serviceOnly = serviceScope !== "" && roles.length === 0;
    if (serviceOnly || (roles.length > 0 && !ctx.principal.roles.some((r) => roles.includes(r)))) {
      throw new DomainError("PERMISSION_DENIED", "This call is not open to this caller");
    }
    if (needsFreshAuthentication(access, ctx.message)) await fresh.execute(ctx.principal);
    return next();
  };
}
