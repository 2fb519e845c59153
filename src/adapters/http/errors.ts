/**
 * Errors through REST, as Envoy's transcoder with `convert_grpc_status` sends them: the HTTP
 * code of the gRPC status (Envoy's table, api.md) and the `google.rpc.Status` as proto3 JSON,
 * details expanded as `{"@type": "type.googleapis.com/google.rpc.ErrorInfo", ...}`.
 *
 * The gRPC statuses themselves are chosen by adapters/grpc/status.ts; this file only renders
 * them. The gateway's own refusals (bad JSON, no route, body too large) never reach gRPC and
 * are rendered in the same shape with the same ErrorInfo domain.
 */
import { fromBinary, fromJson, toJson, type FileRegistry, type JsonObject } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import type { Violation } from "./transcode.js";

export const ERROR_DOMAIN = "auth.v1";

/** gRPC code names by number (google/rpc/code.proto). */
const CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
  "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
] as const;
export type CodeName = (typeof CODE_NAMES)[number];

/** Envoy's grpc → HTTP mapping (source/common/grpc/status.cc), by code number. */
const HTTP_BY_CODE = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

export function codeNumber(name: CodeName): number {
  return CODE_NAMES.indexOf(name);
}

export function httpStatusOf(code: number): number {
  return HTTP_BY_CODE[code] ?? 500;
}

export interface HttpErrorResponse {
  status: number;
  body: JsonObject;
  headers: Record<string, string>;
}

/** Renders a failed gRPC call: its google.rpc.Status from `grpc-status-details-bin`. */
export function renderGrpcError(error: ServiceError, registry: FileRegistry, requestId: string): HttpErrorResponse {
  const bin = error.metadata?.get("grpc-status-details-bin")[0];
  const schema = registry.getMessage("google.rpc.Status");
  if (schema && bin instanceof Buffer) {
    try {
      const body = typeFirst(toJson(schema, fromBinary(schema, bin), { registry, alwaysEmitImplicit: true }) as JsonObject);
      return { status: httpStatusOf(error.code), body, headers: retryAfter(body) };
    } catch {
      /* a status we cannot read is answered like one without details */
    }
  }
  // Made by grpc-js itself (server stopping, message too large for the server, deadline).
  const [reason, message] = fallbackOf(error, requestId);
  return statusResponse(registry, httpStatusOf(error.code), error.code, reason, message, requestId);
}

function fallbackOf(error: ServiceError, requestId: string): [string, string] {
  switch (CODE_NAMES[error.code]) {
    case "UNAVAILABLE":
      return ["SERVICE_UNAVAILABLE", "The service is unavailable; retry later"];
    case "DEADLINE_EXCEEDED":
      return ["DEADLINE_EXCEEDED", "The call ran out of time"];
    case "RESOURCE_EXHAUSTED":
      return ["MESSAGE_TOO_LARGE", "The request is larger than the server accepts"];
    case "CANCELLED":
      return ["CANCELLED", "The call was cancelled"];
    default:
      return ["INTERNAL_ERROR", `Internal error (request id ${requestId})`];
  }
}

/** A refusal by the gateway itself, in the same google.rpc.Status shape. */
export function gatewayError(
  registry: FileRegistry,
  httpStatus: number,
  code: CodeName,
  reason: string,
  message: string,
  requestId: string,
  violations: Violation[] = [],
): HttpErrorResponse {
  return statusResponse(registry, httpStatus, codeNumber(code), reason, message, requestId, violations);
}

function statusResponse(
  registry: FileRegistry,
  httpStatus: number,
  code: number,
  reason: string,
  message: string,
  requestId: string,
  violations: Violation[] = [],
): HttpErrorResponse {
  const details: JsonObject[] = [
    { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason, domain: ERROR_DOMAIN, metadata: {} },
    { "@type": "type.googleapis.com/google.rpc.RequestInfo", requestId, servingData: "" },
  ];
  if (violations.length > 0) {
    details.push({
      "@type": "type.googleapis.com/google.rpc.BadRequest",
      fieldViolations: violations.map((v) => ({ field: v.field, description: v.description })),
    });
  }
  const raw: JsonObject = { code, message, details };
  const schema = registry.getMessage("google.rpc.Status");
  // Round-trip through the registry so the shape is byte-for-byte what a gRPC error renders to.
  const body = schema ? typeFirst(toJson(schema, fromJson(schema, raw, { registry }), { registry, alwaysEmitImplicit: true }) as JsonObject) : raw;
  return { status: httpStatus, body, headers: {} };
}

/** `@type` first in each detail, as Envoy and the other proto3 JSON printers write it. */
function typeFirst(status: JsonObject): JsonObject {
  if (!Array.isArray(status.details)) return status;
  const details = status.details.map((d) => {
    if (typeof d !== "object" || d === null || Array.isArray(d)) return d;
    const { "@type": type, ...rest } = d;
    return { "@type": type ?? null, ...rest };
  });
  return { ...status, details };
}

/** `Retry-After` from a google.rpc.RetryInfo detail, so plain HTTP clients back off too. */
function retryAfter(status: JsonObject): Record<string, string> {
  const details = Array.isArray(status.details) ? status.details : [];
  for (const d of details) {
    if (typeof d !== "object" || d === null || Array.isArray(d)) continue;
    if (d["@type"] !== "type.googleapis.com/google.rpc.RetryInfo") continue;
    const delay = typeof d.retryDelay === "string" ? Number.parseFloat(d.retryDelay) : Number.NaN;
    if (Number.isFinite(delay) && delay >= 0) return { "retry-after": String(Math.ceil(delay)) };
  }
  return {};
}
