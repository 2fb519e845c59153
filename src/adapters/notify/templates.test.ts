import { describe, expect, it } from "vitest";
import type { Channel, Notification, OtpPurpose } from "../../application/ports.js";
import { describeExpiry, escapeHtml, render } from "./templates.js";

const NOW = new Date("2026-11-21T13:55:00.000Z");
const IN_TEN = new Date("2026-11-21T14:05:00.000Z");
const SIX_DIGITS = /\b\d{6}\b/;
const PURPOSES: OtpPurpose[] = ["verify_contact", "login", "reset_password"];
const CHANNELS: Channel[] = ["email", "sms"];

function code(overrides: Partial<Notification> = {}): Notification {
  return { channel: "email", to: "a@example.com", kind: "code", purpose: "login", code: "042917", expiresAt: IN_TEN, ...overrides };
}

const all = (m: ReturnType<typeof render>) => [m.subject, m.text, m.html, m.sms];

describe("render: code", () => {
  it.each(PURPOSES.flatMap((purpose) => CHANNELS.map((channel) => [purpose, channel] as const)))(
    "%s over %s: code in text, html and sms; never in the subject",
    (purpose, channel) => {
      const m = render(code({ purpose, channel }), { productName: "Acme", now: NOW });
      expect(m.text.match(SIX_DIGITS)?.[0]).toBe("042917"); // leading zero kept, only 6-digit run
      expect(m.html).toContain("042917");
      expect(m.sms).toContain("042917");
      expect(m.subject).not.toContain("042917");
      expect(m.subject).toMatch(/^Acme: /);
    },
  );

  it("names the purpose in subject and body", () => {
    const words: Record<OtpPurpose, RegExp> = { verify_contact: /verification code/, login: /sign-in code/, reset_password: /password reset code/ };
    for (const purpose of PURPOSES) {
      for (const part of all(render(code({ purpose }), { productName: "Acme", now: NOW }))) expect(part).toMatch(words[purpose]);
    }
    expect(render(code({ purpose: "verify_contact" }), { productName: "Acme", now: NOW }).text).toContain("to confirm this email address is yours");
    expect(render(code({ purpose: "verify_contact", channel: "sms" }), { productName: "Acme", now: NOW }).text).toContain("to confirm this phone number is yours");
  });

  it("states the expiry as minutes left and as UTC time", () => {
    const m = render(code(), { productName: "Acme", now: NOW });
    expect(m.text).toContain("It expires in 10 minutes (at 2026-11-21 14:05 UTC).");
    expect(m.html).toContain("It expires in 10 minutes (at 2026-11-21 14:05 UTC).");
    expect(m.sms).toContain("expires in 10 minutes (14:05 UTC)");
  });

  it("rejects a code notification without a usable code", () => {
    expect(() => render(code({ code: undefined }), { productName: "Acme" })).toThrow(/needs a code/);
    expect(() => render(code({ code: "<b>1</b>" }), { productName: "Acme" })).toThrow(/needs a code/);
  });
});

describe("render: no_account", () => {
  it.each(PURPOSES)("%s: says nobody uses the destination and carries no code, even if one was set", (purpose) => {
    for (const channel of CHANNELS) {
      const m = render(code({ kind: "no_account", purpose, channel }), { productName: "Acme", now: NOW });
      for (const part of all(m)) {
        expect(part).not.toContain("042917");
        expect(part).not.toMatch(SIX_DIGITS);
      }
      expect(m.text).toMatch(/no account uses it\. If it wasn't you, ignore this\./);
      expect(m.sms).toMatch(/no account uses it/);
      expect(m.text).toContain(channel === "email" ? "this address" : "this number");
    }
  });

  it("escapes the apostrophe of its own wording in HTML", () => {
    const m = render(code({ kind: "no_account" }), { productName: "Acme", now: NOW });
    expect(m.html).toContain("wasn&#39;t you");
  });
});

describe("escaping", () => {
  it("escapes the product name in HTML and keeps it off extra header lines", () => {
    const hostile = `<script>alert("x")</script> & Co'\r\nBcc: victim@example.com`;
    const m = render(code(), { productName: hostile, now: NOW });
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co&#39;");
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.sms).not.toMatch(/[\r\n]/);
  });

  it("escapeHtml covers the five characters that matter", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
    expect(escapeHtml("plain 123")).toBe("plain 123");
  });

  it("the HTML has no remote content and no six-digit colour that could pass for a code", () => {
    const m = render(code({ kind: "no_account" }), { productName: "Acme", now: NOW });
    expect(m.html).not.toMatch(/src=|href=|url\(/);
    expect(m.html).not.toMatch(/#[0-9a-f]{6}/i);
  });
});

describe("describeExpiry", () => {
  it("rounds up, never says 0 minutes, and uses the singular", () => {
    expect(describeExpiry(IN_TEN, new Date(NOW.getTime() + 5)).minutes).toBe("10 minutes");
    expect(describeExpiry(IN_TEN, new Date(IN_TEN.getTime() - 20_000)).minutes).toBe("1 minute");
    expect(describeExpiry(IN_TEN, new Date(IN_TEN.getTime() + 60_000)).minutes).toBe("1 minute");
    expect(describeExpiry(IN_TEN, NOW)).toEqual({ minutes: "10 minutes", utc: "2026-11-21 14:05 UTC", utcTime: "14:05 UTC" });
  });
});
