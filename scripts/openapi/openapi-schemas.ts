/**
 * JSON Schemas (OpenAPI 3.1) for protobuf messages and enums as the proto3 JSON mapping
 * writes them: lowerCamelCase property names, 64-bit integers as strings, Timestamp as an
 * RFC 3339 string, FieldMask as a comma-separated string. Descriptions are the .proto doc
 * comments (from the descriptor set's source info); `field_behavior` REQUIRED fields are
 * `required`, OUTPUT_ONLY ones `readOnly`.
 */
import {
  type AnyDesc,
  type DescEnum,
  type DescExtension,
  type DescField,
  type DescFile,
  type DescMessage,
  type FileRegistry,
  getExtension,
  type JsonObject,
  ScalarType,
} from "@bufbuild/protobuf";

export type Schema = JsonObject;

const FIELD_BEHAVIOR_REQUIRED = 2;
const FIELD_BEHAVIOR_OUTPUT_ONLY = 3;

/** Well-known types that JSON writes as something other than an object of their fields. */
const WKT_SCHEMAS: Record<string, Schema> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$", description: "Seconds with an `s` suffix, e.g. 1.5s" },
  "google.protobuf.FieldMask": { type: "string", description: "Comma-separated field paths in lowerCamelCase, e.g. `fullName,email`" },
  "google.protobuf.Empty": { type: "object", additionalProperties: false },
  "google.protobuf.Struct": { type: "object", additionalProperties: true },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array", items: {} },
};

/** Collects component schemas for every message and enum reachable from the ones asked for. */
export class SchemaBuilder {
  readonly schemas = new Map<string, Schema>();
  private readonly comments: CommentIndex;
  private readonly fieldBehavior: DescExtension | undefined;

  constructor(registry: FileRegistry) {
    this.comments = new CommentIndex(registry);
    this.fieldBehavior = registry.getExtension("google.api.field_behavior");
  }

  /** Doc comment of any descriptor ("" when none). */
  comment(desc: AnyDesc): string {
    return this.comments.of(desc);
  }

  /** `{ $ref }` to the message's component (building it), or an inline schema for a WKT. */
  messageRef(message: DescMessage): Schema {
    const wkt = WKT_SCHEMAS[message.typeName];
    if (wkt) return { ...wkt };
    const wrapped = /^google\.protobuf\.(\w+)Value$/.exec(message.typeName);
    const inner = wrapped && message.fields[0];
    if (inner && message.fields.length === 1 && inner.fieldKind === "scalar") {
      return { ...scalarSchema(inner.scalar), description: `${message.name}: the wrapped value, or null` };
    }
    if (message.typeName === "google.protobuf.Any") {
      this.schemas.set(message.typeName, {
        type: "object",
        description: "A message of any type: its type URL in `@type`, its fields beside it.",
        properties: { "@type": { type: "string" } },
        required: ["@type"],
        additionalProperties: true,
      });
    } else if (!this.schemas.has(message.typeName)) {
      this.schemas.set(message.typeName, {}); // placeholder: recursive messages
      this.schemas.set(message.typeName, this.messageSchema(message));
    }
    return { $ref: `#/components/schemas/${message.typeName}` };
  }

  private enumRef(desc: DescEnum): Schema {
    if (!this.schemas.has(desc.typeName)) {
      const values = desc.values.map((v) => {
        const c = this.comment(v);
        return `- \`${v.name}\`${c ? `: ${c.replace(/\n/g, " ")}` : ""}`;
      });
      this.schemas.set(desc.typeName, {
        type: "string",
        enum: desc.values.map((v) => v.name),
        description: [this.comment(desc), ...values].filter((s) => s !== "").join("\n"),
      });
    }
    return { $ref: `#/components/schemas/${desc.typeName}` };
  }

  /** The object schema of a message; `omit` drops fields bound elsewhere (path variables). */
  messageSchema(message: DescMessage, omit: ReadonlySet<string> = new Set()): Schema {
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const field of message.fields) {
      if (omit.has(field.name)) continue;
      const schema = this.fieldSchema(field);
      const description = [
        this.comment(field),
        field.oneof ? `Part of oneof \`${field.oneof.name}\`: set at most one of ${field.oneof.fields.map((f) => `\`${f.jsonName}\``).join(", ")}.` : "",
      ]
        .filter((s) => s !== "")
        .join("\n\n");
      if (description) schema.description = typeof schema.description === "string" ? `${description}\n\n${schema.description}` : description;
      const behavior = this.behaviorOf(field);
      if (behavior.includes(FIELD_BEHAVIOR_OUTPUT_ONLY)) schema.readOnly = true;
      if (behavior.includes(FIELD_BEHAVIOR_REQUIRED)) required.push(field.jsonName);
      properties[field.jsonName] = schema;
    }
    const out: Schema = { type: "object", properties };
    const description = this.comment(message);
    if (description) out.description = description;
    if (required.length > 0) out.required = required;
    return out;
  }

  fieldSchema(field: DescField): Schema {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return this.enumRef(field.enum);
      case "message":
        return this.messageRef(field.message);
      case "list":
        return {
          type: "array",
          items:
            field.listKind === "scalar" ? scalarSchema(field.scalar) : field.listKind === "enum" ? this.enumRef(field.enum) : this.messageRef(field.message),
        };
      case "map":
        return {
          type: "object",
          additionalProperties:
            field.mapKind === "scalar" ? scalarSchema(field.scalar) : field.mapKind === "enum" ? this.enumRef(field.enum) : this.messageRef(field.message),
        };
    }
  }

  /** Whether a request must carry this field (field_behavior REQUIRED). */
  isRequired(field: DescField): boolean {
    return this.behaviorOf(field).includes(FIELD_BEHAVIOR_REQUIRED);
  }

  private behaviorOf(field: DescField): number[] {
    const options = field.proto.options;
    if (!this.fieldBehavior || !options) return [];
    const value = getExtension(options, this.fieldBehavior) as unknown;
    return Array.isArray(value) ? (value as number[]) : [];
  }
}

export function scalarSchema(scalar: ScalarType): Schema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
    case ScalarType.DOUBLE:
      return { type: "number", format: "double" };
    case ScalarType.FLOAT:
      return { type: "number", format: "float" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "int64", minimum: 0, maximum: 4294967295 };
    default:
      // int64 and friends: proto3 JSON writes them as decimal strings (they exceed 2^53).
      return { type: "string", format: "int64", pattern: "^-?[0-9]+$" };
  }
}

/** Leading comments from the descriptor set's source info, by descriptor. */
class CommentIndex {
  private readonly byFile = new Map<string, Map<string, string>>();

  constructor(registry: FileRegistry) {
    for (const file of registry.files) {
      const map = new Map<string, string>();
      for (const loc of file.proto.sourceCodeInfo?.location ?? []) {
        const text = clean(loc.leadingComments);
        if (text) map.set(loc.path.join(","), text);
      }
      this.byFile.set(file.name, map);
    }
  }

  of(desc: AnyDesc): string {
    const file = fileOf(desc);
    const path = pathOf(desc);
    if (!file || !path) return "";
    return this.byFile.get(file.name)?.get(path.join(",")) ?? "";
  }
}

function fileOf(desc: AnyDesc): DescFile | undefined {
  switch (desc.kind) {
    case "file":
      return desc;
    case "rpc":
    case "field":
    case "enum_value":
      return fileOf(desc.parent);
    case "oneof":
      return fileOf(desc.parent);
    default:
      return desc.file;
  }
}

/** The SourceCodeInfo path of a descriptor (descriptor.proto field numbers). */
function pathOf(desc: AnyDesc): number[] | null {
  switch (desc.kind) {
    case "message":
      return desc.parent
        ? [...(pathOf(desc.parent) ?? []), 3, desc.parent.proto.nestedType.indexOf(desc.proto)]
        : [4, desc.file.proto.messageType.indexOf(desc.proto)];
    case "enum":
      return desc.parent
        ? [...(pathOf(desc.parent) ?? []), 4, desc.parent.proto.enumType.indexOf(desc.proto)]
        : [5, desc.file.proto.enumType.indexOf(desc.proto)];
    case "field":
      return [...(pathOf(desc.parent) ?? []), 2, desc.parent.proto.field.indexOf(desc.proto)];
    case "enum_value":
      return [...(pathOf(desc.parent) ?? []), 2, desc.parent.proto.value.indexOf(desc.proto)];
    case "service":
      return [6, desc.file.proto.service.indexOf(desc.proto)];
    case "rpc":
      return [...(pathOf(desc.parent) ?? []), 2, desc.parent.proto.method.indexOf(desc.proto)];
    default:
      return null;
  }
}

function clean(comment: string | undefined): string {
  if (!comment) return "";
  return comment
    .split("\n")
    .map((l) => l.replace(/^ /, "").trimEnd())
    .join("\n")
    .trim();
}
