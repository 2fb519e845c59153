import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

describe("loadConfig — defaults", () => {
  const config = loadConfig({});

  it("uses the documented ports", () => {
    expect(config.server.grpcPort).toBe(50051);
    expect(config.server.httpPort).toBe(8080);
    expect(config.server.opsPort).toBe(9090);
  });

  it("binds loopback only, the API and the operators' listener alike", () => {
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.server.opsHost).toBe("127.0.0.1");
  });

  it("signs with EdDSA, 15-minute access tokens, 30-day refresh tokens, a 10 s grace window", () => {
    expect(config.jwt.algorithm).toBe("EdDSA");
    expect(config.jwt.secretKey).toBeUndefined();
    expect(config.jwt.accessTokenExpireMinutes).toBe(15);
    expect(config.jwt.refreshTokenExpireDays).toBe(30);
    expect(config.jwt.refreshReuseGraceSeconds).toBe(10);
  });

  it("uses the OWASP argon2id parameters and the NIST password defaults", () => {
    expect(config.crypto).toMatchObject({ argon2MemoryKib: 19456, argon2Iterations: 2, argon2Parallelism: 1 });
    expect(config.password).toEqual({ minLength: 8, maxLength: 128, requireClasses: false });
  });

  it("allows no origin and trusts no proxy by default", () => {
    expect(config.server.allowedOrigins).toEqual([]);
    expect(config.server.trustedProxies).toEqual([]);
    expect(config.server.environment).toBe("development");
  });
});

describe("loadConfig — variable names", () => {
  it("nests with `__` and converts UPPER_SNAKE to camelCase", () => {
    const config = loadConfig({
      SERVER__GRPC_PORT: "6000",
      SERVER__HTTP_PORT: "9090",
      JWT__ACCESS_TOKEN_EXPIRE_MINUTES: "5",
      JWT__REFRESH_TOKEN_EXPIRE_DAYS: "7",
      JWT__REFRESH_REUSE_GRACE_SECONDS: "0",
      CRYPTO__ARGON2_MEMORY_KIB: "65536",
      LOG__LEVEL: "debug",
    });
    expect(config.server.grpcPort).toBe(6000);
    expect(config.server.httpPort).toBe(9090);
    expect(config.jwt.accessTokenExpireMinutes).toBe(5);
    expect(config.jwt.refreshTokenExpireDays).toBe(7);
    expect(config.jwt.refreshReuseGraceSeconds).toBe(0);
    expect(config.crypto.argon2MemoryKib).toBe(65536);
    expect(config.log.level).toBe("debug");
  });

  it("ignores unknown top-level variables and unknown sections", () => {
    const config = loadConfig({
      PATH: "/usr/bin",
      HOME: "/root",
      GRPC_PORT: "1",
      NOPE__GRPC_PORT: "not-a-number",
      SERVER__GRPC_PORT__EXTRA: "not-a-number",
    });
    expect(config.server.grpcPort).toBe(50051);
  });

  it("treats an empty string as unset", () => {
    const config = loadConfig({ SERVER__GRPC_PORT: "", JWT__ALGORITHM: "", LOG__LEVEL: "", SERVER__ALLOWED_ORIGINS: "" });
    expect(config.server.grpcPort).toBe(50051);
    expect(config.jwt.algorithm).toBe("EdDSA");
    expect(config.log.level).toBe("info");
    expect(config.server.allowedOrigins).toEqual([]);
  });

  it("treats an undefined value as unset", () => {
    expect(loadConfig({ SERVER__GRPC_PORT: undefined }).server.grpcPort).toBe(50051);
  });
});
