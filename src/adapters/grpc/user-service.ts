import type { UseCases } from "../../application/use-cases.js";
import { type UserServiceServer, UserServiceService } from "../../gen/pb/auth/v1/user_service.js";
import { auditEventToPb, identityToPb, passkeyToPb, userToPb } from "./mappers.js";
import { requirePrincipal } from "./principal.js";
import type { Unary } from "./unary.js";

export function userServiceHandlers(uc: UseCases, unary: Unary): UserServiceServer {
  const s = UserServiceService;
  return {
    getMe: unary(s.getMe, async (_req, ctx) => ({ user: userToPb(await uc.getMe.execute(requirePrincipal(ctx))) })),
    updateMe: unary(s.updateMe, async (req, ctx) => {
      const user = await uc.updateMe.execute(
        {
          fullName: req.fullName,
          username: req.username,
          email: req.email,
          phone: req.phone,
          updateMask: req.updateMask ?? [],
        },
        requirePrincipal(ctx),
        ctx.request,
      );
      return { user: userToPb(user) };
    }),
    changePassword: unary(s.changePassword, async (req, ctx) => ({
      revokedSessions: await uc.changePassword.execute(
        { currentPassword: req.currentPassword, newPassword: req.newPassword },
        requirePrincipal(ctx),
        ctx.request,
      ),
    })),
    deleteMe: unary(s.deleteMe, async (_req, ctx) => {
      await uc.deleteMe.execute(requirePrincipal(ctx), ctx.request);
      return {};
    }),
    enrollTotp: unary(s.enrollTotp, async (_req, ctx) => uc.enrollTotp.execute(requirePrincipal(ctx), ctx.request)),
    confirmTotp: unary(s.confirmTotp, async (req, ctx) => ({
      recoveryCodes: await uc.confirmTotp.execute({ code: req.code }, requirePrincipal(ctx), ctx.request),
    })),
    disableTotp: unary(s.disableTotp, async (req, ctx) => {
      await uc.disableTotp.execute({ code: req.code, password: req.password }, requirePrincipal(ctx), ctx.request);
      return {};
    }),
    reauthenticate: unary(s.reauthenticate, async (req, ctx) => {
      const out = await uc.reauthenticate.execute({ password: req.password, code: req.code }, requirePrincipal(ctx), ctx.request);
      return { freshUntil: out.freshUntil };
    }),
    listAuditEvents: unary(s.listAuditEvents, async (req, ctx) => {
      const out = await uc.listAuditEvents.execute({ pageSize: req.pageSize, pageToken: req.pageToken }, requirePrincipal(ctx));
      return { events: out.events.map(auditEventToPb), nextPageToken: out.nextPageToken };
    }),
    listProviders: unary(s.listProviders, async (_req, ctx) => {
      const out = await uc.listProviders.execute(requirePrincipal(ctx));
      return { identities: out.identities.map(identityToPb), available: out.available };
    }),
    linkProvider: unary(s.linkProvider, async (req, ctx) => await uc.linkProvider.execute({ provider: req.provider }, requirePrincipal(ctx))),
    unlinkProvider: unary(s.unlinkProvider, async (req, ctx) => {
      await uc.unlinkProvider.execute({ provider: req.provider }, requirePrincipal(ctx), ctx.request);
      return {};
    }),
    startPasskeyRegistration: unary(s.startPasskeyRegistration, async (_req, ctx) => await uc.startPasskeyRegistration.execute(requirePrincipal(ctx))),
    finishPasskeyRegistration: unary(s.finishPasskeyRegistration, async (req, ctx) => ({
      passkey: passkeyToPb(await uc.finishPasskeyRegistration.execute({ response: req.response, name: req.name }, requirePrincipal(ctx), ctx.request)),
    })),
    listPasskeys: unary(s.listPasskeys, async (_req, ctx) => ({ passkeys: (await uc.listPasskeys.execute(requirePrincipal(ctx))).map(passkeyToPb) })),
    deletePasskey: unary(s.deletePasskey, async (req, ctx) => {
      await uc.deletePasskey.execute({ passkeyId: req.passkeyId }, requirePrincipal(ctx), ctx.request);
      return {};
    }),
  };
}
