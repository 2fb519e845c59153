/** A small fetch wrapper for the REST gateway tests, and URLs built from the descriptor's rules. */
import { expect } from "vitest";
import type { HttpBinding } from "../../src/adapters/http/gateway/http-rules.js";

export interface RestResponse {
  status: number;
  headers: Headers;
  json: any;
  text: string;
}

export interface RestOptions {
  body?: unknown;
  /** Sent as is (for malformed JSON). */
  rawBody?: string;
  bearer?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | string[]>;
}

export async function rest(baseUrl: string, verb: string, path: string, options: RestOptions = {}): Promise<RestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) for (const item of [v].flat()) search.append(k, item);
  const qs = search.size > 0 ? `?${search}` : "";
  const response = await fetch(`${baseUrl}${path}${qs}`, { method: verb, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    /* not JSON: the test looks at `text` */
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** The URL path of a binding with its variables filled in (percent-encoded). */
export function pathOf(binding: HttpBinding, values: Record<string, string> = {}): string {
  return binding.template.source.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_, name: string, pattern: string | undefined) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${binding.template.source}`);
    return pattern && pattern !== "=*" ? value.split("/").map(encodeURIComponent).join("/") : encodeURIComponent(value);
  });
}

/** Asserts a google.rpc.Status JSON body as Envoy's transcoder sends it; returns its ErrorInfo reason. */
export function expectStatus(r: RestResponse, httpStatus: number, grpcCode: number, reason?: string): string {
  expect(r.status, r.text).toBe(httpStatus);
  expect(r.headers.get("content-type")).toMatch(/^application\/json/);
  expect(r.json).toMatchObject({ code: grpcCode, message: expect.any(String), details: expect.any(Array) });
  const info = (r.json.details as { "@type": string; reason?: string; domain?: string }[]).find(
    (d) => d["@type"] === "type.googleapis.com/google.rpc.ErrorInfo",
  );
  expect(info, r.text).toBeDefined();
  expect(info?.domain).toBe("auth.v1");
  expect(info?.reason).toMatch(/^[A-Z][A-Z0-9_]{0,62}$/);
  if (reason !== undefined) expect(info?.reason, r.text).toBe(reason);
  return info?.reason ?? "";
}

/** gRPC code numbers the tests name (google/rpc/code.proto). */
export const GRPC = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  UNAUTHENTICATED: 16,
} as const;

/** Envoy's HTTP code for each gRPC code (api.md), independently written down for the tests. */
export const ENVOY_HTTP: Record<number, number> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};
