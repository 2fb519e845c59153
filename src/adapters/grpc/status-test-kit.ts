// Shared by the status.*.test.ts files: decodes a mapped error the way a client would, from the
// grpc-status-details-bin trailer. (The table of expected codes stays in status.reasons.test.ts:
// only status.ts may name gRPC codes outside a test file, see test/architecture.test.ts.)
import { expect } from "vitest";
import { DomainError, type ErrorReason } from "../../domain/errors.js";
import { BadRequest, ErrorInfo, RequestInfo, RetryInfo } from "../../gen/pb/google/rpc/error_details.js";
import { Status } from "../../gen/pb/google/rpc/status.js";
import type { MappedError } from "./status.js";

export const REQUEST_ID = "req-0190a1b2-7c3d";

const TYPE = "type.googleapis.com/google.rpc.";

/** AIP-193 / security.md 29: UPPER_SNAKE, at most 63 characters. */
export const REASON_FORMAT = /^[A-Z][A-Z0-9_]{0,62}$/;

export interface Decoded {
  status: Status;
  typeUrls: string[];
  errorInfo: ErrorInfo[];
  badRequest: BadRequest[];
  retryInfo: RetryInfo[];
  requestInfo: RequestInfo[];
  /** Everything a client can see, as text, for leak checks. */
  wireText: string;
}

/** Decodes the status the way a client would: from the grpc-status-details-bin trailer. */
export function decode(mapped: MappedError): Decoded {
  const values = mapped.serviceError.metadata.get("grpc-status-details-bin");
  expect(values).toHaveLength(1);
  const raw = values[0];
  expect(Buffer.isBuffer(raw)).toBe(true);
  const status = Status.decode(raw as Buffer);
  const pick = (name: string) => status.details.filter((d) => d.typeUrl === `${TYPE}${name}`).map((d) => d.value);
  const errorInfo = pick("ErrorInfo").map((v) => ErrorInfo.decode(v));
  const badRequest = pick("BadRequest").map((v) => BadRequest.decode(v));
  const retryInfo = pick("RetryInfo").map((v) => RetryInfo.decode(v));
  const requestInfo = pick("RequestInfo").map((v) => RequestInfo.decode(v));
  const metadataText = JSON.stringify(
    Object.fromEntries(Object.entries(mapped.serviceError.metadata.getMap()).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString("latin1") : v])),
  );
  const wireText = [
    status.message,
    JSON.stringify({ errorInfo, badRequest, retryInfo, requestInfo }),
    mapped.serviceError.details,
    mapped.serviceError.message,
    metadataText,
  ].join("\n");
  return {
    status,
    typeUrls: status.details.map((d) => d.typeUrl),
    errorInfo,
    badRequest,
    retryInfo,
    requestInfo,
    wireText,
  };
}

export function domainError(reason: ErrorReason): DomainError {
  return new DomainError(reason, `message for ${reason}`);
}
