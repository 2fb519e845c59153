import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { needsFreshAuthentication, readAccessTable } from "./access-table.js";
import { readDescriptorSet } from "./descriptors.js";
import { SERVICE_NAMES } from "./server.js";

const set = readDescriptorSet();

describe("the access table read from the contract", () => {
  const table = readAccessTable(set);

  it("has an entry for every rpc of every auth.v1 service", () => {
    const decoded = fromBinary(FileDescriptorSetSchema, set);
    const rpcs = decoded.file
      .filter((f) => f.package === "auth.v1")
      .flatMap((f) => f.service.flatMap((s) => s.method.map((m) => `/auth.v1.${s.name}/${m.name}`)));
    expect(rpcs.length).toBeGreaterThan(20);
    expect([...table.keys()].sort()).toEqual(rpcs.sort());
    for (const service of SERVICE_NAMES) expect(rpcs.some((r) => r.startsWith(`/${service}/`))).toBe(true);
  });

  it("reads bearer rules and fresh-authentication rules as declared", () => {
    expect(table.get("/auth.v1.AuthService/Login")).toEqual({
      bearer: "none",
      freshAuthentication: false,
      freshAuthenticationPaths: [],
      roles: [],
      serviceScope: "",
    });
    expect(table.get("/auth.v1.AuthService/Logout")?.bearer).toBe("optional");
    expect(table.get("/auth.v1.SessionService/ListSessions")?.bearer).toBe("required");
    for (const m of ["DeleteMe", "EnrollTotp", "ConfirmTotp", "DisableTotp"]) {
      expect(table.get(`/auth.v1.UserService/${m}`)).toEqual({
        bearer: "required",
        freshAuthentication: true,
        freshAuthenticationPaths: [],
        roles: [],
        serviceScope: "",
      });
    }
    expect(table.get("/auth.v1.UserService/UpdateMe")?.freshAuthenticationPaths).toEqual(["username", "email", "phone"]);
    // Proving the password again must not itself need a fresh proof; nor ChangePassword (it asks for the current one).
    expect(table.get("/auth.v1.UserService/Reauthenticate")?.freshAuthentication).toBe(false);
    expect(table.get("/auth.v1.UserService/ChangePassword")?.freshAuthentication).toBe(false);
  });

  it("refuses a contract in which an rpc declares no access", () => {
    const decoded = fromBinary(FileDescriptorSetSchema, set);
    const service = decoded.file.flatMap((f) => f.service).find((s) => s.name === "UserService")!;
    const getMe = service.method.find((m) => m.name === "GetMe")!;
    getMe.options = undefined;
    expect(() => readAccessTable(toBinary(FileDescriptorSetSchema, decoded))).toThrow(/\/auth\.v1\.UserService\/GetMe/);
  });
});

describe("needsFreshAuthentication", () => {
  const updateMe = {
    bearer: "required" as const,
    freshAuthentication: true,
    freshAuthenticationPaths: ["username", "email", "phone"],
    roles: [],
    serviceScope: "",
  };

  it("gates UpdateMe only when its mask names a listed path, in either spelling", () => {
    expect(needsFreshAuthentication(updateMe, { updateMask: ["full_name"] })).toBe(false);
    expect(needsFreshAuthentication(updateMe, { updateMask: ["fullName"] })).toBe(false);
    expect(needsFreshAuthentication(updateMe, { updateMask: ["full_name", "email"] })).toBe(true);
    expect(needsFreshAuthentication(updateMe, { updateMask: ["phone"] })).toBe(true);
    expect(needsFreshAuthentication(updateMe, {})).toBe(false);
    expect(needsFreshAuthentication(updateMe, null)).toBe(false);
  });

  it("always gates a method declared without paths, never one not declared", () => {
    expect(needsFreshAuthentication({ bearer: "required", freshAuthentication: true, freshAuthenticationPaths: [], roles: [], serviceScope: "" }, {})).toBe(
      true,
    );
    expect(needsFreshAuthentication({ bearer: "required", freshAuthentication: false, freshAuthenticationPaths: [], roles: [], serviceScope: "" }, {})).toBe(
      false,
    );
    expect(needsFreshAuthentication(undefined, {})).toBe(false);
  });
});
