import type { RequireFreshAuthentication } from "../../../application/sessions/require-fresh-authentication.js";
import type { ValidateToken } from "../../../application/sessions/validate-token.js";
import { parseApiKey } from "../../../domain/api-key-format.js";
import { DomainError } from "../../../domain/errors.js";
import { type AccessTable, needsFreshAuthentication } from "../access-table.js";
import type { CallContext } from "../call-context.js";
import type { Interceptor } from "./types.js";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;

/** The metadata (REST: the header) a service sends its own key in. */
export const API_KEY_METADATA = "x-api-key";

/** What verifying a key answers (the VerifyApiKey use case, application/api-keys/). */
export interface VerifiedKey {
  keyId: string;
  owner: { type: "service"; serviceId: string } | { type: "user"; userId: string };
  scopes: readonly string[];
}

/** Verifies a raw key: throws DomainError API_KEY_INVALID for anything that is not a usable key. */
export interface KeyVerifier {
  execute(raw: string): Promise<VerifiedKey>;
}

/** One answer for every key that cannot be a service credential; it never repeats the key. */
function invalidKey(): DomainError {
  return new DomainError("API_KEY_INVALID", "The x-api-key is not a valid service key");
}

/**
 * Enforces each rpc's declared access (`option (auth.v1.access)`, read into `table`), all of it
 * data from the contract, never a list of paths:
 * - `service_scope`: a service key (`x-api-key: sk_...`, verified by the VerifyApiKey use case)
 *   holding that scope is let in and sets `ctx.service`; a key without the scope is
 *   PERMISSION_DENIED; a user's `ak_` key is API_KEY_INVALID (never a service credential).
 * - the bearer rule, through the very ValidateToken use case other services call; a bearer
 *   never stands in for a service credential: on a service-only rpc (no `roles`) a bearer alone
 *   is AUTHENTICATION_REQUIRED.
 * - `roles`: the bearer's user must hold one (PERMISSION_DENIED; nobody: AUTHENTICATION_REQUIRED);
 * - then the fresh-authentication rule.
 * A method missing from the table needs a bearer (fail closed).
 */
export function authInterceptor(validate: ValidateToken, fresh: RequireFreshAuthentication, table: AccessTable, keys: KeyVerifier): Interceptor {
  return async (ctx, next) => {
    const access = table.get(ctx.method);
    const bearer = access?.bearer ?? "required";
    const roles = access?.roles ?? [];
    const serviceScope = access?.serviceScope ?? "";
    const restricted = roles.length > 0 || serviceScope !== "";
    if (bearer === "none" && !restricted) return next();

    const apiKey = String(ctx.metadata.get(API_KEY_METADATA)[0] ?? "");
    if (serviceScope !== "" && apiKey !== "") {
      await admitService(ctx, keys, apiKey, serviceScope);
      return next();
    }
    const serviceOnly = serviceScope !== "" && roles.length === 0;
    const header = ctx.metadata.get("authorization")[0];
    if (serviceOnly || header === undefined || header === "") {
      if (serviceOnly) throw new DomainError("AUTHENTICATION_REQUIRED", "This call needs a service key in 'x-api-key'");
      if (bearer === "required" || restricted) {
        throw new DomainError("AUTHENTICATION_REQUIRED", "This call needs 'authorization: Bearer <access token>'");
      }
      return next();
    }
    const match = BEARER.exec(String(header));
    if (!match?.[1]) throw new DomainError("TOKEN_INVALID", "The authorization header must be 'Bearer <access token>'");
    ctx.principal = await validate.execute({ accessToken: match[1] });
    if (roles.length > 0 && !ctx.principal.roles.some((r) => roles.includes(r))) {
      throw new DomainError("PERMISSION_DENIED", "This call is not open to this caller");
    }
    if (needsFreshAuthentication(access, ctx.message)) await fresh.execute(ctx.principal);
    return next();
  };
}

/** Lets a service key with `scope` in, or throws; a user's key never gets this far. */
async function admitService(ctx: CallContext, keys: KeyVerifier, raw: string, scope: string): Promise<void> {
  // Refused before any lookup: a user's key (or anything malformed) is not a service credential.
  if (parseApiKey(raw) !== "service") throw invalidKey();
  const key = await keys.execute(raw);
  if (key.owner.type !== "service") throw invalidKey();
  if (!key.scopes.includes(scope)) throw new DomainError("PERMISSION_DENIED", `This service key lacks the '${scope}' scope`);
  ctx.service = { serviceId: key.owner.serviceId, keyId: key.keyId, scopes: [...key.scopes] };
}
