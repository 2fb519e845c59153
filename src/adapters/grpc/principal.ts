import type { AdminActor } from "../../application/admin/actor.js";
import type { Principal } from "../../application/sessions/validate-token.js";
import { DomainError } from "../../domain/errors.js";
import type { CallContext } from "./call-context.js";

/** The caller set by the auth interceptor; its absence here is a wiring bug, answered safely. */
export function requirePrincipal(ctx: CallContext): Principal {
  if (ctx.principal === null) throw new DomainError("AUTHENTICATION_REQUIRED", "This call needs a bearer access token");
  return ctx.principal;
}

/**
 * Who the access interceptor let into an admin rpc: a service key with the `admin` scope, or a
 * bearer whose user holds the `admin` role (the rpc's access option). Neither here is a wiring
 * bug, answered safely.
 */
export function adminActor(ctx: CallContext): AdminActor {
  if (ctx.service !== null) return { type: "service", serviceId: ctx.service.serviceId };
  if (ctx.principal !== null) return { type: "user", userId: ctx.principal.userId };
  throw new DomainError("AUTHENTICATION_REQUIRED", "This call needs an admin's bearer token or a service key");
}
