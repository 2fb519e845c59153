/**
 * Environment → typed, validated config. Variables nest with `__` (`JWT__SECRET_KEY` is
 * `jwt.secretKey`); lists are JSON arrays or comma-separated; durations are whole numbers in
 * the unit their name gives. A bad value yields one line per problem naming the variable,
 * never echoing its value (it may be a secret).
 */
import { z } from "zod";
import { isLoopbackHost } from "./domain/network.js";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const list = z.string().transform((raw, ctx) => {
  const text = raw.trim();
  if (text === "") return [] as string[];
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) return parsed as string[];
    } catch {
      /* reported below */
    }
    ctx.addIssue({ code: "custom", message: "must be a JSON array of strings or a comma-separated list" });
    return z.NEVER;
  }
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
});
const optionalSecret = (min: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v))
    .refine((v) => v === undefined || v.length >= min, { message: `must be at least ${min} characters` });

const GOOGLE_ISSUER = "https://accounts.google.com";

/** One OpenID Connect provider (api.md "Google and other OpenID Connect providers"). */
const providerEntry = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1-32 lower-case letters, digits, '-' or '_'"),
    issuer: z.string().url().optional(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    redirectUri: z.string().url(),
    scopes: z
      .array(z.string().min(1))
      .default(["openid", "email", "profile"])
      .refine((s) => s.includes("openid"), { message: "must include openid" }),
    trustEmailVerified: z.boolean().default(false),
  })
  .strict();

export type OAuthProviderConfig = Omit<z.infer<typeof providerEntry>, "issuer"> & { issuer: string };

/** http:// only for a loopback host (a local or test provider); https:// otherwise. */
function secureOrLoopback(url: string): boolean {
  const u = new URL(url);
  return u.protocol === "https:" || (u.protocol === "http:" && isLoopbackHost(u.hostname.replace(/^\[|\]$/g, "")));
}

/** OAUTH__PROVIDERS: a JSON array of entries; every problem of every entry is reported, no value echoed. */
const oauthProviders = z.string().transform((raw, ctx): OAuthProviderConfig[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a JSON array of provider entries" });
    return z.NEVER;
  }
  if (!Array.isArray(parsed)) {
    ctx.addIssue({ code: "custom", message: "must be a JSON array of provider entries" });
    return z.NEVER;
  }
  const out: OAuthProviderConfig[] = [];
  const seen = new Set<string>();
  parsed.forEach((item, i) => {
    const entry = providerEntry.safeParse(item);
    if (!entry.success) {
      for (const issue of entry.error.issues) ctx.addIssue({ code: "custom", message: `entry ${i}: ${issue.path.join(".") || "entry"}: ${issue.message}` });
      return;
    }
    const e = entry.data;
    const issuer = e.issuer ?? (e.id === "google" ? GOOGLE_ISSUER : undefined);
    if (!issuer) ctx.addIssue({ code: "custom", message: `entry ${i}: issuer: is required (only "google" has a default)` });
    else if (!secureOrLoopback(issuer)) ctx.addIssue({ code: "custom", message: `entry ${i}: issuer: must be https:// (http:// only on a loopback address)` });
    if (!secureOrLoopback(e.redirectUri)) {
      ctx.addIssue({ code: "custom", message: `entry ${i}: redirectUri: must be https:// (http:// only on a loopback address)` });
    }
    if (seen.has(e.id)) ctx.addIssue({ code: "custom", message: `entry ${i}: id: "${e.id}" is used by an earlier entry` });
    seen.add(e.id);
    if (issuer) out.push({ ...e, issuer });
  });
  return out;
});

const schema = z.object({
  server: z
    .object({
      /**
       * Loopback by default: a deployment binds a reachable address on purpose, and outside
       * production it may not (see the loopback rule in loadConfig).
       */
      host: z.string().min(1).default("127.0.0.1"),
      grpcPort: int(0, 65535).default(50051),
      httpPort: int(0, 65535).default(8080),
      /** The operators' listener (/metrics): its own address, loopback unless opened on purpose. */
      opsHost: z.string().min(1).default("127.0.0.1"),
      opsPort: int(0, 65535).default(9090),
      environment: z.enum(["development", "test", "production"]).default("development"),
      allowedOrigins: list.default([]),
      /** Clients whose X-Forwarded-For is believed (the gateway or Envoy). */
      trustedProxies: list.default([]),
      maxMessageBytes: int(1024, 4 * 1024 * 1024).default(64 * 1024),
      shutdownTimeoutSeconds: int(1, 120).default(10),
    })
    .prefault({}),
  database: z
    .object({
      url: z.string().url().optional(),
      poolSize: int(1, 200).default(10),
      dataDir: z.string().min(1).default(".data/pglite"),
      timeoutMs: int(10, 120_000).default(5000),
    })
    .prefault({}),
  redis: z
    .object({
      url: z.string().url().optional(),
      timeoutMs: int(10, 60_000).default(1000),
      /** Prefix of every key and channel, so several deployments can share one Redis. */
      keyPrefix: z
        .string()
        .regex(/^[A-Za-z0-9:_-]{1,64}$/)
        .default("auth:"),
    })
    .prefault({}),
  jwt: z
    .object({
      algorithm: z.enum(["EdDSA", "HS256"]).default("EdDSA"),
      secretKey: optionalSecret(32),
      issuer: z.string().min(1).default("auth-service"),
      audience: z.string().min(1).default("internal-services"),
      accessTokenExpireMinutes: int(1, 24 * 60).default(15),
      refreshTokenExpireDays: int(1, 365).default(30),
      refreshReuseGraceSeconds: int(0, 300).default(10),
    })
    .prefault({}),
  session: z
    .object({
      maxLifetimeDays: int(1, 3650).default(90),
      statusCacheMs: int(0, 60_000).default(1000),
    })
    .prefault({}),
  crypto: z
    .object({
      passwordSalt: optionalSecret(16),
      encryptionKey: optionalSecret(32),
      argon2MemoryKib: int(8192, 1024 * 1024).default(19456),
      argon2Iterations: int(1, 20).default(2),
      argon2Parallelism: int(1, 16).default(1),
      // Hashes/verifications at once (0: the cores, leaving one libuv pool thread free) and how
      // many may wait for a turn before one more is refused with UNAVAILABLE.
      argon2Concurrency: int(0, 256).default(0),
      argon2MaxQueue: int(0, 100_000).default(128),
    })
    .prefault({}),
  password: z
    .object({
      minLength: int(8, 64).default(8),
      maxLength: int(64, 1024).default(128),
      requireClasses: bool.default(false),
    })
    .prefault({}),
  auth: z
    .object({
      maxFailedLogins: int(1, 100).default(10),
      lockoutMinutes: int(1, 24 * 60).default(15),
      ipAttemptsPerMinute: int(1, 1_000_000).default(60),
      /** A sensitive change needs a login or Reauthenticate on the session within this window. */
      reauthMaxAgeMinutes: int(1, 24 * 60).default(10),
      /** Security notices and "no account" messages per destination and kind per day. */
      noticesPerDay: int(1, 1000).default(5),
      requireVerifiedContact: bool.default(false),
    })
    .prefault({}),
  otp: z
    .object({
      expireMinutes: int(1, 60).default(10),
      maxAttempts: int(1, 10).default(3),
      resendSeconds: int(0, 3600).default(60),
    })
    .prefault({}),
  mail: z
    .object({
      /** smtp://user:pass@host:587 or smtps://...; unset: the development outbox. */
      smtpUrl: z.string().url().optional(),
      from: z.string().min(3).default("auth-service <no-reply@localhost>"),
      timeoutMs: int(100, 60_000).default(5000),
    })
    .prefault({}),
  sms: z
    .object({
      /** A JSON POST {to, body, purpose}; unset: the development outbox. */
      webhookUrl: z.string().url().optional(),
      webhookToken: optionalSecret(8),
      timeoutMs: int(100, 60_000).default(5000),
    })
    .prefault({}),
  mfa: z
    .object({
      /** The issuer shown in authenticator apps. */
      issuer: z.string().min(1).max(64).default("auth-service"),
    })
    .prefault({}),
  oauth: z
    .object({
      /** The OpenID Connect providers (Google as a preset, any issuer by discovery). */
      providers: oauthProviders.default([]),
      /** Each call to a provider (discovery, JWKS, token exchange). */
      timeoutMs: int(100, 60_000).default(5000),
    })
    .prefault({}),
  webauthn: z
    .object({
      /** The relying party id: the site's registrable domain (passkeys are bound to it). */
      rpId: z.string().min(1).max(253).default("localhost"),
      rpName: z.string().min(1).max(64).default("auth-service"),
      /** The origins of the browser pages allowed to use passkeys (JSON array). */
      origins: list.default(["http://localhost:8080"]),
    })
    .prefault({}),
  log: z
    .object({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      // The access log of the high-volume checks (ValidateToken, ValidateApiKey, CheckQuota):
      // failed and slow calls always get a line; this share of the fast successful ones too, the
      // rest are counted in one summary line per interval (0: no summary).
      rpcSampleRate: z.coerce.number().min(0).max(1).default(0.01),
      rpcSlowMs: int(1, 600_000).default(250),
      rpcSummarySeconds: int(0, 3600).default(60),
    })
    .prefault({}),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const SECTIONS = new Set(Object.keys(schema.shape));
const camel = (s: string) => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const upperSnake = (s: string) => s.replace(/([A-Z])/g, "_$1").toUpperCase();

/** Turns `JWT__SECRET_KEY=...` into `{ jwt: { secretKey: ... } }`; other variables are ignored. */
function nest(env: Record<string, string | undefined>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const parts = key.split("__");
    if (parts.length !== 2) continue;
    const [section, field] = [camel(parts[0] as string), camel(parts[1] as string)];
    if (!SECTIONS.has(section)) continue;
    // An empty value means "unset", as in most .env conventions.
    if (value === "") continue;
    out[section] ??= {};
    out[section][field] = value;
  }
  return out;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const nested = nest(env);
  const result = schema.safeParse(nested);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.map((p) => upperSnake(String(p))).join("__")}: ${issue.message}`);
  // Cross-field rules run on the raw values too, so one run reports every problem.
  const raw = (section: string, field: string) => nested[section]?.[field];
  const algorithm = result.success ? result.data.jwt.algorithm : raw("jwt", "algorithm");
  const environment = result.success ? result.data.server.environment : raw("server", "environment");
  if (algorithm === "HS256" && raw("jwt", "secretKey") === undefined) {
    problems.push("JWT__SECRET_KEY: is required when JWT__ALGORITHM=HS256");
  }
  if (environment === "production" && raw("crypto", "encryptionKey") === undefined) {
    problems.push("CRYPTO__ENCRYPTION_KEY: is required in production (signing keys are stored encrypted)");
  }
  // Safe by construction: development logs every one-time code and may keep keys unsealed, so
  // only production (which demands the encryption key) may bind an address others can reach.
  // A deployment that forgets SERVER__ENVIRONMENT fails here instead of running open.
  if (environment !== "production") {
    const binds: [string, string, string][] = [
      ["SERVER__HOST", raw("server", "host") ?? "127.0.0.1", "the gRPC and REST ports"],
      ["SERVER__OPS_HOST", raw("server", "opsHost") ?? "127.0.0.1", "the operators' listener"],
    ];
    for (const [name, host, what] of binds) {
      if (!isLoopbackHost(host)) {
        problems.push(
          `${name}: ${what} may bind only a loopback address (127.0.0.1, ::1, localhost) outside production; ` +
            "to serve other hosts set SERVER__ENVIRONMENT=production (which requires CRYPTO__ENCRYPTION_KEY)",
        );
      }
    }
  }
  const origins = raw("server", "allowedOrigins") ?? "";
  if (origins.split(/[,[\]"\s]+/).includes("*")) {
    problems.push("SERVER__ALLOWED_ORIGINS: '*' is not allowed; list the origins");
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}
