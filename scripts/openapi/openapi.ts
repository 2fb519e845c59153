/**
 * The OpenAPI 3.1 document of the REST face, built from the descriptor set alone (paths and
 * methods from the google.api.http rules, schemas and descriptions from the messages and their
 * doc comments). `npm run gen` writes it to src/gen/openapi.json; the gateway serves that file.
 */
import type { DescField, DescMethod, JsonObject } from "@bufbuild/protobuf";
import { status as Code } from "@grpc/grpc-js";
import { accessTable } from "../../src/adapters/grpc/access-table.js";
import { codeOfReason } from "../../src/adapters/grpc/status.js";
import { httpStatusOf } from "../../src/adapters/http/gateway/errors.js";
import { type ApiDescriptors, type HttpBinding, resolveFieldPath } from "../../src/adapters/http/gateway/http-rules.js";
import { openApiPath } from "../../src/adapters/http/gateway/path-template.js";
import { type Schema, SchemaBuilder } from "./openapi-schemas.js";

export interface OpenApiOptions {
  title: string;
  version: string;
  /** Which RPCs need a bearer token: the gRPC server's own policy, by gRPC path. */
  authPolicyOf: (grpcPath: string) => string;
  /**
   * The service scope an rpc admits a service key (`x-api-key: sk_...`) with, "" for none, and
   * whether it names roles (then a bearer is required of anyone without a service key).
   * Defaults to the access table of the generated descriptor set.
   */
  serviceAccessOf?: (grpcPath: string) => { serviceScope: string; roles: readonly string[] };
}

const ERROR_DETAIL_TYPES = ["google.rpc.ErrorInfo", "google.rpc.BadRequest", "google.rpc.RequestInfo", "google.rpc.RetryInfo"];

/** Error responses by HTTP status, with the gRPC codes (and reasons) that lead to each. */
const ERROR_RESPONSES: Record<string, { name: string; description: string }> = {
  "400": {
    name: "BadRequest",
    description: "INVALID_ARGUMENT (malformed JSON, an unknown field or query parameter, field violations in google.rpc.BadRequest) or FAILED_PRECONDITION",
  },
  "401": { name: "Unauthenticated", description: "UNAUTHENTICATED: missing, malformed, expired or revoked credentials" },
  "403": { name: "PermissionDenied", description: "PERMISSION_DENIED" },
  "404": { name: "NotFound", description: "NOT_FOUND" },
  "409": { name: "Conflict", description: "ALREADY_EXISTS or ABORTED" },
  "429": { name: "TooManyRequests", description: "RESOURCE_EXHAUSTED: rate limited; `Retry-After` and google.rpc.RetryInfo say when to retry" },
  "503": { name: "Unavailable", description: "UNAVAILABLE: a dependency is down; retry later" },
  "504": { name: "DeadlineExceeded", description: "DEADLINE_EXCEEDED: the call ran out of time; whether it took effect is unknown (it may have completed)" },
};
/**
 * Every word a doc comment may name an error by, with its gRPC code: the code names (grpc-js's
 * own enum) and every reason (status.ts's table, the one that answers them).
 */
const ERROR_WORDS: [string, Code][] = [
  ...Object.entries(Code).filter((e): e is [string, Code] => typeof e[1] === "number"),
  ...(Object.entries(codeOfReason) as [string, Code][]),
];

export function buildOpenApi(api: ApiDescriptors, options: OpenApiOptions): JsonObject {
  const schemas = new SchemaBuilder(api.registry);
  const paths: JsonObject = {};
  const usedResponses = new Set<string>(["default"]);
  for (const binding of api.bindings) {
    const path = openApiPath(binding.template);
    paths[path] ??= {};
    const item = paths[path] as JsonObject;
    item[binding.verb.toLowerCase()] = operation(binding, schemas, options, usedResponses);
  }

  const status = api.registry.getMessage("google.rpc.Status");
  if (!status) throw new Error("google.rpc.Status is not in the descriptor set");
  const statusRef = schemas.messageRef(status);
  const detailRefs = ERROR_DETAIL_TYPES.flatMap((name) => {
    const desc = api.registry.getMessage(name);
    if (!desc) return [];
    const ref = schemas.messageRef(desc);
    const schema = schemas.schemas.get(name) as Schema;
    schema.properties = { "@type": { type: "string", const: `type.googleapis.com/${name}` }, ...(schema.properties as JsonObject) };
    schema.required = ["@type", ...((schema.required as string[] | undefined) ?? [])];
    return [ref];
  });
  const statusSchema = schemas.schemas.get("google.rpc.Status") as Schema;
  const statusProps = statusSchema.properties as JsonObject;
  statusProps.details = {
    type: "array",
    description:
      "google.rpc.ErrorInfo (always: reason and domain `auth.v1`), google.rpc.RequestInfo, google.rpc.BadRequest for INVALID_ARGUMENT, google.rpc.RetryInfo when retrying later helps.",
    items: { anyOf: [...detailRefs, { $ref: "#/components/schemas/google.protobuf.Any" }] },
  };

  const responses: JsonObject = {};
  for (const [statusCode, r] of Object.entries(ERROR_RESPONSES)) {
    if (!usedResponses.has(statusCode)) continue;
    responses[r.name] = { description: r.description, content: { "application/json": { schema: statusRef } } };
  }
  responses.Error = {
    description: "Any other error, as google.rpc.Status with the HTTP code of its gRPC code (Envoy's table)",
    content: { "application/json": { schema: statusRef } },
  };

  return {
    openapi: "3.1.0",
    info: {
      title: options.title,
      version: options.version,
      description: [
        "REST/JSON face of the gRPC API, served by Envoy's gRPC-JSON transcoder in production and by the service's built-in gateway (`SERVER__HTTP_PORT`) elsewhere, from the same `google.api.http` rules.",
        "Field names are proto3 JSON (lowerCamelCase; the proto names are accepted too). Timestamps are RFC 3339 strings, 64-bit integers decimal strings.",
        "Errors carry the HTTP code of their gRPC status and a `google.rpc.Status` body `{code, message, details}`; branch on `details[].reason` of the `google.rpc.ErrorInfo` (domain `auth.v1`), never on the message.",
        "Every response carries `x-request-id` (send your own to correlate).",
      ].join("\n\n"),
      license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
    },
    servers: [{ url: "/", description: "This service (built-in gateway) or Envoy in front of it" }],
    tags: api.services.filter((s) => api.bindings.some((b) => b.service === s)).map((s) => ({ name: s.name, description: schemas.comment(s) || s.typeName })),
    paths,
    components: {
      schemas: Object.fromEntries([...schemas.schemas.entries()].sort(([a], [b]) => a.localeCompare(b))),
      responses,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "`authorization: Bearer <access token>` from Register, Login or RefreshToken",
        },
        apiKey: {
          type: "apiKey",
          in: "header",
          name: "x-api-key",
          description: "A service key (`sk_...`, made with `npm run admin -- create-service-key`) holding the scope the operation names",
        },
      },
    },
  };
}

function operation(binding: HttpBinding, schemas: SchemaBuilder, options: OpenApiOptions, usedResponses: Set<string>): JsonObject {
  const { method, service } = binding;
  const comment = schemas.comment(method);
  const bound = new Set(binding.template.variables.map((v) => v.fieldPath.split(".")[0] as string));
  const op: JsonObject = {
    operationId: `${service.name}_${method.name}${binding.bindingIndex > 0 ? `_${binding.bindingIndex}` : ""}`,
    tags: [service.name],
    summary: summaryOf(comment, method),
    description: `${comment}${comment ? "\n\n" : ""}gRPC: \`${service.typeName}/${method.name}\``,
  };
  const parameters: JsonObject[] = [];
  for (const v of binding.template.variables) {
    // http-rules.ts refused any rule whose path variable is not a field, so this resolves.
    const fields = resolveFieldPath(method.input, v.fieldPath) as DescField[];
    const leaf = fields[fields.length - 1] as DescField;
    const schema = schemas.fieldSchema(leaf);
    if (v.pattern !== "*") schema.description = `Matches \`${v.pattern}\``;
    parameters.push({ name: v.fieldPath, in: "path", required: true, description: schemas.comment(leaf) || leaf.name, schema });
  }
  if (binding.body !== "*") {
    for (const field of method.input.fields) {
      if (bound.has(field.name) || field.name === binding.body || !queryable(field)) continue;
      const parameter: JsonObject = { name: field.jsonName, in: "query", required: schemas.isRequired(field), schema: schemas.fieldSchema(field) };
      const description = schemas.comment(field);
      if (description) parameter.description = description;
      if (field.fieldKind === "list") parameter.explode = true;
      parameters.push(parameter);
    }
  }
  if (parameters.length > 0) op.parameters = parameters;

  if (binding.body === "*") {
    const schema = bound.size === 0 ? schemas.messageRef(method.input) : schemas.messageSchema(method.input, bound);
    const required = method.input.fields.some((f) => !bound.has(f.name) && schemas.isRequired(f));
    op.requestBody = { required, content: { "application/json": { schema } } };
  } else if (binding.body !== "") {
    const field = method.input.fields.find((f) => f.name === binding.body) as DescField;
    op.requestBody = {
      required: true,
      description: schemas.comment(field) || field.name,
      content: { "application/json": { schema: schemas.fieldSchema(field) } },
    };
  }

  const output =
    binding.responseBody === ""
      ? schemas.messageRef(method.output)
      : schemas.fieldSchema(method.output.fields.find((f) => f.name === binding.responseBody) as DescField);
  const responses: JsonObject = { "200": { description: "OK", content: { "application/json": { schema: output } } } };
  const policy = options.authPolicyOf(binding.grpcPath);
  const { serviceScope, roles } = (options.serviceAccessOf ?? defaultServiceAccessOf)(binding.grpcPath);
  const restricted = serviceScope !== "" || roles.length > 0;
  for (const code of errorStatuses(`${schemas.comment(service)}\n${comment}`, restricted ? "required" : policy)) {
    const r = ERROR_RESPONSES[code];
    if (!r) continue;
    usedResponses.add(code);
    responses[code] = { $ref: `#/components/responses/${r.name}` };
  }
  responses.default = { $ref: "#/components/responses/Error" };
  op.responses = responses;
  op.security = securityOf(policy, serviceScope, roles);
  return op;
}

/** The roles and service scope the generated descriptor set's access table declares. */
function defaultServiceAccessOf(grpcPath: string): { serviceScope: string; roles: readonly string[] } {
  return accessTable().get(grpcPath) ?? { serviceScope: "", roles: [] };
}

/**
 * The alternatives that let a caller in: a bearer (per the bearer rule; with roles it is
 * needed, never optional), and a service key when the rpc names a scope. A service-only rpc
 * takes no bearer at all (a bearer never stands in for a service credential).
 */
function securityOf(policy: string, serviceScope: string, roles: readonly string[]): JsonObject[] {
  if (serviceScope === "" && roles.length === 0) {
    return policy === "required" ? [{ bearerAuth: [] }] : policy === "optional" ? [{ bearerAuth: [] }, {}] : [];
  }
  const alternatives: JsonObject[] = [];
  if (roles.length > 0) alternatives.push({ bearerAuth: [] });
  if (serviceScope !== "") alternatives.push({ apiKey: [] });
  return alternatives;
}

/** 400 always (the gateway itself refuses bad JSON), 401 with any authentication, plus what the comments name. */
function errorStatuses(comments: string, policy: string): string[] {
  const codes = new Set<string>(["400"]);
  if (policy !== "none") codes.add("401");
  for (const [word, code] of ERROR_WORDS) if (new RegExp(`\\b${word}\\b`).test(comments)) codes.add(String(httpStatusOf(code)));
  return [...codes].sort();
}

function summaryOf(comment: string, method: DescMethod): string {
  const first =
    comment
      .split(/(?<=\.)\s|\n\n/)[0]
      ?.replace(/\s+/g, " ")
      .replace(/\.$/, "")
      .trim() ?? "";
  if (first === "") return method.name;
  return first.length > 100 ? `${first.slice(0, 97)}…` : first;
}

function queryable(field: DescField): boolean {
  if (field.fieldKind === "scalar" || field.fieldKind === "enum") return true;
  if (field.fieldKind === "list") return field.listKind !== "message";
  if (field.fieldKind === "message")
    return ["google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"].includes(field.message.typeName);
  return false;
}
