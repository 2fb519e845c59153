import { describe, expect, it } from "vitest";
import { matchTemplate, openApiPath, parseTemplate, TemplateSyntaxError } from "./path-template.js";

describe("google.api.http path templates", () => {
  it("parses literals, variables with patterns, and a custom verb", () => {
    const t = parseTemplate("/v1/{name=projects/*/keys/*}:rotate");
    expect(t.verb).toBe("rotate");
    expect(t.segments.map((s) => s.kind)).toEqual(["literal", "literal", "any", "literal", "any"]);
    expect(t.variables).toEqual([{ fieldPath: "name", start: 1, end: 5, pattern: "projects/*/keys/*" }]);
    expect(openApiPath(t)).toBe("/v1/{name}:rotate");
    expect(openApiPath(parseTemplate("/v1/sessions/{session_id}"))).toBe("/v1/sessions/{session_id}");
    expect(openApiPath(parseTemplate("/v1/sessions:revokeAll"))).toBe("/v1/sessions:revokeAll");
  });

  it("matches and extracts; a verb must be present exactly", () => {
    const t = parseTemplate("/v1/users/{user.id}/keys/{key_id}:revoke");
    expect(matchTemplate(t, "/v1/users/u1/keys/k%3A2:revoke")?.values).toEqual(
      new Map([
        ["user.id", "u1"],
        ["key_id", "k:2"],
      ]),
    );
    expect(matchTemplate(t, "/v1/users/u1/keys/k2")).toBeNull();
    expect(matchTemplate(t, "/v1/users//keys/k2:revoke")).toBeNull();
    expect(matchTemplate(parseTemplate("/v1/sessions/{session_id}"), "/v1/sessions/abc:def")?.values.get("session_id")).toBe("abc:def");
  });

  it("`**` takes the rest, zero or more segments", () => {
    const t = parseTemplate("/v1/{path=files/**}/meta");
    expect(matchTemplate(t, "/v1/files/a/b/meta")?.values.get("path")).toBe("files/a/b");
    expect(matchTemplate(t, "/v1/files/meta")?.values.get("path")).toBe("files");
    expect(matchTemplate(t, "/v1/other/a/meta")).toBeNull();
  });

  it("refuses malformed templates", () => {
    for (const bad of ["v1/x", "/v1/{x", "/v1/{x}}", "/v1/{1x}", "/v1/{a}/{a}", "/v1/**/**", "/v1//x", "/v1/x:"]) {
      expect(() => parseTemplate(bad), bad).toThrow(TemplateSyntaxError);
    }
  });

  it("bad percent-encoding does not match (no exception reaches the caller)", () => {
    expect(matchTemplate(parseTemplate("/v1/things/{id}"), "/v1/things/%E0%A4%A")).toBeNull();
  });
});
