import type { UseCases } from "../../application/use-cases.js";
import { type SessionServiceServer, SessionServiceService } from "../../gen/pb/auth/v1/session_service.js";
import { listSessionsToPb } from "./mappers.js";
import { requirePrincipal } from "./principal.js";
import type { Unary } from "./unary.js";

export function sessionServiceHandlers(uc: UseCases, unary: Unary): SessionServiceServer {
  const s = SessionServiceService;
  return {
    listSessions: unary(s.listSessions, async (req, ctx) => {
      const out = await uc.listSessions.execute({ pageSize: req.pageSize, pageToken: req.pageToken }, requirePrincipal(ctx));
      return listSessionsToPb(out);
    }),
    revokeSession: unary(s.revokeSession, async (req, ctx) => {
      await uc.revokeSession.execute({ sessionId: req.sessionId }, requirePrincipal(ctx), ctx.request);
      return {};
    }),
    revokeAllSessions: unary(s.revokeAllSessions, async (req, ctx) => ({
      revokedCount: await uc.revokeAllSessions.execute({ keepCurrent: req.keepCurrent }, requirePrincipal(ctx), ctx.request),
    })),
  };
}
