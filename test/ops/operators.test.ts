/** What operators rely on: gRPC health per service and reflection for grpcurl. */
import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileDescriptorProto } from "../../src/gen/pb/google/protobuf/descriptor.js";
import { call, failure } from "../support/grpc.js";
import { healthCheck, reflect } from "../support/operators.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("operators", () => {
  it("health answers overall and per service; unknown service is NOT_FOUND", async () => {
    expect(await healthCheck(server.port, "")).toBe("SERVING");
    for (const name of ["auth.v1.AuthService", "auth.v1.SessionService", "auth.v1.UserService"]) {
      expect(await healthCheck(server.port, name)).toBe("SERVING");
    }
    await expect(healthCheck(server.port, "no.such.Service")).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it("reflection lists every service and describes them from the real files", async () => {
    const list = await reflect(server.port, { list_services: "*" });
    const names = list.list_services_response!.service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(["auth.v1.AuthService", "auth.v1.SessionService", "auth.v1.UserService", "grpc.health.v1.Health"]));
    const file = await reflect(server.port, { file_containing_symbol: "auth.v1.AuthService" });
    const protos = file.file_descriptor_response!.file_descriptor_proto.map((b) => FileDescriptorProto.decode(b));
    const main = protos.find((p) => p.name === "auth/v1/auth_service.proto");
    expect(main?.service[0]?.method.map((m) => m.name)).toEqual([
      "Register",
      "Login",
      "RefreshToken",
      "Logout",
      "ValidateToken",
      "GetJwks",
      "RequestOtp",
      "VerifyContact",
      "LoginWithOtp",
      "ResetPassword",
      "StartOAuth",
      "CompleteOAuth",
      "StartPasskeyLogin",
      "FinishPasskeyLogin",
    ]);
    expect(main?.dependency).toContain("google/api/annotations.proto");
  });

  it("echoes a caller's x-request-id and makes one when absent", async () => {
    const e = await failure(call(server.clients.auth, server.clients.auth.validateToken, { accessToken: "" }, { metadata: { "x-request-id": "abc-123" } }));
    expect(e.requestId).toBe("abc-123");
    const e2 = await failure(call(server.clients.auth, server.clients.auth.validateToken, { accessToken: "" }));
    expect(e2.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
