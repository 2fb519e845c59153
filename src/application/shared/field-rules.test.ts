import { describe, expect, it } from "vitest";
import { Violations } from "../../domain/errors.js";
import { checkPasswordInput, isUuid, SIX_DIGIT_CODE } from "./field-rules.js";

describe("field rules", () => {
  it("a code is exactly six digits", () => {
    expect(SIX_DIGIT_CODE.test("012345")).toBe(true);
    for (const bad of ["12345", "1234567", "12a456", " 123456", "١٢٣٤٥٦"]) expect(SIX_DIGIT_CODE.test(bad)).toBe(false);
  });

  it("a UUID in canonical form, either case", () => {
    expect(isUuid("01900000-0000-7000-8000-000000000000")).toBe(true);
    expect(isUuid("01900000-0000-7000-8000-00000000000A")).toBe(true);
    for (const bad of ["", "01900000000070008000000000000000", "01900000-0000-7000-8000-0000000000000", "x1900000-0000-7000-8000-000000000000"]) {
      expect(isUuid(bad)).toBe(false);
    }
  });

  it("a password to check may be at most four times the policy's maximum", () => {
    const v = new Violations();
    checkPasswordInput("x".repeat(512), "password", { maxPasswordLength: 128 }, v);
    expect(v.isEmpty).toBe(true);
    checkPasswordInput("x".repeat(513), "current_password", { maxPasswordLength: 128 }, v);
    expect(() => v.throwIfAny()).toThrow();
    try {
      v.throwIfAny();
    } catch (e) {
      expect((e as { fieldViolations: { field: string }[] }).fieldViolations.map((f) => f.field)).toEqual(["current_password"]);
    }
  });
});
