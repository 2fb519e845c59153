import { describe, expect, it } from "vitest";
import { ipRateLimitKey, isLoopbackHost } from "./network.js";

describe("ipRateLimitKey", () => {
  it("keys an IPv4 address as itself, also when written IPv4-mapped", () => {
    expect(ipRateLimitKey("203.0.113.7")).toBe("203.0.113.7");
    expect(ipRateLimitKey(" 203.0.113.7 ")).toBe("203.0.113.7");
    expect(ipRateLimitKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(ipRateLimitKey("::FFFF:cb00:7107")).toBe("203.0.113.7");
    expect(ipRateLimitKey("0:0:0:0:0:ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("keys every address of one IPv6 /64 alike, and neighbouring /64s apart", () => {
    const key = ipRateLimitKey("2001:db8:1:2::1");
    expect(key).toBe("2001:db8:1:2::/64");
    for (const ip of ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:0DB8:0001:0002:1234:5678:9abc:def0", "[2001:db8:1:2::99]", "2001:db8:1:2::7%eth0"]) {
      expect(ipRateLimitKey(ip), ip).toBe(key);
    }
    expect(ipRateLimitKey("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
  });

  it("writes the prefix in canonical RFC 5952 form, compressing the longest zero run", () => {
    expect(ipRateLimitKey("2001:db8::1")).toBe("2001:db8::/64");
    expect(ipRateLimitKey("2001:0:0:1:2:3:4:5")).toBe("2001:0:0:1::/64");
    expect(ipRateLimitKey("2001:0:0:0:1:2:3:4")).toBe("2001::/64");
    expect(ipRateLimitKey("2001::1:0:0:0:1")).toBe("2001:0:0:1::/64");
    expect(ipRateLimitKey("fe80::1")).toBe("fe80::/64");
    expect(ipRateLimitKey("::1")).toBe("::/64");
    expect(ipRateLimitKey("::")).toBe("::/64");
    expect(ipRateLimitKey("a:b:c:d:e:f:1:2")).toBe("a:b:c:d::/64");
    expect(ipRateLimitKey("1:0:2:0:3::")).toBe("1:0:2::/64");
  });

  it("puts empty and unparseable input in one `unknown` bucket", () => {
    for (const ip of [
      "",
      "   ",
      "unknown",
      "example.com",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "1:2:3",
      "1::2::3",
      "12345::1",
      "1:2:3:4:5:6:7:8:9",
      ":1:2:3:4:5:6:7",
      "::ffff:1.2.3.256",
      "1.2.3.4, 5.6.7.8",
    ]) {
      expect(ipRateLimitKey(ip), JSON.stringify(ip)).toBe("unknown");
    }
  });
});

describe("isLoopbackHost", () => {
  it("is true for localhost, 127.0.0.0/8, ::1 in any spelling and IPv4-mapped 127.x", () => {
    for (const host of ["localhost", "LocalHost", "127.0.0.1", "127.3.2.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it("is false for wildcards, other addresses and every other name", () => {
    for (const host of [
      "0.0.0.0",
      "::",
      "[::]",
      "10.0.0.1",
      "128.0.0.1",
      "::2",
      "::ffff:10.0.0.1",
      "auth.example.com",
      "localhost.evil.test",
      "127.0.0.1.nip.io",
      "",
      "127.1",
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
