// The operators' command line: bootstraps service credentials and admins with the service's own
// configuration (src/config.ts: DATABASE__URL, or DATABASE__DATA_DIR for the embedded PGlite;
// .env is read like every script) and its migrations (applied on open, as at start-up).
//
//   npm run admin -- create-service-key --name NAME [--scopes validate,admin]
//       creates the service account NAME if it is new and a key for it; the LAST line of
//       standard output is {"id":"<key id>","key":"sk_..."} (the key is shown this once)
//   npm run admin -- grant-admin --user USERNAME_OR_ID
//   npm run admin -- revoke-service-key --id KEY_ID
//
// Bad input (unknown command or flag, a missing value, an unknown scope) exits 2 with one line
// on standard error; a failure while running exits 1 with one line. The key is printed only in
// that last JSON line: never in a message, the audit log or an error.
import "dotenv/config";
import { cryptoRandom, systemClock, uuidV7Ids } from "../src/adapters/crypto/system.js";
import { openDatabase } from "../src/adapters/prisma/client.js";
import { PrismaUnitOfWork } from "../src/adapters/prisma/unit-of-work.js";
import { newApiKeySecret } from "../src/application/api-keys/key-secret.js";
import type { AuditRecord } from "../src/application/ports/audit.js";
import type { UnitOfWork } from "../src/application/ports/unit-of-work.js";
import { isUuid } from "../src/application/shared/field-rules.js";
import { loadConfig } from "../src/config.js";
import { normalizeUsername } from "../src/domain/identifiers.js";

/** The scopes a service key may carry (api.md "Credentials of services and operators"). */
const SCOPES = ["validate", "admin"] as const;
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const COMMANDS: Record<string, { flags: Record<string, boolean> }> = {
  // flag → required?
  "create-service-key": { flags: { "--name": true, "--scopes": false } },
  "grant-admin": { flags: { "--user": true } },
  "revoke-service-key": { flags: { "--id": true } },
};

class UsageError extends Error {}

function parse(argv: string[]): { command: string; flags: Map<string, string> } {
  const [command, ...rest] = argv;
  const spec = command === undefined ? undefined : COMMANDS[command];
  if (command === undefined || !spec) {
    throw new UsageError(`unknown command ${JSON.stringify(command ?? "")}: use ${Object.keys(COMMANDS).join(", ")}`);
  }
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (!(flag in spec.flags)) throw new UsageError(`unknown flag ${JSON.stringify(flag)} for ${command}: use ${Object.keys(spec.flags).join(", ")}`);
    const value = inline ?? rest[++i];
    if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
    flags.set(flag, value);
  }
  for (const [flag, required] of Object.entries(spec.flags)) if (required && !flags.has(flag)) throw new UsageError(`${command} needs ${flag}`);
  return { command, flags };
}

function scopesOf(value: string | undefined): string[] {
  if (value === undefined) return ["validate"];
  const scopes = [...new Set(value.split(",").map((s) => s.trim()))];
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) throw new UsageError(`unknown scope ${JSON.stringify(scope)}: use ${SCOPES.join(", ")}`);
  }
  return scopes;
}

const ids = uuidV7Ids(systemClock, cryptoRandom);

/** What the CLI's own actions write to the audit log: the operator at the command line is the actor. */
function cliAudit(userId: string, type: AuditRecord["type"], metadata: AuditRecord["metadata"]): AuditRecord {
  return {
    id: ids.newId(),
    userId,
    type,
    outcome: "success",
    ipAddress: "",
    userAgent: "auth-service admin cli",
    requestId: ids.newId(),
    sessionId: null,
    metadata: { actor: "cli", ...metadata },
    createdAt: systemClock.now(),
  };
}

async function createServiceKey(uow: UnitOfWork, name: string, scopes: string[]): Promise<void> {
  if (!SERVICE_NAME.test(name)) throw new UsageError("--name must be 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit");
  const now = systemClock.now();
  let service = await uow.serviceAccounts.findByName(name);
  if (!service) {
    service = await uow.serviceAccounts.create({ id: ids.newId(), name, isActive: true, createdAt: now });
    console.log(`created service account ${name} (${service.id})`);
  }
  const { secret, keyHash, start } = newApiKeySecret(cryptoRandom, "service");
  const key = await uow.apiKeys.insert({
    id: ids.newId(),
    owner: { type: "service", serviceId: service.id },
    name,
    start,
    keyHash,
    scopes,
    createdAt: now,
    expiresAt: null,
  });
  console.log(`created key ${key.id} for ${name} with scopes ${scopes.join(",")}`);
  console.log(JSON.stringify({ id: key.id, key: secret }));
}

async function grantAdmin(uow: UnitOfWork, who: string): Promise<void> {
  const user = isUuid(who) ? await uow.users.findById(who) : await uow.users.findByIdentifier("username", normalizeUsername(who));
  if (!user) throw new Error(`no user ${JSON.stringify(who)}`);
  if (user.roles.includes("admin")) {
    console.log(`${user.username} (${user.id}) is an admin already`);
    return;
  }
  const roles = [...user.roles, "admin"];
  await uow.transaction(async (tx) => {
    await tx.users.update(user.id, { roles, updatedAt: systemClock.now() });
    await tx.audit.record(cliAudit(user.id, "admin.roles_changed", { roles: roles.join(","), previous_roles: user.roles.join(",") }));
  });
  console.log(`${user.username} (${user.id}) is now an admin; tokens issued from now on carry the role`);
}

async function revokeServiceKey(uow: UnitOfWork, id: string): Promise<void> {
  if (!isUuid(id)) throw new UsageError("--id must be a key id (UUID)");
  const key = await uow.apiKeys.findById(id);
  if (key?.owner.type !== "service") throw new Error(`no service key ${id}`);
  const revoked = await uow.apiKeys.revoke(id, systemClock.now());
  // Running instances drop it from their 1 s positive cache on their own.
  console.log(revoked ? `revoked service key ${id}; it stops validating within one second` : `service key ${id} was revoked already`);
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  let scopes: string[] = [];
  try {
    parsed = parse(process.argv.slice(2));
    if (parsed.command === "create-service-key") scopes = scopesOf(parsed.flags.get("--scopes"));
  } catch (err) {
    console.error(`admin: ${(err as Error).message}`);
    return 2;
  }
  const { command, flags } = parsed;
  const config = loadConfig();
  const db = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir, poolSize: 2 });
  try {
    const uow = new PrismaUnitOfWork(db.prisma, { transactionTimeoutMs: config.database.timeoutMs * 2 });
    if (command === "create-service-key") await createServiceKey(uow, flags.get("--name") as string, scopes);
    else if (command === "grant-admin") await grantAdmin(uow, flags.get("--user") as string);
    else await revokeServiceKey(uow, flags.get("--id") as string);
    return 0;
  } catch (err) {
    console.error(`admin: ${(err as Error).message.split("\n")[0]}`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await db.close();
  }
}

process.exitCode = await main();
