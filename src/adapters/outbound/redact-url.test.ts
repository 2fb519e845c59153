import { describe, expect, it } from "vitest";
import { redactUrl } from "./redact-url.js";

describe("redactUrl", () => {
  it("hides the password and keeps what identifies the server", () => {
    expect(redactUrl("postgresql://app:s3cret@db.internal:5432/auth")).toBe("postgresql://app:***@db.internal:5432/auth");
    expect(redactUrl("redis://:s3cret@127.0.0.1:6379/0")).toBe("redis://:***@127.0.0.1:6379/0");
  });

  it("hides a password passed as a query parameter", () => {
    const out = redactUrl("postgresql://db.internal/auth?user=app&password=s3cret");
    expect(out).not.toContain("s3cret");
    expect(out).toBe("postgresql://db.internal/auth?user=app&password=***");
  });

  it("leaves a URL without a password as it is", () => {
    expect(redactUrl("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
  });

  it("says nothing about a URL it cannot parse", () => {
    expect(redactUrl("not a url with s3cret")).toBe("<unparseable url>");
  });
});
