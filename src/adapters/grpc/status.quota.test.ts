// QUOTA_EXCEEDED carries RetryInfo and google.rpc.QuotaFailure; other errors never a QuotaFailure.
import { status as Code } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../domain/errors.js";
import { QuotaFailure } from "../../gen/pb/google/rpc/error_details.js";
import { Status } from "../../gen/pb/google/rpc/status.js";
import { mapError } from "./status.js";
import { REQUEST_ID } from "./status-test-kit.js";

function details(error: unknown) {
  const bin = mapError(error, REQUEST_ID).serviceError.metadata.get("grpc-status-details-bin")[0] as Buffer;
  return Status.decode(bin).details;
}

describe("QUOTA_EXCEEDED", () => {
  it("is RESOURCE_EXHAUSTED with RetryInfo and a QuotaFailure naming the subject", () => {
    const error = new DomainError("QUOTA_EXCEEDED", "used up", {
      retryAfterSeconds: 42.2,
      quotaViolation: { subject: "user:cvmaker", description: "50 calls a day on plan free" },
    });
    expect(mapError(error, REQUEST_ID).code).toBe(Code.RESOURCE_EXHAUSTED);
    const all = details(error);
    expect(all.map((d) => d.typeUrl.split(".").at(-1))).toEqual(["ErrorInfo", "RequestInfo", "RetryInfo", "QuotaFailure"]);
    const quota = QuotaFailure.decode(all.at(-1)!.value);
    expect(quota.violations.map((v) => ({ subject: v.subject, description: v.description }))).toEqual([
      { subject: "user:cvmaker", description: "50 calls a day on plan free" },
    ]);
  });

  it("a quota violation on a reason of another code adds no QuotaFailure", () => {
    const error = new DomainError("USER_NOT_FOUND", "no", { quotaViolation: { subject: "x", description: "y" } });
    expect(details(error).some((d) => d.typeUrl.endsWith("QuotaFailure"))).toBe(false);
  });
});
