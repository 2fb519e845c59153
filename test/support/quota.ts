/** What the CheckQuota end-to-end tests share: the PlanService client and QuotaFailure decoding. */
import { credentials, type ServiceError } from "@grpc/grpc-js";
import { type CheckQuotaRequest, PlanServiceClient } from "../../src/gen/pb/auth/v1/plan_service.js";
import { QuotaFailure } from "../../src/gen/pb/google/rpc/error_details.js";
import { Status } from "../../src/gen/pb/google/rpc/status.js";
import { call } from "./grpc.js";

export function planClient(port: number): PlanServiceClient {
  return new PlanServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
}

export function checkQuota(client: PlanServiceClient, serviceKey: string, request: Partial<CheckQuotaRequest>) {
  return call(client, client.checkQuota, { serviceCode: "cvmaker", cost: 0, ...request }, { metadata: { "x-api-key": serviceKey } });
}

/** The QuotaFailure violations of a failed call (empty when it has none). */
export function quotaViolations(error: unknown): { subject: string; description: string }[] {
  const bin = (error as ServiceError).metadata?.get("grpc-status-details-bin")[0];
  if (!bin) return [];
  const detail = Status.decode(bin as Buffer).details.find((d) => d.typeUrl.endsWith("google.rpc.QuotaFailure"));
  return detail ? QuotaFailure.decode(detail.value).violations.map((v) => ({ subject: v.subject, description: v.description })) : [];
}

/** Milliseconds from `now` to the next UTC midnight. */
export function msToNextUtcMidnight(now: Date): number {
  return 86_400_000 - (now.getTime() % 86_400_000);
}
