import { createFileRegistry, type DescExtension, fromBinary, getExtension } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { readDescriptorSet } from "./descriptors.js";

/** `none`: public; `optional`: a bearer is checked when sent; `required`: no call without one. */
export type BearerRule = "none" | "optional" | "required";

/** Who may call one rpc, as its `option (auth.v1.access)` declares it (proto/auth/v1/access.proto). */
export interface MethodAccess {
  bearer: BearerRule;
  /** The session must be freshly authenticated (AUTH__REAUTH_MAX_AGE_MINUTES). */
  freshAuthentication: boolean;
  /** With freshAuthentication: only when the request's update_mask names one of these (snake_case) paths. */
  freshAuthenticationPaths: readonly string[];
  /** The bearer's user must hold one of these roles (none: any user). */
  roles: readonly string[];
  /** A service credential with this scope may call it ("" : none may). */
  serviceScope: string;
}

/** Full method path (`/auth.v1.UserService/DeleteMe`) → its declared access. */
export type AccessTable = ReadonlyMap<string, MethodAccess>;

const BEARER: Record<number, BearerRule | undefined> = { 1: "none", 2: "optional", 3: "required" };

/**
 * Reads every rpc's access option from the descriptor set. An rpc of an `auth.v1` service
 * without one (or with BEARER_UNSPECIFIED) is a build error, not a silent default: adding an
 * rpc means deciding who may call it.
 */
export function readAccessTable(descriptorSet: Uint8Array): AccessTable {
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, descriptorSet));
  const extension = registry.getExtension("auth.v1.access") as DescExtension | undefined;
  if (!extension) throw new Error("descriptor set lacks the auth.v1.access option (proto/auth/v1/access.proto)");
  const table = new Map<string, MethodAccess>();
  const missing: string[] = [];
  for (const file of registry.files) {
    for (const service of file.services) {
      if (!service.typeName.startsWith("auth.v1.")) continue;
      for (const method of service.methods) {
        const path = `/${service.typeName}/${method.name}`;
        const options = method.proto.options;
        const access = options
          ? (getExtension(options, extension) as {
              bearer: number;
              freshAuthentication: boolean;
              freshAuthenticationPaths: string[];
              roles: string[];
              serviceScope: string;
            })
          : null;
        const bearer = access ? BEARER[access.bearer] : undefined;
        if (!access || !bearer) {
          missing.push(path);
          continue;
        }
        table.set(path, {
          bearer,
          freshAuthentication: access.freshAuthentication,
          freshAuthenticationPaths: [...access.freshAuthenticationPaths],
          roles: [...access.roles],
          serviceScope: access.serviceScope,
        });
      }
    }
  }
  if (missing.length > 0) throw new Error(`rpcs without option (auth.v1.access): ${missing.join(", ")}`);
  return table;
}

let defaultTable: AccessTable | null = null;

/** The table of the generated descriptor set (src/gen/descriptor.binpb), read once. */
export function accessTable(): AccessTable {
  defaultTable ??= readAccessTable(readDescriptorSet());
  return defaultTable;
}

/** The bearer rule of a method; an unknown method needs a bearer (fail closed). */
export function bearerRuleOf(method: string, table: AccessTable = accessTable()): BearerRule {
  return table.get(method)?.bearer ?? "required";
}

/**
 * Whether this call needs a fresh authentication: always when declared without paths, else
 * when the request's update_mask (snake_case or lowerCamelCase paths) names one of them.
 */
export function needsFreshAuthentication(access: MethodAccess | undefined, request: unknown): boolean {
  if (!access?.freshAuthentication) return false;
  if (access.freshAuthenticationPaths.length === 0) return true;
  const mask = (request as { updateMask?: unknown } | null)?.updateMask;
  const paths = Array.isArray(mask) ? mask.filter((p): p is string => typeof p === "string") : [];
  const snake = paths.map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
  return snake.some((p) => access.freshAuthenticationPaths.includes(p));
}
