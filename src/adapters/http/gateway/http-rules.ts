/**
 * The REST face of the API, read from the descriptor set (`npm run gen`): every unary method
 * with a `google.api.http` rule, including additional_bindings. The gateway's route table,
 * the OpenAPI generator and the tests all start here, so a new RPC with a rule gets a route,
 * an OpenAPI operation and a test call with no code of its own.
 */
import {
  createFileRegistry,
  type DescExtension,
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescService,
  type FileRegistry,
  fromBinary,
  getExtension,
  toJson,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { type PathTemplate, parseTemplate } from "./path-template.js";

export type HttpVerb = "GET" | "PUT" | "POST" | "DELETE" | "PATCH";

export interface HttpBinding {
  service: DescService;
  method: DescMethod;
  /** `/auth.v1.SessionService/RevokeSession`: the gRPC path the call is forwarded to. */
  grpcPath: string;
  verb: HttpVerb;
  template: PathTemplate;
  /** "" (no body), "*" (the whole request) or the name of one request field. */
  body: string;
  /** "" (the whole response) or the name of one response field. */
  responseBody: string;
  /** 0 for the main rule, 1.. for its additional_bindings. */
  bindingIndex: number;
}

export interface ApiDescriptors {
  registry: FileRegistry;
  /** Our services (every package but google.*), in descriptor order. */
  services: DescService[];
  bindings: HttpBinding[];
  /** Methods with an HTTP rule the gateway cannot serve (streaming): left out, named here. */
  unsupported: string[];
}

interface HttpRuleJson {
  get?: string;
  put?: string;
  post?: string;
  delete?: string;
  patch?: string;
  custom?: { kind?: string; path?: string };
  body?: string;
  responseBody?: string;
  additionalBindings?: HttpRuleJson[];
}

const VERBS: Record<string, HttpVerb> = { get: "GET", put: "PUT", post: "POST", delete: "DELETE", patch: "PATCH" };

export function loadApi(descriptorSet: Uint8Array): ApiDescriptors {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
  const httpExtension = registry.getExtension("google.api.http");
  const services: DescService[] = [];
  for (const file of registry.files) {
    if (file.proto.package.startsWith("google.")) continue;
    services.push(...file.services);
  }
  const bindings: HttpBinding[] = [];
  const unsupported: string[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      const rule = httpRuleOf(method, httpExtension, registry);
      if (!rule) continue;
      if (method.methodKind !== "unary") {
        // Envoy can transcode streams; this gateway cannot. Tests fail on it, the process does not.
        unsupported.push(`${service.typeName}.${method.name}`);
        continue;
      }
      const rules = [rule, ...(rule.additionalBindings ?? [])];
      for (const [bindingIndex, r] of rules.entries()) bindings.push(toBinding(service, method, r, bindingIndex));
    }
  }
  return { registry, services, bindings, unsupported };
}

function httpRuleOf(method: DescMethod, extension: DescExtension | undefined, registry: FileRegistry): HttpRuleJson | null {
  const options = method.proto.options;
  if (!extension || !options) return null;
  const value = getExtension(options, extension) as unknown;
  const schema = extension.message;
  if (!schema || value === undefined) return null;
  // To JSON through the registry: field names that stay stable across library versions.
  const json = toJson(schema, value as never, { registry }) as HttpRuleJson;
  return Object.keys(json).length === 0 ? null : json;
}

function toBinding(service: DescService, method: DescMethod, rule: HttpRuleJson, bindingIndex: number): HttpBinding {
  const where = `${service.typeName}.${method.name}`;
  let verb: HttpVerb | undefined;
  let path: string | undefined;
  for (const [key, v] of Object.entries(VERBS)) {
    const p = rule[key as keyof HttpRuleJson];
    if (typeof p === "string") [verb, path] = [v, p];
  }
  if (rule.custom?.kind && rule.custom.path) {
    const kind = rule.custom.kind.toUpperCase();
    if (!Object.values(VERBS).includes(kind as HttpVerb)) throw new Error(`${where}: custom verb ${rule.custom.kind} is not served`);
    [verb, path] = [kind as HttpVerb, rule.custom.path];
  }
  if (!verb || !path) throw new Error(`${where}: google.api.http rule without a pattern`);
  const body = rule.body ?? "";
  const responseBody = rule.responseBody ?? "";
  if (body !== "" && body !== "*" && !method.input.fields.some((f) => f.name === body)) {
    throw new Error(`${where}: body field ${body} is not in ${method.input.typeName}`);
  }
  if (responseBody !== "" && !method.output.fields.some((f) => f.name === responseBody)) {
    throw new Error(`${where}: response_body field ${responseBody} is not in ${method.output.typeName}`);
  }
  const template = parseTemplate(path);
  for (const v of template.variables) {
    if (!resolveFieldPath(method.input, v.fieldPath)) throw new Error(`${where}: path variable ${v.fieldPath} is not a field of ${method.input.typeName}`);
  }
  return {
    service,
    method,
    grpcPath: `/${service.typeName}/${method.name}`,
    verb,
    template,
    body,
    responseBody,
    bindingIndex,
  };
}

/** The fields along a dotted path of proto names (`user.id`), or null when one is missing. */
export function resolveFieldPath(message: DescMessage, fieldPath: string): DescField[] | null {
  const fields: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of fieldPath.split(".")) {
    const field: DescField | undefined = current?.fields.find((f) => f.name === name);
    if (!field) return null;
    fields.push(field);
    current = field.message;
  }
  return fields;
}
