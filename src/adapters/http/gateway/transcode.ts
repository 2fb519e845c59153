/**
 * JSON ↔ protobuf for one HTTP binding, by the proto3 JSON mapping (@bufbuild/protobuf with
 * the descriptor set's registry): the body (`*` or one field), then path variables, then query
 * parameters become one JSON object, parsed once by `fromJson`, so every rule of the mapping
 * (both field spellings, Timestamp/FieldMask/Duration strings, enums by name or number,
 * 64-bit integers as strings) holds exactly as Envoy's transcoder applies it.
 */
import {
  type DescField,
  type DescMessage,
  type FileRegistry,
  fromBinary,
  fromJson,
  type JsonObject,
  type JsonValue,
  ScalarType,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { isFieldError } from "@bufbuild/protobuf/reflect";
import type { HttpBinding } from "./http-rules.js";

export interface Violation {
  field: string;
  description: string;
}

/** A request the gateway refuses before any RPC: answered 400 INVALID_ARGUMENT. */
export class BadHttpRequest extends Error {
  constructor(
    message: string,
    readonly violations: Violation[] = [],
  ) {
    super(message);
    this.name = "BadHttpRequest";
  }
}

/** Well-known types whose proto3 JSON form is a string, so a path or query value can carry them. */
const STRING_WKTS = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"]);
const WRAPPERS = /^google\.protobuf\.(Double|Float|Int64|UInt64|Int32|UInt32|Bool|String|Bytes)Value$/;
/** A parameter or key name we may repeat back in an error: plain identifiers only. */
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_.]{0,63}$/;

/** Parses the request of `binding` into protobuf binary. Throws BadHttpRequest. */
export function encodeRequest(
  binding: HttpBinding,
  registry: FileRegistry,
  input: { pathValues: Map<string, string>; query: URLSearchParams; body: Buffer },
): Uint8Array {
  const schema = binding.method.input;
  const json: JsonObject = {};
  if (binding.body !== "") {
    const parsed = parseBody(input.body);
    if (binding.body === "*") {
      if (parsed !== undefined) {
        if (!isObject(parsed)) throw new BadHttpRequest(`The request body must be a JSON object (${schema.typeName})`);
        Object.assign(json, parsed);
      }
    } else if (parsed !== undefined) {
      const field = schema.fields.find((f) => f.name === binding.body) as DescField;
      json[field.jsonName] = parsed;
    }
  }
  const bound = new Set<string>();
  for (const [fieldPath, value] of input.pathValues) {
    const fields = fieldsAlong(schema, fieldPath.split("."), "name");
    if (!fields) throw new BadHttpRequest(`Unknown path variable ${fieldPath}`);
    setLeaf(json, fields, [value], fieldPath);
    bound.add(fieldPath);
  }
  const names = [...new Set(input.query.keys())];
  for (const name of names) {
    const fields = SAFE_NAME.test(name) ? fieldsAlong(schema, name.split("."), "either") : null;
    const protoPath = fields?.map((f) => f.name).join(".");
    const top = fields?.[0]?.name;
    const allowed =
      fields !== null &&
      fields !== undefined &&
      binding.body !== "*" &&
      top !== binding.body &&
      ![...bound].some((b) => b === protoPath || protoPath?.startsWith(`${b}.`) || b.startsWith(`${protoPath}.`));
    if (!allowed || !fields || !isLeaf(fields[fields.length - 1] as DescField)) {
      const field = SAFE_NAME.test(name) ? name : "(query)";
      throw new BadHttpRequest("Unknown query parameter", [{ field, description: `not a query parameter of ${binding.verb} ${binding.template.source}` }]);
    }
    setLeaf(json, fields, input.query.getAll(name), name);
  }
  try {
    return toBinary(schema, fromJson(schema, json, { registry }));
  } catch (error) {
    throw describeJsonError(error, schema);
  }
}

/** The response as proto3 JSON: lowerCamelCase names, default values included (as Envoy's `always_print_primitive_fields`). */
export function decodeResponse(binding: HttpBinding, registry: FileRegistry, bytes: Uint8Array): JsonValue {
  const schema = binding.method.output;
  const json = toJson(schema, fromBinary(schema, bytes), { registry, alwaysEmitImplicit: true }) as JsonObject;
  if (binding.responseBody === "") return json;
  const field = schema.fields.find((f) => f.name === binding.responseBody) as DescField;
  return json[field.jsonName] ?? null;
}

function parseBody(body: Buffer): JsonValue | undefined {
  const text = body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // Never the parser's message: it quotes the input, which may hold a password.
    throw new BadHttpRequest("The request body is not valid JSON");
  }
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Resolves `a.b.c` by proto names (path templates) or by either spelling (query). */
function fieldsAlong(schema: DescMessage, names: string[], by: "name" | "either"): DescField[] | null {
  const out: DescField[] = [];
  let current: DescMessage | undefined = schema;
  for (const name of names) {
    const field: DescField | undefined = current?.fields.find((f) => f.name === name || (by === "either" && f.jsonName === name));
    if (!field) return null;
    out.push(field);
    current = field.fieldKind === "message" && !STRING_WKTS.has(field.message.typeName) ? field.message : undefined;
  }
  return out;
}

/** A field a path or query string can set: a scalar, an enum, or a string-valued WKT (maybe repeated). */
function isLeaf(field: DescField): boolean {
  if (field.fieldKind === "scalar" || field.fieldKind === "enum") return true;
  if (field.fieldKind === "list") return field.listKind !== "message" || STRING_WKTS.has(field.message.typeName);
  if (field.fieldKind === "message") return STRING_WKTS.has(field.message.typeName) || WRAPPERS.test(field.message.typeName);
  return false;
}

/** Sets one leaf of `json` (replacing either spelling already there). */
function setLeaf(json: JsonObject, fields: DescField[], values: string[], name: string): void {
  let node = json;
  for (const field of fields.slice(0, -1)) {
    const existing = node[field.jsonName] ?? node[field.name];
    delete node[field.name];
    const next: JsonObject = isObject(existing) ? existing : {};
    node[field.jsonName] = next;
    node = next;
  }
  const leaf = fields[fields.length - 1] as DescField;
  delete node[leaf.name];
  const label = SAFE_NAME.test(name) ? name : leaf.name;
  if (leaf.fieldKind === "list") {
    node[leaf.jsonName] = values.map((v) => checked(leaf, scalarJson(leaf, v, label), label));
  } else {
    if (values.length > 1) throw new BadHttpRequest("A parameter was given more than once", [{ field: label, description: "not repeated" }]);
    node[leaf.jsonName] = checked(leaf, scalarJson(leaf, values[0] ?? "", label), label);
  }
}

/** A well-known-type value is parsed here, so that a bad one is reported under its parameter's name. */
function checked(field: DescField, value: JsonValue, label: string): JsonValue {
  const message = field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message") ? field.message : undefined;
  if (!message) return value;
  try {
    fromJson(message, value);
  } catch {
    throw new BadHttpRequest("Invalid parameter value", [{ field: label, description: `not a valid ${message.typeName}` }]);
  }
  return value;
}

/** A path/query string as the JSON value the proto3 mapping expects for this field. */
function scalarJson(field: DescField, value: string, label: string): JsonValue {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "enum") return /^-?\d+$/.test(value) ? Number(value) : value;
  if (kind === "message") {
    const typeName = field.message?.typeName ?? "";
    const wrapped = WRAPPERS.exec(typeName)?.[1];
    if (wrapped === "Bool") return boolOf(value, label);
    return value; // strings, numbers as strings, Timestamp/Duration/FieldMask strings
  }
  // A scalar: numbers may be strings in proto3 JSON; bool must be a JSON boolean.
  const scalar = field.fieldKind === "scalar" || (field.fieldKind === "list" && field.listKind === "scalar") ? field.scalar : undefined;
  if (scalar === ScalarType.BOOL) return boolOf(value, label);
  return value;
}

function boolOf(value: string, label: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new BadHttpRequest("Invalid parameter value", [{ field: label, description: "must be true or false" }]);
}

/**
 * fromJson's messages quote the offending value (a password, a token): the caller gets the
 * field's name and the kind of problem only.
 */
function describeJsonError(error: unknown, schema: DescMessage): BadHttpRequest {
  const cause = error instanceof Error ? error.cause : undefined;
  if (isFieldError(cause)) {
    const field = cause.field();
    return new BadHttpRequest(`The request does not match ${schema.typeName}`, [{ field: field.name, description: "has a value of the wrong type or format" }]);
  }
  const message = error instanceof Error ? error.message : "";
  const unknown = /key "([^"]*)" is unknown/.exec(message)?.[1];
  if (unknown !== undefined) {
    const field = SAFE_NAME.test(unknown) ? unknown : "(body)";
    return new BadHttpRequest(`The request does not match ${schema.typeName}`, [{ field, description: "unknown field" }]);
  }
  const typeName = /cannot decode (?:message )?([A-Za-z0-9_.]+) from JSON/.exec(message)?.[1];
  return new BadHttpRequest(`The request does not match ${schema.typeName}`, [
    { field: typeName && SAFE_NAME.test(typeName) ? typeName : "(body)", description: "has a value of the wrong type or format" },
  ]);
}
