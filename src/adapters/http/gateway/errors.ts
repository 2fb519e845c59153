/**
 * Errors through REST, as Envoy's transcoder with `convert_grpc_status` sends them: the HTTP
 * code of the gRPC status (Envoy's table, api.md) and the `google.rpc.Status` as proto3 JSON,
 * details expanded as `{"@type": "type.googleapis.com/google.rpc.ErrorInfo", ...}`.
 *
 * The gRPC statuses themselves are chosen by adapters/grpc/status.ts; this file only renders
 * them. The gateway's own refusals (bad JSON, no route, body too large) never reach gRPC, but
 * their statuses come from status.ts too, so they carry the same code, ErrorInfo and domain.
 */
import { type FileRegistry, fromBinary, type JsonObject, toJson } from "@bufbuild/protobuf";
import type { ServiceError } from "@grpc/grpc-js";
import { statusFor, statusForBareCode, type WireReason } from "../../grpc/status.js";
import type { Violation } from "./transcode.js";

/** Envoy's grpc → HTTP mapping (source/common/grpc/status.cc), by code number. */
const HTTP_BY_CODE = [200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401];

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
  const rendered = render(error, registry);
  if (rendered) return rendered;
  // Made by grpc-js itself (server stopping, message too large for the server, deadline).
  return renderOwn(statusForBareCode(error.code, requestId).serviceError, registry);
}

/**
 * A refusal by the gateway itself, built by status.ts like any other status so the body is
 * byte-for-byte what a gRPC error renders to. The one HTTP code of our own: 413 for a body
 * over the limit (Envoy's buffer filter answers so; RESOURCE_EXHAUSTED alone would be 429).
 */
export function gatewayError(
  registry: FileRegistry,
  reason: WireReason,
  message: string,
  requestId: string,
  violations: readonly Violation[] = [],
): HttpErrorResponse {
  const { serviceError } = statusFor(reason, message, requestId, { fieldViolations: violations });
  const rendered = renderOwn(serviceError, registry);
  return reason === "MESSAGE_TOO_LARGE" ? { ...rendered, status: 413 } : rendered;
}

/** The google.rpc.Status in `grpc-status-details-bin` as proto3 JSON, or null when there is none we can read. */
function render(error: ServiceError, registry: FileRegistry): HttpErrorResponse | null {
  const bin = error.metadata?.get("grpc-status-details-bin")[0];
  const schema = registry.getMessage("google.rpc.Status");
  if (!schema || !(bin instanceof Buffer)) return null;
  try {
    const body = typeFirst(toJson(schema, fromBinary(schema, bin), { registry, alwaysEmitImplicit: true }) as JsonObject);
    return { status: httpStatusOf(error.code), body, headers: retryAfter(body) };
  } catch {
    return null; // a status we cannot read is answered like one without details
  }
}

/** A status status.ts built always has details; only a registry without google.rpc.Status fails here. */
function renderOwn(error: ServiceError, registry: FileRegistry): HttpErrorResponse {
  const rendered = render(error, registry);
  if (!rendered) throw new Error("google.rpc.Status is not in the descriptor set");
  return rendered;
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
