// Turns what Prisma (and the driver under it) throws into the service's error vocabulary, so
// that no repository leaks a Prisma error class to the use cases:
//
// - a unique violation on `users` is an expected outcome of registration races and becomes
//   DomainError USER_ALREADY_EXISTS naming the field that clashed;
// - an update of a user that does not exist becomes USER_NOT_FOUND;
// - a failure to talk to the database at all becomes DependencyUnavailableError("database"),
//   which the gRPC layer answers with UNAVAILABLE (retryable) instead of INTERNAL;
// - anything else is a bug or an unexpected state and is rethrown untouched.
//
// Where the facts live differs per driver adapter (measured with Prisma 7.10):
// - P2002 from @prisma/adapter-pg: no `meta.target`; the index name is in
//   `meta.driverAdapterError.cause.constraint.index` ("users_email_key").
// - P2002 from pglite-prisma-adapter: `meta.driverAdapterError.cause.constraint.fields` holds
//   the column names (["username_normalized"]).
// - Both carry the PostgreSQL message ('... unique constraint "users_email_key"') in
//   `cause.originalMessage`, the last resort.
// - Connection failures arrive as P1001 (refused), as P2010 with SQLSTATE 57P01 in the
//   adapter cause (backend terminated), or as plain driver errors with no code at all when the
//   client is used after close ("Cannot use a pool after calling end on the pool" from pg,
//   "PGlite is closed" from PGlite).
import { DependencyUnavailableError, DomainError } from "../../domain/errors.js";

type UniqueField = "username" | "email" | "phone";

/** Node socket errors that mean the server could not be reached or the connection broke. */
const NODE_CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);

/**
 * Prisma codes for an unreachable server (P1001), connect timeout (P1002), operation timeout
 * (P1008), a closed connection (P1017), pool acquisition timeout (P2024) and too many
 * connections (P2037): all transient, none caused by the request.
 */
const PRISMA_CONNECTION_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2037"]);

/** Kinds of Prisma's DriverAdapterError that mean the same (before they get a P-code). */
const ADAPTER_CONNECTION_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

/** SQLSTATE: admin shutdown, crash shutdown, cannot connect now (server starting/stopping). */
const SQLSTATE_CONNECTION_CODES = new Set(["57P01", "57P02", "57P03"]);

/** Messages of driver errors that carry no code (pg, pg-pool, PGlite). */
const CONNECTION_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error and is not queryable",
  "Cannot use a pool after calling end on the pool",
  "PGlite is closed",
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `value[key]` for any object, without trusting its type. */
function prop(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function isConnectionNode(node: Record<string, unknown>): boolean {
  for (const key of ["code", "originalCode"]) {
    const code = node[key];
    if (typeof code !== "string") continue;
    if (NODE_CONNECTION_CODES.has(code) || PRISMA_CONNECTION_CODES.has(code)) return true;
    // SQLSTATE class 08: connection exception (08000, 08001, 08003, 08006, ...).
    if (/^08[0-9A-Z]{3}$/.test(code) || SQLSTATE_CONNECTION_CODES.has(code)) return true;
  }
  if (typeof node.kind === "string" && ADAPTER_CONNECTION_KINDS.has(node.kind)) return true;
  const message = node.message;
  return typeof message === "string" && CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/**
 * True when `err` (or anything it wraps) is a connection-level failure rather than something
 * the query itself did. Walks `.cause` chains and Prisma's `meta.driverAdapterError`, whose
 * `cause` is a plain object carrying the adapter's `kind` and the SQLSTATE `code`.
 */
export function isConnectionError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [err];
  while (pending.length > 0 && seen.size < 32) {
    const node = pending.pop();
    if (!isRecord(node) || seen.has(node)) continue;
    seen.add(node);
    if (isConnectionNode(node)) return true;
    pending.push(node.cause, prop(node.meta, "driverAdapterError"));
    // AggregateError (e.g. a failed connect to each address of a host name).
    if (Array.isArray(node.errors)) pending.push(...(node.errors as unknown[]));
  }
  return false;
}

function prismaCode(err: unknown): string | undefined {
  const code = prop(err, "code");
  // Prisma's own codes are P followed by four digits; node and SQLSTATE codes are not.
  return typeof code === "string" && /^P\d{4}$/.test(code) ? code : undefined;
}

function modelName(err: unknown): unknown {
  return prop(prop(err, "meta"), "modelName");
}

function fieldOfName(name: string): UniqueField | undefined {
  const n = name.toLowerCase();
  // Order matters only for clarity: the users table has one unique index per field.
  if (n.includes("username")) return "username";
  if (n.includes("email")) return "email";
  if (n.includes("phone")) return "phone";
  return undefined;
}

function fieldOfNames(names: unknown): UniqueField | undefined {
  if (typeof names === "string") return fieldOfName(names);
  if (!Array.isArray(names)) return undefined;
  for (const name of names) {
    const field = typeof name === "string" ? fieldOfName(name) : undefined;
    if (field) return field;
  }
  return undefined;
}

/**
 * Which field of a user clashed in a P2002. `meta.target` (field list or index name, as the
 * query engine reported it before driver adapters), then the adapter's constraint (column
 * list on PGlite, index name on pg), then the constraint name quoted in the message.
 */
function uniqueViolationField(err: unknown): UniqueField | undefined {
  const meta = prop(err, "meta");
  const cause = prop(prop(meta, "driverAdapterError"), "cause");
  const constraint = prop(cause, "constraint");
  const fromMeta =
    fieldOfNames(prop(meta, "target")) ??
    fieldOfNames(prop(constraint, "fields")) ??
    fieldOfNames(prop(constraint, "index")) ??
    fieldOfNames(prop(constraint, "constraint"));
  if (fromMeta) return fromMeta;
  for (const text of [prop(cause, "originalMessage"), prop(err, "message")]) {
    if (typeof text !== "string") continue;
    const quoted = /unique constraint "([^"]+)"/.exec(text)?.[1];
    const field = quoted ? fieldOfName(quoted) : undefined;
    if (field) return field;
  }
  return undefined;
}

function userAlreadyExists(err: unknown): DomainError {
  const field = uniqueViolationField(err);
  if (!field) {
    return new DomainError("USER_ALREADY_EXISTS", "An account with these details already exists", { cause: err });
  }
  return new DomainError("USER_ALREADY_EXISTS", `An account with this ${field} already exists`, {
    fieldViolations: [{ field, description: "is already taken" }],
    cause: err,
  });
}

/** A unique index refused the write (P2002), on any table. */
export function isUniqueViolation(err: unknown): boolean {
  return prismaCode(err) === "P2002";
}

/** Rethrows `err` in the service's vocabulary (see the file comment). Never returns. */
export function translatePrismaError(err: unknown): never {
  // Already translated (e.g. by a repository inside a transaction callback): keep as is.
  if (err instanceof DomainError || err instanceof DependencyUnavailableError) throw err;
  const code = prismaCode(err);
  if (code === "P2002" && modelName(err) === "User") throw userAlreadyExists(err);
  if (code === "P2025" && modelName(err) === "User") {
    throw new DomainError("USER_NOT_FOUND", "The user does not exist", { cause: err });
  }
  if (isConnectionError(err)) throw new DependencyUnavailableError("database", { cause: err });
  throw err;
}

/** Runs one database operation with translatePrismaError applied to whatever it throws. */
export async function withPrismaErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    translatePrismaError(err);
  }
}
