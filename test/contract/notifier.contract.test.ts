/**
 * The Notifier contract, run against every adapter: SMTP (a real smtp-server, mail parsed
 * with mailparser), the SMS webhook (a real HTTP server) and the development outbox. Then
 * the resilience policy around the two real providers: outages answer
 * DependencyUnavailableError quickly, the breaker fails fast and recovers, a transient
 * failure is retried into exactly one delivery, a permanent one is not retried at all.
 */
import { randomBytes, randomInt } from "node:crypto";
import { Writable } from "node:stream";
import { BrokenCircuitError, TaskCancelledError } from "cockatiel";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/adapters/logging/logger.js";
import { OutboxNotifier } from "../../src/adapters/notify/outbox-notifier.js";
import { type BreakerState, type CancellableNotifier, DeliveryError, resilient } from "../../src/adapters/notify/resilient-notifier.js";
import { SmtpNotifier } from "../../src/adapters/notify/smtp-notifier.js";
import { WebhookSmsNotifier } from "../../src/adapters/notify/webhook-sms-notifier.js";
import type { Channel, CodeNotification, Notification, OtpPurpose, SecurityNotice, SecurityNotification } from "../../src/application/ports/delivery.js";
import { DependencyUnavailableError } from "../../src/domain/errors.js";
import { startSmsWebhook, type TestSmsWebhook } from "../support/sms-webhook.js";
import { startSmtpServer, type TestSmtpServer } from "../support/smtp.js";

const PRODUCT = "Acme Auth";
const FROM = "Acme Auth <no-reply@acme.test>";
const TOKEN = "webhook-token-for-tests";
const SIX_DIGITS = /\b\d{6}\b/;
const PURPOSE_WORDS: Record<OtpPurpose, RegExp> = { verify_contact: /verif/i, login: /sign-in/i, reset_password: /password reset/i };
const NOTICE_WORDS: Record<SecurityNotice, RegExp> = {
  account_locked: /account was locked after too many failed sign-in attempts/,
  email_changed: /email address of your account was changed/,
  phone_changed: /phone number of your account was changed/,
  password_changed: /password of your account was changed/,
  mfa_enabled: /two-step verification was turned on/i,
  mfa_disabled: /two-step verification was turned off/i,
  account_claimed: /confirmed with a code, so the password and two-step verification set before that were removed/,
  provider_linked: /An account at a sign-in provider was linked to your account/,
  provider_unlinked: /A sign-in provider was removed from your account/,
  passkey_added: /A passkey was added to your account/,
  passkey_removed: /A passkey was removed from your account/,
};
const NOTICES = Object.keys(NOTICE_WORDS) as SecurityNotice[];

let smtp: TestSmtpServer;
let webhook: TestSmsWebhook;
const clock = { now: () => new Date() };
const silent = createLogger("silent", new Writable({ write: (_c, _e, cb) => cb() }));

beforeAll(async () => {
  [smtp, webhook] = await Promise.all([startSmtpServer(), startSmsWebhook()]);
});

afterAll(async () => {
  await Promise.all([smtp?.stop(), webhook?.stop()]);
});

// Every test leaves the providers healthy for the next one.
afterEach(() => Promise.all([smtp.reset(), webhook.reset()]));

function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

function destination(channel: Channel): string {
  return channel === "email" ? `u-${randomBytes(5).toString("hex")}@example.com` : `+4915${randomInt(10_000_000, 99_999_999)}`;
}

function codeNotification(channel: Channel, purpose: OtpPurpose = "login"): CodeNotification & { code: string } {
  return { channel, to: destination(channel), kind: "code", purpose, code: newCode(), expiresAt: new Date(Date.now() + 10 * 60_000) };
}

function noticeNotification(channel: Channel, notice: SecurityNotice = "password_changed"): SecurityNotification {
  // A past moment with seconds, so the rendered time is checked, not just "now".
  return { channel, to: destination(channel), kind: "notice", notice, at: new Date(Date.now() - 61_000) };
}

/** What a destination got, reduced to what every channel has. */
interface Received {
  /** The text a person reads: the mail's plain-text part, or the SMS. */
  text: string;
  subject?: string;
  html?: string;
}

interface Harness {
  channel: Channel;
  notifier: CancellableNotifier;
  receive(to: string): Promise<Received>;
}

/** Built per test (after beforeAll started the servers), so no test shares an adapter's state. */
const harnesses: Array<[string, () => Harness]> = [
  [
    "smtp",
    () => ({
      channel: "email",
      notifier: new SmtpNotifier({ url: smtp.url, from: FROM, productName: PRODUCT, clock }),
      receive: (to) => smtp.waitForMail(to), // parsed: text and html parts, decoded subject
    }),
  ],
  [
    "sms-webhook",
    () => ({
      channel: "sms",
      notifier: new WebhookSmsNotifier({ url: webhook.url, token: TOKEN, productName: PRODUCT, clock }),
      receive: async (to) => ({ text: (await webhook.waitForSms(to)).body }),
    }),
  ],
  ...(["email", "sms"] as const).map((channel): [string, () => Harness] => [
    `outbox (${channel})`,
    () => {
      const outbox = new OutboxNotifier(silent, { productName: PRODUCT, clock });
      return {
        channel,
        notifier: outbox,
        receive: async (to) => {
          const message = outbox.latest(to);
          if (!message) throw new Error(`nothing in the outbox for ${to}`);
          return { text: message.body, subject: message.subject };
        },
      };
    },
  ]),
];

describe.each(harnesses)("Notifier contract: %s", (name, make) => {
  it.each(["verify_contact", "login", "reset_password"] as const)("delivers a readable %s code with its purpose and expiry", async (purpose) => {
    const h = make();
    const n = codeNotification(h.channel, purpose);
    await h.notifier.send(n);
    const got = await h.receive(n.to);

    expect(got.text.match(SIX_DIGITS)?.[0]).toBe(n.code);
    expect(got.text).toMatch(PURPOSE_WORDS[purpose]);
    expect(got.text).toMatch(/expires in 10 minutes/);
    expect(got.text).toContain(`${n.expiresAt.toISOString().slice(11, 16)} UTC`);
    if (got.subject !== undefined) {
      expect(got.subject).toMatch(PURPOSE_WORDS[purpose]);
      expect(got.subject).not.toContain(n.code);
    }
    if (got.html !== undefined) {
      expect(got.html).toContain(n.code);
      expect(got.html).toMatch(PURPOSE_WORDS[purpose]);
    }
  });

  it("tells a destination with no account that a code was asked for, without any code", async () => {
    const h = make();
    const n: Notification = { channel: h.channel, to: destination(h.channel), kind: "no_account", purpose: "login", expiresAt: new Date(Date.now() + 600_000) };
    await h.notifier.send(n);
    const got = await h.receive(n.to);

    expect(got.text).toMatch(/no account/i);
    for (const part of [got.text, got.subject ?? "", got.html ?? ""]) expect(part).not.toMatch(SIX_DIGITS);
  });

  it.each(NOTICES)("delivers a %s notice: what happened, when, what to do; no code, no address", async (notice) => {
    const h = make();
    const n = noticeNotification(h.channel, notice);
    // A sloppy caller's extra fields (the new address, a code) must not travel along.
    const newAddress = h.channel === "email" ? "mallory@evil.example" : "+4917600000001";
    await h.notifier.send({ ...n, newAddress, code: newCode() } as Notification);
    const got = await h.receive(n.to);

    expect(got.text).toMatch(NOTICE_WORDS[notice]);
    expect(got.text).toContain(`${n.at.toISOString().slice(0, 19)}Z (UTC)`);
    expect(got.text).toContain("If this was not you, reset your password or contact support.");
    for (const part of [got.text, got.subject ?? "", got.html ?? ""]) {
      expect(part).not.toMatch(SIX_DIGITS);
      expect(part).not.toContain(newAddress);
      expect(part).not.toContain(n.to);
    }
    if (got.subject !== undefined) expect(got.subject).toMatch(new RegExp(`^${PRODUCT}: \\S`));
    if (got.html !== undefined) expect(got.html).toMatch(NOTICE_WORDS[notice]);
  });

  it("refuses the other channel instead of misdelivering", async () => {
    const h = make();
    if (name.startsWith("outbox")) return; // the outbox stands in for both channels
    const other: Channel = h.channel === "email" ? "sms" : "email";
    await expect(h.notifier.send(codeNotification(other))).rejects.toThrow(/only/);
  });
});

describe("provider specifics", () => {
  it("smtp: sends multipart text + HTML from MAIL__FROM, marked auto-generated", async () => {
    const n = codeNotification("email");
    await new SmtpNotifier({ url: smtp.url, from: FROM, productName: PRODUCT, clock }).send(n);
    const mail = await smtp.waitForMail(n.to);
    expect(mail.to).toEqual([n.to]);
    expect(mail.from).toBe("no-reply@acme.test");
    expect(mail.text.length).toBeGreaterThan(0);
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it("sms-webhook: posts JSON { to, body, purpose } with the bearer token", async () => {
    const n = codeNotification("sms", "reset_password");
    await new WebhookSmsNotifier({ url: webhook.url, token: TOKEN, productName: PRODUCT, clock }).send(n);
    const sms = await webhook.waitForSms(n.to);
    expect(sms).toMatchObject({ to: n.to, purpose: "reset_password", authorization: `Bearer ${TOKEN}` });
    expect(sms.contentType).toMatch(/^application\/json/);
    expect(sms.body).toContain(n.code);
  });

  it.each(NOTICES)("sms-webhook: posts a %s notice as { to, body, purpose: notice:<notice> }", async (notice) => {
    const n = noticeNotification("sms", notice);
    await new WebhookSmsNotifier({ url: webhook.url, token: TOKEN, productName: PRODUCT, clock }).send(n);
    const sms = await webhook.waitForSms(n.to);
    expect(sms).toMatchObject({ to: n.to, purpose: `notice:${notice}`, authorization: `Bearer ${TOKEN}` });
    expect(sms.body).toMatch(NOTICE_WORDS[notice]);
  });

  it("smtp: sends a notice like a code mail: multipart from MAIL__FROM, to the old address only, auto-generated", async () => {
    const n = noticeNotification("email", "email_changed");
    await new SmtpNotifier({ url: smtp.url, from: FROM, productName: PRODUCT, clock }).send(n);
    const mail = await smtp.waitForMail(n.to);
    expect(mail.to).toEqual([n.to]);
    expect(mail.from).toBe("no-reply@acme.test");
    expect(mail.subject).toBe(`${PRODUCT}: email address changed`);
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.headers.get("auto-submitted")).toBe("auto-generated");
  });

  it("sms-webhook: sends no Authorization header without a token", async () => {
    const n = codeNotification("sms");
    await new WebhookSmsNotifier({ url: webhook.url, productName: PRODUCT, clock }).send(n);
    expect((await webhook.waitForSms(n.to)).authorization).toBeUndefined();
  });
});

interface Provider {
  name: string;
  channel: Channel;
  adapter(): CancellableNotifier;
  receive(to: string): Promise<unknown>;
  /** Messages the provider accepted for `to`. */
  delivered(to: string): number;
  /** Sends the provider saw (refused ones included). */
  attempts(): number;
  down(): Promise<void>;
  up(): Promise<void>;
  hang(): void;
  failOnce(): void;
  failPermanently(): void;
}

const providers: Provider[] = [
  {
    name: "smtp",
    channel: "email",
    adapter: () => new SmtpNotifier({ url: smtp.url, from: FROM, productName: PRODUCT, clock }),
    receive: (to) => smtp.waitForMail(to),
    delivered: (to) => smtp.messages.filter((m) => m.to.includes(to)).length,
    attempts: () => smtp.attempts,
    down: () => smtp.down(),
    up: () => smtp.up(),
    hang: () => smtp.hang(true),
    failOnce: () => smtp.refuse(451, 1),
    failPermanently: () => smtp.refuse(550),
  },
  {
    name: "sms-webhook",
    channel: "sms",
    adapter: () => new WebhookSmsNotifier({ url: webhook.url, token: TOKEN, productName: PRODUCT, clock }),
    receive: (to) => webhook.waitForSms(to),
    delivered: (to) => webhook.accepted.filter((m) => m.to === to).length,
    attempts: () => webhook.attempts,
    down: () => webhook.down(),
    up: () => webhook.up(),
    hang: () => webhook.hang(true),
    failOnce: () => webhook.fail(503, 1),
    failPermanently: () => webhook.fail(400),
  },
];

/**
 * Runs a send expected to fail; returns the error and how long the failure took, measured
 * from before the call (its synchronous part, such as fetch loading on first use, counts).
 */
async function failure(send: () => Promise<unknown>): Promise<{ error: DependencyUnavailableError; ms: number }> {
  const started = performance.now();
  try {
    await send();
  } catch (error) {
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    return { error: error as DependencyUnavailableError, ms: performance.now() - started };
  }
  throw new Error("expected the send to fail");
}

describe.each(providers.map((p) => [p.name, p] as const))("resilient(%s)", (name, p) => {
  const wrap = (extra: { timeoutMs?: number; retries?: number; states?: BreakerState[] } = {}) =>
    resilient(p.adapter(), {
      name,
      timeoutMs: extra.timeoutMs ?? 1_000,
      retries: extra.retries ?? 2,
      backoffInitialMs: 10,
      halfOpenAfterMs: 200,
      onStateChange: (state) => extra.states?.push(state),
    });

  it("answers DependencyUnavailableError at once when the provider is down", async () => {
    await p.down();
    const { error, ms } = await failure(() => wrap({ timeoutMs: 500 }).send(codeNotification(p.channel)));
    expect(error.dependency).toBe(name);
    expect(error.cause).toBeInstanceOf(DeliveryError);
    expect(ms).toBeLessThan(500); // refused connections fail fast: retries included, well within one timeout
  });

  it("gives up on a hung provider after the per-attempt timeout, not never", async () => {
    p.hang();
    const before = p.attempts();
    const { error, ms } = await failure(() => wrap({ timeoutMs: 150, retries: 1 }).send(codeNotification(p.channel)));
    expect(error.cause).toBeInstanceOf(TaskCancelledError);
    expect(ms).toBeGreaterThanOrEqual(2 * 150 - 50); // two attempts, each cut at the timeout (timers may fire a little early)
    expect(ms).toBeLessThan(2 * 150 + 400);
    if (name === "sms-webhook") expect(p.attempts() - before).toBe(2); // the request reached it, twice
    if (name === "smtp") {
      // The abort tore the sockets down: nothing lingers on the server waiting for a greeting.
      await expect.poll(() => smtp.openConnections, { timeout: 1_000 }).toBe(0);
    }
  });

  it("opens the breaker after repeated failures, then fails fast, and recovers once the provider is back", async () => {
    await p.down();
    const states: BreakerState[] = [];
    const notifier = wrap({ states });
    for (let i = 0; i < 5 && !states.includes("open"); i++) await failure(() => notifier.send(codeNotification(p.channel)));
    expect(states).toEqual(["open"]);

    const fast = await failure(() => notifier.send(codeNotification(p.channel)));
    expect(fast.error.cause).toBeInstanceOf(BrokenCircuitError);
    expect(fast.ms).toBeLessThan(20);

    await p.up();
    await new Promise((resolve) => setTimeout(resolve, 250)); // halfOpenAfter is 200 ms here
    const n = codeNotification(p.channel);
    await notifier.send(n);
    await p.receive(n.to);
    expect(states).toEqual(["open", "half-open", "closed"]);
  });

  it.each(["code", "notice"] as const)("retries a transient failure of a %s into exactly one delivery", async (kind) => {
    p.failOnce();
    const before = p.attempts();
    const n = kind === "code" ? codeNotification(p.channel) : noticeNotification(p.channel, "account_locked");
    await wrap().send(n);
    await p.receive(n.to);
    await new Promise((resolve) => setTimeout(resolve, 50)); // room for a duplicate to show up
    expect(p.delivered(n.to)).toBe(1);
    expect(p.attempts() - before).toBe(2);
  });

  it("does not retry a permanent refusal, does not count it as an outage, and keeps the code and destination out of the error", async () => {
    p.failPermanently();
    const states: BreakerState[] = [];
    const notifier = wrap({ states });
    const before = p.attempts();
    const n = codeNotification(p.channel);
    const { error } = await failure(() => notifier.send(n));
    expect(error.cause).toBeInstanceOf(DeliveryError);
    expect((error.cause as DeliveryError).permanent).toBe(true);
    expect(p.attempts() - before).toBe(1);

    for (let i = 0; i < 6; i++) await failure(() => notifier.send(codeNotification(p.channel)));
    expect(states).toEqual([]);

    const described = `${error.message} ${(error.cause as Error).message} ${JSON.stringify(error.cause)}`;
    expect(described).not.toContain(n.code);
    expect(described).not.toContain(n.to);
  });

  it("lets a bug through as itself, not as an outage", async () => {
    const broken = { ...codeNotification(p.channel), code: undefined };
    const error = await wrap()
      .send(broken)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
  });
});
