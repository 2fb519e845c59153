import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { configError, linesFor, SECRET_32 } from "./config-test-kit.js";

describe("loadConfig — allowed origins", () => {
  it.each(["*", '["*"]', "https://app.example.com,*", '["https://app.example.com", "*"]'])("refuses a wildcard: %j", (value) => {
    expect(linesFor(configError({ SERVER__ALLOWED_ORIGINS: value }), "SERVER__ALLOWED_ORIGINS")).toHaveLength(1);
  });
});

describe("loadConfig — production", () => {
  it("requires CRYPTO__ENCRYPTION_KEY", () => {
    const error = configError({ SERVER__ENVIRONMENT: "production" });
    expect(error.problems).toHaveLength(1);
    expect(linesFor(error, "CRYPTO__ENCRYPTION_KEY")).toHaveLength(1);
  });

  it("starts with an encryption key of 32+ characters", () => {
    const config = loadConfig({ SERVER__ENVIRONMENT: "production", CRYPTO__ENCRYPTION_KEY: SECRET_32 });
    expect(config.server.environment).toBe("production");
    expect(config.crypto.encryptionKey).toBe(SECRET_32);
  });

  it("refuses a short encryption key without echoing it", () => {
    const key = "EncKeyTooShort-123";
    const error = configError({ SERVER__ENVIRONMENT: "production", CRYPTO__ENCRYPTION_KEY: key });
    expect(linesFor(error, "CRYPTO__ENCRYPTION_KEY")).toHaveLength(1);
    expect(error.message).not.toContain(key);
  });

  it("does not require the key outside production", () => {
    expect(loadConfig({ SERVER__ENVIRONMENT: "test" }).crypto.encryptionKey).toBeUndefined();
  });
});

describe("loadConfig — the operators' listener", () => {
  it("reads SERVER__OPS_HOST and SERVER__OPS_PORT; 0 picks a free port", () => {
    const config = loadConfig({ SERVER__OPS_HOST: "::1", SERVER__OPS_PORT: "0" });
    expect(config.server.opsHost).toBe("::1");
    expect(config.server.opsPort).toBe(0);
    expect(loadConfig({ SERVER__OPS_PORT: "9100" }).server.opsPort).toBe(9100);
  });

  it("refuses a port out of range, naming the variable", () => {
    expect(linesFor(configError({ SERVER__OPS_PORT: "65536" }), "SERVER__OPS_PORT")).toHaveLength(1);
    expect(linesFor(configError({ SERVER__OPS_PORT: "metrics" }), "SERVER__OPS_PORT")).toHaveLength(1);
  });
});

describe("loadConfig — development and test bind loopback only", () => {
  it.each(["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost", "LOCALHOST"])("accepts SERVER__HOST=%s outside production", (host) => {
    for (const environment of [undefined, "development", "test"]) {
      expect(loadConfig({ SERVER__ENVIRONMENT: environment, SERVER__HOST: host, SERVER__OPS_HOST: host }).server.host).toBe(host);
    }
  });

  it.each(["0.0.0.0", "::", "10.0.0.5", "192.168.1.20", "2001:db8::1", "auth.internal", "example.com"])(
    "refuses SERVER__HOST=%s in development, in test and with no SERVER__ENVIRONMENT, pointing at production",
    (host) => {
      for (const environment of [undefined, "development", "test"]) {
        const error = configError({ SERVER__ENVIRONMENT: environment, SERVER__HOST: host });
        expect(error.problems, String(environment)).toHaveLength(1);
        const [line] = linesFor(error, "SERVER__HOST");
        expect(line).toMatch(/loopback/);
        expect(line).toMatch(/SERVER__ENVIRONMENT=production/);
        expect(line).toMatch(/CRYPTO__ENCRYPTION_KEY/);
      }
    },
  );

  it("refuses a non-loopback SERVER__OPS_HOST outside production too", () => {
    const error = configError({ SERVER__OPS_HOST: "0.0.0.0" });
    expect(error.problems).toHaveLength(1);
    expect(linesFor(error, "SERVER__OPS_HOST")[0]).toMatch(/SERVER__ENVIRONMENT=production/);
  });

  it("a forgotten SERVER__ENVIRONMENT with a wildcard bind fails, it never runs open", () => {
    const error = configError({ SERVER__HOST: "0.0.0.0", SERVER__OPS_HOST: "0.0.0.0", DATABASE__URL: "postgresql://db/auth" });
    expect(error.problems.map((p) => p.split(":")[0])).toEqual(["SERVER__HOST", "SERVER__OPS_HOST"]);
  });

  it("production may bind any address, with the settings production already demands", () => {
    const config = loadConfig({ SERVER__ENVIRONMENT: "production", CRYPTO__ENCRYPTION_KEY: SECRET_32, SERVER__HOST: "0.0.0.0", SERVER__OPS_HOST: "::" });
    expect([config.server.host, config.server.opsHost]).toEqual(["0.0.0.0", "::"]);
    // And still refuses to start without them: the bind does not relax anything.
    const error = configError({ SERVER__ENVIRONMENT: "production", SERVER__HOST: "0.0.0.0" });
    expect(error.problems).toHaveLength(1);
    expect(linesFor(error, "CRYPTO__ENCRYPTION_KEY")).toHaveLength(1);
  });

  it("is reported together with the other problems, and never echoes the address", () => {
    const error = configError({ SERVER__HOST: "10.1.2.3", SERVER__GRPC_PORT: "abc", SERVER__ALLOWED_ORIGINS: "*" });
    expect(linesFor(error, "SERVER__HOST")).toHaveLength(1);
    expect(linesFor(error, "SERVER__GRPC_PORT")).toHaveLength(1);
    expect(linesFor(error, "SERVER__ALLOWED_ORIGINS")).toHaveLength(1);
    expect(error.message).not.toContain("10.1.2.3");
  });
});
