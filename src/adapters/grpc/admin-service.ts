import type { UseCases } from "../../application/use-cases.js";
import { type AdminServiceServer, AdminServiceService } from "../../gen/pb/auth/v1/admin_service.js";
import { userDetailsToPb, userToPb } from "./mappers.js";
import { adminActor } from "./principal.js";
import type { Unary } from "./unary.js";

export function adminServiceHandlers(uc: UseCases, unary: Unary): AdminServiceServer {
  const s = AdminServiceService;
  return {
    listUsers: unary(s.listUsers, async (req, ctx) => {
      adminActor(ctx);
      const out = await uc.listUsers.execute({ query: req.query, pageSize: req.pageSize, pageToken: req.pageToken });
      return { users: out.users.map(userToPb), nextPageToken: out.nextPageToken };
    }),
    getUser: unary(s.getUser, async (req, ctx) => {
      adminActor(ctx);
      return userDetailsToPb(await uc.getUser.execute({ userId: req.userId }));
    }),
    disableUser: unary(s.disableUser, async (req, ctx) => {
      const out = await uc.disableUser.execute({ userId: req.userId }, adminActor(ctx), ctx.request);
      return { user: userToPb(out.user), revokedSessions: out.revokedSessions };
    }),
    enableUser: unary(s.enableUser, async (req, ctx) => ({
      user: userToPb(await uc.enableUser.execute({ userId: req.userId }, adminActor(ctx), ctx.request)),
    })),
    setUserRoles: unary(s.setUserRoles, async (req, ctx) => ({
      user: userToPb(await uc.setUserRoles.execute({ userId: req.userId, roles: req.roles }, adminActor(ctx), ctx.request)),
    })),
    revokeUserSessions: unary(s.revokeUserSessions, async (req, ctx) => ({
      revokedSessions: await uc.revokeUserSessions.execute({ userId: req.userId }, adminActor(ctx), ctx.request),
    })),
  };
}
