import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { RequireFreshAuthentication } from "../../../application/sessions/require-fresh-authentication.js";
import type { Principal, ValidateToken } from "../../../application/sessions/validate-token.js";
import { formatApiKey } from "../../../domain/api-key-format.js";
import { DomainError } from "../../../domain/errors.js";
import type { AccessTable, MethodAccess } from "../access-table.js";
import type { CallContext } from "../call-context.js";
import { authInterceptor, type KeyVerifier, type VerifiedKey } from "./auth.js";

const SERVICE_KEY = formatApiKey("service", "S".repeat(30));
const OTHER_SERVICE_KEY = formatApiKey("service", "T".repeat(30));
const USER_KEY = formatApiKey("user", "U".repeat(30));

/** Knows SERVICE_KEY (scopes from the test) and USER_KEY; anything else is API_KEY_INVALID. */
function keyVerifier(scopes: string[]): KeyVerifier & { calls: number } {
  const known: Record<string, VerifiedKey> = {
    [SERVICE_KEY]: { keyId: "k1", owner: { type: "service", serviceId: "svc1" }, scopes },
    [USER_KEY]: { keyId: "k2", owner: { type: "user", userId: "u1" }, scopes },
  };
  return {
    calls: 0,
    async execute(raw) {
      this.calls++;
      const key = known[raw];
      if (!key) throw new DomainError("API_KEY_INVALID", "invalid");
      return key;
    },
  };
}

const base: MethodAccess = { bearer: "required", freshAuthentication: false, freshAuthenticationPaths: [], roles: [], serviceScope: "" };

function run(
  access: Partial<MethodAccess> | undefined,
  opts: { token?: string; roles?: string[]; fresh?: boolean; message?: unknown; apiKey?: string; keyScopes?: string[] } = {},
) {
  const table: AccessTable = new Map(access ? [["/auth.v1.X/Call", { ...base, ...access }]] : []);
  const principal = { userId: "u1", sessionId: "s1", roles: opts.roles ?? ["user"] } as Principal;
  const validate = { execute: async () => principal } as unknown as ValidateToken;
  let freshChecked = 0;
  const fresh = {
    execute: async () => {
      freshChecked++;
      if (opts.fresh === false) throw Object.assign(new Error("stale"), { reason: "REAUTHENTICATION_REQUIRED" });
    },
  } as unknown as RequireFreshAuthentication;
  const metadata = new Metadata();
  if (opts.token) metadata.set("authorization", `Bearer ${opts.token}`);
  if (opts.apiKey !== undefined) metadata.set("x-api-key", opts.apiKey);
  const keys = keyVerifier(opts.keyScopes ?? ["validate"]);
  const ctx = { method: "/auth.v1.X/Call", metadata, message: opts.message ?? {}, principal: null, service: null } as unknown as CallContext;
  const result = authInterceptor(validate, fresh, table, keys)(ctx, async () => "ran");
  return { result, ctx, freshChecked: () => freshChecked, keyLookups: () => keys.calls };
}

describe("the access interceptor enforces the contract's table", () => {
  it("public: runs without looking at credentials", async () => {
    await expect(run({ bearer: "none" }).result).resolves.toBe("ran");
  });

  it("bearer required: refuses without one, sets the principal with one", async () => {
    await expect(run({}).result).rejects.toMatchObject({ reason: "AUTHENTICATION_REQUIRED" });
    const ok = run({}, { token: "t.t.t" });
    await expect(ok.result).resolves.toBe("ran");
    expect(ok.ctx.principal?.userId).toBe("u1");
  });

  it("an rpc missing from the table needs a bearer (fail closed)", async () => {
    await expect(run(undefined).result).rejects.toMatchObject({ reason: "AUTHENTICATION_REQUIRED" });
  });

  it("roles: a bearer without one of them is PERMISSION_DENIED; with one it runs", async () => {
    await expect(run({ roles: ["admin"] }, { token: "t.t.t" }).result).rejects.toMatchObject({ reason: "PERMISSION_DENIED" });
    await expect(run({ roles: ["admin"] }, { token: "t.t.t", roles: ["user", "admin"] }).result).resolves.toBe("ran");
    // Even declared public, a role requirement needs a credential.
    await expect(run({ bearer: "none", roles: ["admin"] }).result).rejects.toMatchObject({ reason: "AUTHENTICATION_REQUIRED" });
  });

  it("a bearer never stands in for a service credential: service-only rpc + bearer is AUTHENTICATION_REQUIRED", async () => {
    await expect(run({ bearer: "none", serviceScope: "validate" }, { token: "t.t.t", roles: ["admin"] }).result).rejects.toMatchObject({
      reason: "AUTHENTICATION_REQUIRED",
    });
    await expect(run({ bearer: "none", serviceScope: "validate" }).result).rejects.toMatchObject({ reason: "AUTHENTICATION_REQUIRED" });
    // With a role declared too, either credential is enough.
    await expect(run({ serviceScope: "admin", roles: ["admin"] }, { token: "t.t.t", roles: ["admin"] }).result).resolves.toBe("ran");
  });

  it("service scope: a service key holding it runs and sets ctx.service (and no principal)", async () => {
    const ok = run({ bearer: "none", serviceScope: "validate" }, { apiKey: SERVICE_KEY, keyScopes: ["validate"] });
    await expect(ok.result).resolves.toBe("ran");
    expect(ok.ctx.service).toEqual({ serviceId: "svc1", keyId: "k1", scopes: ["validate"] });
    expect(ok.ctx.principal).toBeNull();
    // Admin rpcs (bearer optional + roles + scope) take the service key as well.
    const admin = run({ bearer: "optional", roles: ["admin"], serviceScope: "admin" }, { apiKey: SERVICE_KEY, keyScopes: ["validate", "admin"] });
    await expect(admin.result).resolves.toBe("ran");
    expect(admin.ctx.service?.serviceId).toBe("svc1");
  });

  it("a service key without the scope is PERMISSION_DENIED", async () => {
    await expect(
      run({ bearer: "optional", roles: ["admin"], serviceScope: "admin" }, { apiKey: SERVICE_KEY, keyScopes: ["validate"] }).result,
    ).rejects.toMatchObject({ reason: "PERMISSION_DENIED" });
  });

  it("a user's ak_ key is never a service credential: API_KEY_INVALID, refused before any lookup", async () => {
    const user = run({ bearer: "none", serviceScope: "validate" }, { apiKey: USER_KEY, keyScopes: ["validate"] });
    await expect(user.result).rejects.toMatchObject({ reason: "API_KEY_INVALID" });
    expect(user.keyLookups()).toBe(0);
    // Not even next to a bearer that would have been enough on its own.
    await expect(
      run({ bearer: "optional", roles: ["admin"], serviceScope: "admin" }, { apiKey: USER_KEY, token: "t.t.t", roles: ["admin"] }).result,
    ).rejects.toMatchObject({ reason: "API_KEY_INVALID" });
  });

  it("an unknown or malformed service key is API_KEY_INVALID; the error never repeats the key", async () => {
    const unknown = run({ bearer: "none", serviceScope: "validate" }, { apiKey: OTHER_SERVICE_KEY });
    await expect(unknown.result).rejects.toMatchObject({ reason: "API_KEY_INVALID" });
    expect(unknown.keyLookups()).toBe(1);
    const broken = run({ bearer: "none", serviceScope: "validate" }, { apiKey: `${SERVICE_KEY.slice(0, -1)}x` });
    const error = await broken.result.catch((e: unknown) => e as DomainError);
    expect(error).toMatchObject({ reason: "API_KEY_INVALID" });
    expect(broken.keyLookups()).toBe(0);
    expect(String((error as Error).message)).not.toContain(SERVICE_KEY.slice(3, 20));
  });

  it("an x-api-key on an rpc that declares no service scope is ignored (the bearer rule decides)", async () => {
    await expect(run({}, { apiKey: SERVICE_KEY }).result).rejects.toMatchObject({ reason: "AUTHENTICATION_REQUIRED" });
    const optional = run({ bearer: "optional" }, { apiKey: SERVICE_KEY });
    await expect(optional.result).resolves.toBe("ran");
    expect(optional.ctx.service).toBeNull();
    expect(optional.keyLookups()).toBe(0);
  });

  it("roles + scope: nobody is AUTHENTICATION_REQUIRED, a plain user PERMISSION_DENIED", async () => {
    const admin = { bearer: "optional", roles: ["admin"], serviceScope: "admin" } as const;
    await expect(run(admin).result).rejects.toMatchObject({ reason: "AUTHENTICATION_REQUIRED" });
    await expect(run(admin, { token: "t.t.t", roles: ["user"] }).result).rejects.toMatchObject({ reason: "PERMISSION_DENIED" });
  });

  it("fresh authentication: checked only when declared (and for the listed mask paths)", async () => {
    const plain = run({}, { token: "t.t.t" });
    await plain.result;
    expect(plain.freshChecked()).toBe(0);
    await expect(run({ freshAuthentication: true }, { token: "t.t.t", fresh: false }).result).rejects.toMatchObject({
      reason: "REAUTHENTICATION_REQUIRED",
    });
    const masked = run({ freshAuthentication: true, freshAuthenticationPaths: ["email"] }, { token: "t.t.t", message: { updateMask: ["full_name"] } });
    await expect(masked.result).resolves.toBe("ran");
    expect(masked.freshChecked()).toBe(0);
  });
});
