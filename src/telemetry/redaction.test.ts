import { describe, expect, it } from "vitest";
import { redactUrlAttribute, redisStatement } from "./redaction.js";

describe("redactUrlAttribute", () => {
  it("keeps the path and the parameter names, never a query value", () => {
    expect(redactUrlAttribute("/v1/oauth/callback?code=abc123&state=xyz", "http.target")).toBe("/v1/oauth/callback?code=REDACTED&state=REDACTED");
    expect(redactUrlAttribute("https://idp.example.com/token?client_secret=s3cret", "url.full")).toBe("https://idp.example.com/token?client_secret=REDACTED");
    expect(redactUrlAttribute("code=abc&sk_live_bare", "url.query")).toBe("code=REDACTED&REDACTED");
    expect(redactUrlAttribute("?code=abc", "url.query")).toBe("code=REDACTED");
  });

  it("drops userinfo and leaves a URL without a query as it was", () => {
    expect(redactUrlAttribute("https://user:p4ss@sms.example.com:8443/send", "url.full")).toBe("https://sms.example.com:8443/send");
    expect(redactUrlAttribute("/v1/users/me", "http.target")).toBe("/v1/users/me");
    expect(redactUrlAttribute("https://app.example.com/cb#access_token=abc", "url.full")).toBe("https://app.example.com/cb");
  });
});

describe("redisStatement", () => {
  it("names the command and counts its arguments, never shows them", () => {
    expect(redisStatement("get", ["auth:session:abc"])).toBe("get [1 args]");
    expect(redisStatement("evalsha", ["sha", 1, "key", "value"])).toBe("evalsha [4 args]");
    expect(redisStatement("multi", [])).toBe("multi");
  });
});
