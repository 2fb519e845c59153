import type { Principal } from "../../application/sessions/validate-token.js";
import { DomainError } from "../../domain/errors.js";
import type { CallContext } from "./call-context.js";

/** The caller set by the auth interceptor; its absence here is a wiring bug, answered safely. */
export function requirePrincipal(ctx: CallContext): Principal {
  if (ctx.principal === null) throw new DomainError("AUTHENTICATION_REQUIRED", "This call needs a bearer access token");
  return ctx.principal;
}
