/**
 * Log hygiene of delivery: outside development a code never reaches the log, and neither
 * does a full destination. Reads what pino really wrote (through the service's logger, with
 * its redaction), not what the code meant to write.
 */
import { performance } from "node:perf_hooks";
import { Writable } from "node:stream";
import { TaskCancelledError } from "cockatiel";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/adapters/logging/logger.js";
import { createNotifier } from "../src/adapters/notify/create-notifier.js";
import { OutboxNotifier, maskDestination } from "../src/adapters/notify/outbox-notifier.js";
import { DependencyUnavailableError } from "../src/domain/errors.js";
import type { Notification } from "../src/application/ports.js";
import { closedPort } from "./support/net.js";
import { startSmsWebhook } from "./support/sms-webhook.js";
import { startSmtpServer } from "./support/smtp.js";

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
    const { notifier, outbox } = createNotifier({ from: "x@example.com", revealCodes: false, mailTimeoutMs: 500, smsTimeoutMs: 500, productName: "Acme", clock }, log.logger);
    await notifier.send(email);
    await notifier.send(sms);
    expect(outbox.messages().map((m) => m.channel)).toEqual(["email", "sms"]);
    expect(log.text()).toContain("reach nobody");
    expect(log.text()).not.toContain(email.code);
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
      { smtpUrl: smtp.url, from: "x@example.com", smsWebhookUrl: webhook.url, revealCodes: false, mailTimeoutMs: 150, smsTimeoutMs: 700, productName: "Acme", clock, retries: 0 },
      capture().logger,
    );
    const failure = async (n: Notification) => {
      const started = performance.now();
      const error: unknown = await notifier.send(n).then(() => null, (e: unknown) => e);
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
