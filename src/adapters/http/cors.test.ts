import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { CorsPolicy, hostName } from "./cors.js";

const request = (headers: Record<string, string>, method = "GET") => ({ method, headers }) as unknown as IncomingMessage;
const policy = new CorsPolicy(["https://app.example.com", "HTTPS://Auth.Example.com/"], ["GET", "POST"]);

describe("CorsPolicy.judge", () => {
  it("a request without an Origin is not a CORS request", () => {
    expect(policy.judge(request({ host: "auth.example.com" }))).toEqual({ kind: "not-cors" });
  });

  it("an Origin matching a loopback Host is same-origin (the /docs page of a local server)", () => {
    for (const host of ["127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.2", "localhost"]) {
      expect(policy.judge(request({ host, origin: `http://${host}` })), host).toEqual({ kind: "not-cors" });
    }
    expect(policy.judge(request({ host: "localhost:8443", origin: "https://localhost:8443" }))).toEqual({ kind: "not-cors" });
  });

  it("DNS rebinding: an Origin matching a non-loopback Host is refused unless configured", () => {
    // The attacker's page re-resolved evil.example to this server: Origin and Host agree.
    for (const host of ["evil.example:8080", "evil.example", "10.0.0.5:8080", "[2001:db8::1]:8080", "localhost.evil.example:8080", "0.0.0.0:8080"]) {
      expect(policy.judge(request({ host, origin: `http://${host}` })), host).toEqual({ kind: "refused", origin: `http://${host}` });
    }
  });

  it("the service's own public name passes only because it is listed, like any other origin", () => {
    expect(policy.judge(request({ host: "auth.example.com", origin: "https://auth.example.com" }))).toEqual({
      kind: "allowed",
      origin: "https://auth.example.com",
    });
    expect(policy.judge(request({ host: "api.example.com", origin: "https://api.example.com" }))).toEqual({
      kind: "refused",
      origin: "https://api.example.com",
    });
  });

  it("a loopback Host does not vouch for a different Origin", () => {
    expect(policy.judge(request({ host: "127.0.0.1:8080", origin: "http://evil.example:8080" }))).toEqual({
      kind: "refused",
      origin: "http://evil.example:8080",
    });
    expect(policy.judge(request({ host: "127.0.0.1:8080", origin: "http://127.0.0.1:9999" }))).toEqual({ kind: "refused", origin: "http://127.0.0.1:9999" });
  });

  it("a configured origin is allowed whatever the Host", () => {
    expect(policy.judge(request({ host: "evil.example", origin: "https://app.example.com" }))).toEqual({ kind: "allowed", origin: "https://app.example.com" });
  });
});

describe("hostName", () => {
  it("drops the port of a Host header value, keeping IPv6 brackets", () => {
    expect(hostName("localhost:8080")).toBe("localhost");
    expect(hostName("127.0.0.1")).toBe("127.0.0.1");
    expect(hostName("[::1]:8080")).toBe("[::1]");
    expect(hostName("[::1]")).toBe("[::1]");
    expect(hostName(" example.com:443 ")).toBe("example.com");
  });
});
