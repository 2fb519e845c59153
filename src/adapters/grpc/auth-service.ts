import type { UseCases } from "../../application/use-cases.js";
import { type AuthServiceServer, AuthServiceService } from "../../gen/pb/auth/v1/auth_service.js";
import { identityToPb, jwkToPb, principalToPb, purposeFromPb, sessionToPb, tokensToPb, userToPb } from "./mappers.js";
import type { Unary } from "./unary.js";

/** Thin handlers: convert the request, call one use case, convert the response. */
export function authServiceHandlers(uc: UseCases, unary: Unary): AuthServiceServer {
  const s = AuthServiceService;
  return {
    register: unary(s.register, async (req, ctx) => {
      const out = await uc.register.execute(
        {
          username: req.username,
          email: req.email,
          phone: req.phone,
          password: req.password,
          fullName: req.fullName,
          deviceName: req.deviceName,
        },
        ctx.request,
      );
      return {
        user: userToPb(out.user),
        tokens: out.tokens ? tokensToPb(out.tokens) : undefined,
        session: out.session ? sessionToPb(out.session, out.session.id) : undefined,
      };
    }),
    login: unary(s.login, async (req, ctx) => {
      const out = await uc.login.execute({ identifier: req.identifier, password: req.password, otpCode: req.otpCode, deviceName: req.deviceName }, ctx.request);
      return { user: userToPb(out.user), session: sessionToPb(out.session, out.session.id), tokens: tokensToPb(out.tokens) };
    }),
    refreshToken: unary(s.refreshToken, async (req, ctx) => ({
      tokens: tokensToPb(await uc.refreshToken.execute({ refreshToken: req.refreshToken }, ctx.request)),
    })),
    logout: unary(s.logout, async (req, ctx) => {
      await uc.logout.execute({ refreshToken: req.refreshToken }, ctx.principal, ctx.request);
      return {};
    }),
    validateToken: unary(s.validateToken, async (req) => principalToPb(await uc.validateToken.execute({ accessToken: req.accessToken }))),
    getJwks: unary(s.getJwks, async () => ({ keys: (await uc.getJwks.execute()).map(jwkToPb) })),
    requestOtp: unary(s.requestOtp, async (req, ctx) =>
      uc.requestOtp.execute({ email: req.email, phone: req.phone, purpose: purposeFromPb(req.purpose) }, ctx.request),
    ),
    verifyContact: unary(s.verifyContact, async (req, ctx) => {
      await uc.verifyContact.execute({ email: req.email, phone: req.phone, code: req.code }, ctx.request);
      return {};
    }),
    loginWithOtp: unary(s.loginWithOtp, async (req, ctx) => {
      const out = await uc.loginWithOtp.execute(
        { email: req.email, phone: req.phone, code: req.code, mfaCode: req.mfaCode, deviceName: req.deviceName },
        ctx.request,
      );
      return { user: userToPb(out.user), session: sessionToPb(out.session, out.session.id), tokens: tokensToPb(out.tokens) };
    }),
    resetPassword: unary(s.resetPassword, async (req, ctx) => {
      await uc.resetPassword.execute({ email: req.email, phone: req.phone, code: req.code, newPassword: req.newPassword }, ctx.request);
      return {};
    }),
    startOAuth: unary(s.startOAuth, async (req) => await uc.startOAuth.execute({ provider: req.provider })),
    completeOAuth: unary(s.completeOAuth, async (req, ctx) => {
      const out = await uc.completeOAuth.execute(
        { provider: req.provider, code: req.code, state: req.state, deviceName: req.deviceName, mfaCode: req.mfaCode, iss: req.iss },
        ctx.principal,
        ctx.request,
      );
      return {
        user: userToPb(out.user),
        session: out.login ? sessionToPb(out.login.session, out.login.session.id) : undefined,
        tokens: out.login ? tokensToPb(out.login.tokens) : undefined,
        created: out.created,
        linked: out.linked,
        identity: identityToPb(out.identity),
      };
    }),
    startPasskeyLogin: unary(s.startPasskeyLogin, async (req, ctx) => await uc.startPasskeyLogin.execute({ identifier: req.identifier }, ctx.request)),
    finishPasskeyLogin: unary(s.finishPasskeyLogin, async (req, ctx) => {
      const out = await uc.finishPasskeyLogin.execute({ flowId: req.flowId, response: req.response, deviceName: req.deviceName }, ctx.request);
      return { user: userToPb(out.user), session: sessionToPb(out.session, out.session.id), tokens: tokensToPb(out.tokens) };
    }),
  };
}
