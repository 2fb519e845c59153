/**
 * Log hygiene of delivery: outside development a code never reaches the log, and neither
 * does a full destination. Reads what pino really wrote (through the service's logger, with
 * its redaction), not what the code meant to write.
 */
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { TaskCancelledError } from "cockatiel";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/logging/logger.js";
import { createNotifier } from "../../src/adapters/notify/create-notifier.js";
import { maskDestination, OutboxNotifier } from "../../src/adapters/notify/outbox-notifier.js";
import type { Notification, SecurityNotice, SecurityNotification } from "../../src/application/ports/delivery.js";
import { DependencyUnavailableError } from "../../src/domain/errors.js";
import { closedPort } from "../support/net.js";
import { startSmsWebhook } from "../support/sms-webhook.js";
import { startSmtpServer } from "../support/smtp.js";

const clock = { now: () => new Date() };

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger("info", stream), text: () => lines.join(""), entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const expiresAt = new Date(Date.now() + 600_000);
const email: Notification = { channel: "email", to: "alice.liddell@example.com", kind: "code", purpose: "login", code: "493027", expiresAt };
const sms: Notification = { channel: "sms", to: "+4915112345678", kind: "code", purpose: "verify_contact", code: "781250", expiresAt };
const at = new Date("2026-11-21T13:50:09.000Z");
const NOTICES: SecurityNotice[] = ["account_locked", "email_changed", "phone_changed", "password_changed", "mfa_enabled", "mfa_disabled", "account_claimed"];
const emailNotice = (notice: SecurityNotice): SecurityNotification => ({ channel: "email", to: email.to, kind: "notice", notice, at });
const smsNotice = (notice: SecurityNotice): SecurityNotification => ({ channel: "sms", to: sms.to, kind: "notice", notice, at });
/** A caller that spreads more into a notice than the port has: none of it may reach a log. */
const sloppy = (n: SecurityNotification) => ({ ...n, code: "640231", newEmail: "mallory@evil.example", newPhone: "+4917699999999" }) as Notification;

describe("outbox logging", () => {
  it("never logs the code or the full destination without revealCodes", async () => {
    const log = capture();
    const outbox = new OutboxNotifier(log.logger, { revealCodes: false, clock });
    await outbox.send(email);
    await outbox.send(sms);

    const text = log.text();
    for (const secret of [email.code!, sms.code!, email.to, sms.to, "alice.liddell", "12345678"]) expect(text).not.toContain(secret);
    const [first, second] = log.entries();
    expect(first).toMatchObject({ level: "info", notification: { channel: "email", to: "a***@example.com", purpose: "login", kind: "code" } });
    expect(second).toMatchObject({ level: "info", notification: { channel: "sms", to: "+49*******5678", purpose: "verify_contact" } });
    // The outbox itself still holds the message, for tests and tooling in this process.
    expect(outbox.latest(email.to)?.code).toBe(email.code);
  });

  it("logs the code (and still masks the destination) with revealCodes, as in development", async () => {
    const log = capture();
    const outbox = new OutboxNotifier(log.logger, { revealCodes: true, clock });
    await outbox.send(sms);

    expect(log.entries()[0]).toMatchObject({ notification: { code: sms.code, to: "+49*******5678" } });
    expect(log.text()).not.toContain(sms.to);
  });

  it("logs no code for a no_account message even with revealCodes", async () => {
    const log = capture();
    await new OutboxNotifier(log.logger, { revealCodes: true, clock }).send({ ...email, kind: "no_account", code: "111222" });
    expect(log.text()).not.toContain("111222");
  });

  it.each([false, true])("logs a security notice by kind, notice and time only (revealCodes: %s): no code, no destination, no text", async (revealCodes) => {
    const log = capture();
    const outbox = new OutboxNotifier(log.logger, { revealCodes, clock });
    for (const notice of NOTICES) {
      await outbox.send(sloppy(emailNotice(notice)));
      await outbox.send(sloppy(smsNotice(notice)));
    }

    const text = log.text();
    for (const secret of ["640231", "mallory", "evil.example", "99999999", email.to, sms.to, "alice.liddell", "12345678"]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/reset your password|was changed|was locked/); // the message text stays out of the log
    const entries = log.entries();
    expect(entries).toHaveLength(2 * NOTICES.length);
    NOTICES.forEach((notice, i) => {
      expect(entries[2 * i]?.notification).toEqual({ channel: "email", to: "a***@example.com", kind: "notice", notice, at: "2026-11-21T13:50:09.000Z" });
      expect(entries[2 * i + 1]?.notification).toEqual({ channel: "sms", to: "+49*******5678", kind: "notice", notice, at: "2026-11-21T13:50:09.000Z" });
    });
  });

  it("keeps a notice field by field: what was rendered, nothing a caller slipped in", async () => {
    const outbox = new OutboxNotifier(capture().logger, { revealCodes: true, productName: "Acme", clock });
    await outbox.send(sloppy(emailNotice("email_changed")));
    const kept = outbox.latest(email.to);
    expect(kept).toEqual({
      channel: "email",
      to: email.to,
      kind: "notice",
      notice: "email_changed",
      at,
      subject: "Acme: email address changed",
      body: expect.stringContaining("The email address of your account was changed.") as unknown as string,
      queuedAt: expect.any(Date) as unknown as Date,
    });
    expect(kept?.code).toBeUndefined();
    expect(kept?.body).not.toContain("mallory");
    // Copies: changing what a read returned does not change the outbox.
    kept?.at?.setTime(0);
    expect(outbox.latest(email.to)?.at).toEqual(at);
  });

  it("keeps the last messages only, newest wins", async () => {
    const outbox = new OutboxNotifier(capture().logger, { capacity: 3, clock });
    for (let i = 0; i < 5; i++) await outbox.send({ ...email, code: `10000${i}` });
    expect(outbox.messages().map((m) => m.code)).toEqual(["100002", "100003", "100004"]);
    expect(outbox.latest(email.to)?.code).toBe("100004");
    expect(outbox.latest("nobody@example.com")).toBeUndefined();
    outbox.clear();
    expect(outbox.messages()).toEqual([]);
  });
});

describe("maskDestination", () => {
  it.each([
    ["alice@example.com", "a***@example.com"],
    ["a@example.com", "a***@example.com"],
    ["+4915112345678", "+49*******5678"],
    ["+12025550123", "+12*****0123"],
    ["+4930123", "******23"],
    ["12", "**"],
  ])("%s → %s", (to, masked) => {
    expect(maskDestination(to)).toBe(masked);
  });
});

describe("createNotifier", () => {
  it("routes both channels to the outbox by default, and says so without leaking anything", async () => {
    const log = capture();
    const { notifier, outbox } = createNotifier(
      { from: "x@example.com", revealCodes: false, mailTimeoutMs: 500, smsTimeoutMs: 500, productName: "Acme", clock },
      log.logger,
    );
    await notifier.send(email);
    await notifier.send(sms);
    expect(outbox.messages().map((m) => m.channel)).toEqual(["email", "sms"]);
    expect(log.text()).toContain("reach nobody");
    expect(log.text()).not.toContain(email.code);
  });

  it("routes security notices to the outbox by default, and warns that they reach nobody", async () => {
    const log = capture();
    const { notifier, outbox } = createNotifier(
      { from: "x@example.com", revealCodes: false, mailTimeoutMs: 500, smsTimeoutMs: 500, productName: "Acme", clock },
      log.logger,
    );
    await notifier.send(emailNotice("account_locked"));
    await notifier.send(smsNotice("mfa_disabled"));
    expect(outbox.messages().map((m) => [m.channel, m.kind, m.notice])).toEqual([
      ["email", "notice", "account_locked"],
      ["sms", "notice", "mfa_disabled"],
    ]);
    expect(log.text()).toMatch(/security notices stay in the in-memory outbox and reach nobody/);
    for (const secret of [email.to, sms.to]) expect(log.text()).not.toContain(secret);
  });

  it("delivers notices through real SMTP and webhook peers, and the log holds neither destination nor token", async () => {
    const [smtp, webhook] = await Promise.all([startSmtpServer(), startSmsWebhook()]);
    const log = capture();
    const { notifier, outbox, close } = createNotifier(
      {
        smtpUrl: smtp.url,
        from: "x@example.com",
        smsWebhookUrl: webhook.url,
        smsWebhookToken: "webhook-secret-token",
        revealCodes: true,
        mailTimeoutMs: 2_000,
        smsTimeoutMs: 2_000,
        productName: "Acme",
        clock,
      },
      log.logger,
    );
    try {
      await notifier.send(sloppy(emailNotice("password_changed")));
      await notifier.send(sloppy(smsNotice("phone_changed")));
      const [mail, text] = await Promise.all([smtp.waitForMail(email.to), webhook.waitForSms(sms.to)]);
      expect(mail.subject).toBe("Acme: password changed");
      expect(mail.text).toContain("The password of your account was changed.");
      expect(text).toMatchObject({ purpose: "notice:phone_changed", authorization: "Bearer webhook-secret-token" });
      expect(text.body).toContain("The phone number of your account was changed.");
      for (const part of [mail.subject, mail.text, mail.html, text.body]) expect(part).not.toMatch(/640231|mallory|99999999/);
      expect(outbox.messages()).toEqual([]); // real providers: nothing left in the outbox
      const logged = log.text();
      for (const secret of ["webhook-secret-token", email.to, sms.to, "640231", "mallory"]) expect(logged).not.toContain(secret);
    } finally {
      close();
      await Promise.all([smtp.stop(), webhook.stop()]);
    }
  });

  it("wraps configured providers: an unreachable one answers DependencyUnavailableError, secrets stay out of the log", async () => {
    const log = capture();
    const port = await closedPort();
    const { notifier, outbox, close } = createNotifier(
      {
        smtpUrl: `smtp://user:smtp-password@127.0.0.1:${port}`,
        from: "x@example.com",
        smsWebhookUrl: `http://127.0.0.1:${port}/sms`,
        smsWebhookToken: "webhook-secret-token",
        revealCodes: false,
        mailTimeoutMs: 500,
        smsTimeoutMs: 500,
        productName: "Acme",
        clock,
        retries: 0,
      },
      log.logger,
    );
    try {
      await expect(notifier.send(email)).rejects.toMatchObject({ name: "DependencyUnavailableError", dependency: "smtp" });
      await expect(notifier.send(sms)).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(notifier.send(emailNotice("account_claimed"))).rejects.toMatchObject({ name: "DependencyUnavailableError", dependency: "smtp" });
      await expect(notifier.send(smsNotice("account_claimed"))).rejects.toMatchObject({ name: "DependencyUnavailableError", dependency: "sms-webhook" });
      expect(outbox.messages()).toEqual([]); // a provider outage never falls back to the outbox
      const text = log.text();
      for (const secret of ["smtp-password", "webhook-secret-token", email.code!, sms.code!]) expect(text).not.toContain(secret);
      expect(log.entries()[0]).toMatchObject({ email: "smtp", sms: "webhook" });
    } finally {
      close();
    }
  });

  it("cuts each channel's attempts at that channel's own timeout (MAIL__TIMEOUT_MS, SMS__TIMEOUT_MS)", async () => {
    const [smtp, webhook] = await Promise.all([startSmtpServer(), startSmsWebhook()]);
    smtp.hang(true);
    webhook.hang(true);
    const { notifier, close } = createNotifier(
      {
        smtpUrl: smtp.url,
        from: "x@example.com",
        smsWebhookUrl: webhook.url,
        revealCodes: false,
        mailTimeoutMs: 150,
        smsTimeoutMs: 700,
        productName: "Acme",
        clock,
        retries: 0,
      },
      capture().logger,
    );
    const failure = async (n: Notification) => {
      const started = performance.now();
      const error: unknown = await notifier.send(n).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect((error as DependencyUnavailableError).cause).toBeInstanceOf(TaskCancelledError);
      return performance.now() - started;
    };
    try {
      const [mailMs, smsMs] = await Promise.all([failure(email), failure(sms)]);
      // Timers may fire a little early; each bound is well short of the other channel's timeout.
      expect(mailMs).toBeGreaterThanOrEqual(150 - 50);
      expect(mailMs).toBeLessThan(150 + 400);
      expect(smsMs).toBeGreaterThanOrEqual(700 - 50);
      expect(smsMs).toBeLessThan(700 + 400);
    } finally {
      close();
      await Promise.all([smtp.stop(), webhook.stop()]);
    }
  });
});
