import { describe, expect, it } from "vitest";
import type { Channel, CodeNotification, Notification, OtpPurpose, SecurityNotice, SecurityNotification } from "../../application/ports/delivery.js";
import { describeExpiry, describeTime, escapeHtml, render } from "./templates.js";

const NOW = new Date("2026-11-21T13:55:00.000Z");
const IN_TEN = new Date("2026-11-21T14:05:00.000Z");
const SIX_DIGITS = /\b\d{6}\b/;
const PURPOSES: OtpPurpose[] = ["verify_contact", "login", "reset_password"];
const CHANNELS: Channel[] = ["email", "sms"];

function code(overrides: Partial<CodeNotification> = {}): CodeNotification {
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
    expect(render(code({ purpose: "verify_contact", channel: "sms" }), { productName: "Acme", now: NOW }).text).toContain(
      "to confirm this phone number is yours",
    );
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

const NOTICES: SecurityNotice[] = ["account_locked", "email_changed", "phone_changed", "password_changed", "mfa_enabled", "mfa_disabled", "account_claimed"];
const AT = new Date("2026-11-21T13:50:09.123Z");
const AT_ISO = "2026-11-21T13:50:09Z";
const HINT = "If this was not you, reset your password or contact support.";

function notice(notice: SecurityNotice, overrides: Partial<SecurityNotification> = {}): SecurityNotification {
  return { channel: "email", to: "old@example.com", kind: "notice", notice, at: AT, ...overrides };
}

/** What each notice must say happened: in the subject (`title`) and in every body (`body`). */
const NOTICE_WORDS: Record<SecurityNotice, { title: RegExp; body: RegExp }> = {
  account_locked: { title: /account locked/, body: /Your account was locked after too many failed sign-in attempts\./ },
  email_changed: { title: /email address changed/, body: /The email address of your account was changed\./ },
  phone_changed: { title: /phone number changed/, body: /The phone number of your account was changed\./ },
  password_changed: { title: /password changed/, body: /The password of your account was changed\./ },
  mfa_enabled: { title: /two-step verification turned on/, body: /Two-step verification was turned on for your account\./ },
  mfa_disabled: { title: /two-step verification turned off/, body: /Two-step verification was turned off for your account\./ },
  account_claimed: { title: /account secured/, body: /confirmed with a code, so the password and two-step verification set before that were removed\./ },
  provider_linked: { title: /sign-in provider linked/, body: /An account at a sign-in provider was linked to your account\./ },
  provider_unlinked: { title: /sign-in provider removed/, body: /A sign-in provider was removed from your account\./ },
  passkey_added: { title: /passkey added/, body: /A passkey was added to your account\./ },
  passkey_removed: { title: /passkey removed/, body: /A passkey was removed from your account\./ },
};

describe("render: notice", () => {
  it.each(NOTICES.flatMap((n) => CHANNELS.map((channel) => [n, channel] as const)))(
    "%s over %s: says what happened, when (UTC ISO) and what to do, in every part",
    (kind, channel) => {
      const m = render(notice(kind, { channel, to: channel === "email" ? "old@example.com" : "+4915112345678" }), { productName: "Acme", now: NOW });
      expect(m.subject).toMatch(/^Acme: /);
      expect(m.subject).toMatch(NOTICE_WORDS[kind].title);
      for (const part of [m.text, m.html, m.sms]) {
        expect(part).toMatch(NOTICE_WORDS[kind].body);
        expect(part).toContain(`${AT_ISO} (UTC)`);
        expect(part).toContain(HINT);
      }
      expect(m.sms).toMatch(/^Acme: /);
      expect(m.sms).not.toMatch(/[\r\n]/);
      expect(m.subject).not.toMatch(/[\r\n]/);
    },
  );

  it.each(NOTICES)("%s carries no code and no address, not even one a caller slipped in", (kind) => {
    for (const channel of CHANNELS) {
      // The port has no field for the new address; a caller that spreads one in anyway
      // (or a stray code) must not get it rendered.
      const sloppy = { ...notice(kind, { channel }), code: "042917", newEmail: "mallory@evil.example", newPhone: "+4917699999999", expiresAt: IN_TEN };
      const m = render(sloppy as Notification, { productName: "Acme", now: NOW });
      for (const part of all(m)) {
        expect(part).not.toMatch(SIX_DIGITS);
        expect(part).not.toContain("mallory");
        expect(part).not.toContain("evil.example");
        expect(part).not.toContain("99999999");
        expect(part).not.toContain("@"); // no address at all: not the old one either
        expect(part).not.toMatch(/\+\d/);
        expect(part).not.toMatch(/expires/i);
      }
    }
  });

  it("gives every notice its own subject, and account_claimed names the confirmed contact", () => {
    const subjects = NOTICES.map((n) => render(notice(n), { productName: "Acme" }).subject);
    expect(new Set(subjects).size).toBe(NOTICES.length);
    expect(render(notice("account_claimed"), { productName: "Acme" }).text).toContain("This email address was confirmed");
    expect(render(notice("account_claimed", { channel: "sms" }), { productName: "Acme" }).sms).toContain("This phone number was confirmed");
  });

  it("escapes the product name in a notice's HTML", () => {
    const m = render(notice("password_changed"), { productName: "<b>Acme</b>", now: NOW });
    expect(m.html).not.toContain("<b>");
    expect(m.html).toContain("&lt;b&gt;Acme&lt;/b&gt;");
    expect(m.html).not.toMatch(/src=|href=|url\(/);
  });

  it("fails loudly on a notice without a valid time or with an unknown notice", () => {
    expect(() => render(notice("mfa_enabled", { at: new Date(Number.NaN) }), { productName: "Acme" })).toThrow(/time of its event/);
    expect(() => render(notice("no_such_notice" as SecurityNotice), { productName: "Acme" })).toThrow(/unknown security notice/);
    expect(() => render({ ...notice("mfa_enabled"), kind: "bogus" } as unknown as Notification, { productName: "Acme" })).toThrow(/unknown notification kind/);
  });

  it("describeTime is ISO 8601 in UTC to the second", () => {
    expect(describeTime(AT)).toBe("2026-11-21T13:50:09Z (UTC)");
    expect(describeTime(new Date("2026-01-02T03:04:05Z"))).toBe("2026-01-02T03:04:05Z (UTC)");
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
