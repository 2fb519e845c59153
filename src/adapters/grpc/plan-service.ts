import type { UseCases } from "../../application/use-cases.js";
import { type PlanServiceServer, PlanServiceService } from "../../gen/pb/auth/v1/plan_service.js";
import { catalogueServiceToPb, planToPb, quotaDecisionToPb, subscriptionToPb } from "./mappers.js";
import { adminActor, requirePrincipal } from "./principal.js";
import type { Unary } from "./unary.js";

/** PlanService: the catalogue and plans (public), the caller's subscription, ChangePlan, CheckQuota. */
export function planServiceHandlers(uc: UseCases, unary: Unary): PlanServiceServer {
  const s = PlanServiceService;
  return {
    listPlans: unary(s.listPlans, async () => ({ plans: (await uc.listPlans.execute()).map(planToPb) })),
    listServices: unary(s.listServices, async () => ({ services: (await uc.listServices.execute()).map(catalogueServiceToPb) })),
    getSubscription: unary(s.getSubscription, async (_req, ctx) => subscriptionToPb(await uc.getSubscription.execute(requirePrincipal(ctx).userId))),
    changePlan: unary(s.changePlan, async (req, ctx) => ({
      plan: planToPb(await uc.changePlan.execute({ userId: req.userId, planCode: req.planCode }, adminActor(ctx), ctx.request)),
    })),
    // The caller's service credential was checked by the auth interceptor (service_scope "validate").
    checkQuota: unary(s.checkQuota, async (req) =>
      quotaDecisionToPb(
        await uc.checkQuota.execute({ userId: req.userId, apiKeyId: req.apiKeyId, anonymousId: req.anonymousId, serviceCode: req.serviceCode, cost: req.cost }),
      ),
    ),
  };
}
