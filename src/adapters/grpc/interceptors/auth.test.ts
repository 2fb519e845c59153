import { Metadata } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { RequireFreshAuthentication } from "../../../application/sessions/require-fresh-authentication.js";
import type { Principal, ValidateToken } from "../../../application/sessions/validate-token.js";
import type { AccessTable, MethodAccess } from "../access-table.js";
import type { CallContext } from "../call-context.js";
import { authInterceptor } from "./auth.js";

const base: MethodAccess = { bearer: "required", freshAuthentication: false, freshAuthenticationPaths: [], roles: [], serviceScope: "" };

function run(access: Partial<MethodAccess> | undefined, opts: { token?: string; roles?: string[]; fresh?: boolean; message?: unknown } = {}) {
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
  const ctx = { method: "/auth.v1.X/Call", metadata, message: opts.message ?? {}, principal: null } as unknown as CallContext;
  const result = authInterceptor(validate, fresh, table)(ctx, async () => "ran");
  return { result, ctx, freshChecked: () => freshChecked };
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

  it("a service scope alone is refused to a bearer (service credentials are not bearers)", async () => {
    await expect(run({ serviceScope: "validate" }, { token: "t.t.t", roles: ["admin"] }).result).rejects.toMatchObject({
      reason: "PERMISSION_DENIED",
    });
    await expect(run({ serviceScope: "admin", roles: ["admin"] }, { token: "t.t.t", roles: ["admin"] }).result).resolves.toBe("ran");
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
