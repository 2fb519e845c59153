/** A small promise wrapper over the generated grpc-js clients, for tests and the bench. */
import { type Client, credentials, type CallOptions as GrpcCallOptions, Metadata, type ServiceError } from "@grpc/grpc-js";
import { AuthServiceClient } from "../../src/gen/pb/auth/v1/auth_service.js";
import { SessionServiceClient } from "../../src/gen/pb/auth/v1/session_service.js";
import { UserServiceClient } from "../../src/gen/pb/auth/v1/user_service.js";
import { BadRequest, ErrorInfo, RetryInfo } from "../../src/gen/pb/google/rpc/error_details.js";
import { Status } from "../../src/gen/pb/google/rpc/status.js";

export interface Clients {
  auth: AuthServiceClient;
  sessions: SessionServiceClient;
  users: UserServiceClient;
  close(): void;
}

export function connect(port: number): Clients {
  const address = `127.0.0.1:${port}`;
  const creds = credentials.createInsecure();
  const auth = new AuthServiceClient(address, creds);
  const sessions = new SessionServiceClient(address, creds);
  const users = new UserServiceClient(address, creds);
  return {
    auth,
    sessions,
    users,
    close: () => {
      for (const c of [auth, sessions, users]) c.close();
    },
  };
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;
/** The generated clients' last (widest) overload, which TypeScript infers from. */
type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: Partial<GrpcCallOptions>, callback: Callback<Res>) => unknown;

export interface CallOptions {
  bearer?: string;
  metadata?: Record<string, string>;
  deadlineMs?: number;
}

/** Calls a unary method; resolves the response, rejects with the ServiceError. */
export function call<Req, Res>(client: Client, method: UnaryMethod<Req, Res>, request: Req, options: CallOptions = {}): Promise<Res> {
  const metadata = new Metadata();
  if (options.bearer) metadata.set("authorization", `Bearer ${options.bearer}`);
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  return new Promise((resolve, reject) => {
    const cb: Callback<Res> = (error, response) => (error ? reject(error) : resolve(response));
    const callOptions = options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
    method.call(client, request, metadata, callOptions, cb);
  });
}

export interface DecodedError {
  code: number;
  message: string;
  reason: string;
  domain: string;
  fieldViolations: { field: string; description: string }[];
  retryDelaySeconds: number | null;
  detailTypes: string[];
  /** Every detail's bytes (hex) but RequestInfo's, which names the request: equal answers compare equal. */
  detailBytes: string[];
  requestId: string;
}

/** Decodes google.rpc.Status details out of a ServiceError. */
export function decodeError(error: unknown): DecodedError {
  const e = error as ServiceError;
  if (typeof e?.code !== "number") throw error;
  const bin = e.metadata?.get("grpc-status-details-bin")[0];
  const status = bin ? Status.decode(bin as Buffer) : { code: e.code, message: e.details, details: [] };
  const out: DecodedError = {
    code: e.code,
    message: e.details,
    reason: "",
    domain: "",
    fieldViolations: [],
    retryDelaySeconds: null,
    detailTypes: status.details.map((d) => d.typeUrl),
    detailBytes: status.details.filter((d) => !d.typeUrl.endsWith("google.rpc.RequestInfo")).map((d) => `${d.typeUrl}:${Buffer.from(d.value).toString("hex")}`),
    requestId: String(e.metadata?.get("x-request-id")[0] ?? ""),
  };
  for (const d of status.details) {
    if (d.typeUrl.endsWith("google.rpc.ErrorInfo")) {
      const info = ErrorInfo.decode(d.value);
      out.reason = info.reason;
      out.domain = info.domain;
    } else if (d.typeUrl.endsWith("google.rpc.BadRequest")) {
      out.fieldViolations = BadRequest.decode(d.value).fieldViolations.map((v) => ({ field: v.field, description: v.description }));
    } else if (d.typeUrl.endsWith("google.rpc.RetryInfo")) {
      out.retryDelaySeconds = Number(RetryInfo.decode(d.value).retryDelay?.seconds ?? 0);
    }
  }
  return out;
}

/** Awaits a call expected to fail and returns its decoded status. */
export async function failure(promise: Promise<unknown>): Promise<DecodedError> {
  try {
    await promise;
  } catch (error) {
    return decodeError(error);
  }
  throw new Error("expected the call to fail, but it succeeded");
}
