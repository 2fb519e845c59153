import type { UseCases } from "../../application/use-cases.js";
import { type ApiKeyServiceServer, ApiKeyServiceService } from "../../gen/pb/auth/v1/api_key_service.js";
import { apiKeyToPb, verifiedApiKeyToPb } from "./mappers.js";
import { requirePrincipal } from "./principal.js";
import type { Unary } from "./unary.js";

export function apiKeyServiceHandlers(uc: UseCases, unary: Unary): ApiKeyServiceServer {
  const s = ApiKeyServiceService;
  return {
    createApiKey: unary(s.createApiKey, async (req, ctx) => {
      const out = await uc.createApiKey.execute({ name: req.name, scopes: req.scopes, expireTime: req.expireTime }, requirePrincipal(ctx), ctx.request);
      return { apiKey: apiKeyToPb(out.apiKey), secret: out.secret };
    }),
    listApiKeys: unary(s.listApiKeys, async (_req, ctx) => ({ apiKeys: (await uc.listApiKeys.execute(requirePrincipal(ctx))).map(apiKeyToPb) })),
    revokeApiKey: unary(s.revokeApiKey, async (req, ctx) => {
      await uc.revokeApiKey.execute({ keyId: req.keyId }, requirePrincipal(ctx), ctx.request);
      return {};
    }),
    // The caller's service credential was checked by the auth interceptor (service_scope "validate").
    validateApiKey: unary(s.validateApiKey, async (req) => verifiedApiKeyToPb(await uc.validateApiKey.execute({ key: req.key }))),
  };
}
