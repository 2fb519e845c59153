/**
 * The one place that holds the wording of every message the service sends. Each delivery
 * adapter (SMTP, SMS webhook, the development outbox) renders through `render`, so a code
 * mail, its SMS twin and what the outbox shows never drift apart.
 *
 * Security invariants:
 * - the code appears only for `kind: "code"`; a `no_account` message never carries one, even
 *   if a caller set `code` by mistake (it would hand a stranger a valid-looking code);
 * - a security `notice` says what happened and when, and nothing else: no code, no secret,
 *   and never the new address of a changed email or phone (the notice goes to the old one,
 *   and the new one may be an attacker's; it is not even in the notification);
 * - the subject never carries the code (subjects show up in lock-screen previews, mailbox
 *   listings and provider logs);
 * - everything interpolated into HTML is escaped, the product name included (it comes from
 *   configuration, which is not markup).
 */
import type { Channel, CodeNotification, Notification, OtpPurpose, SecurityNotice, SecurityNotification } from "../../application/ports/delivery.js";

export interface RenderOptions {
  productName: string;
  /** The moment "minutes left" is counted from; injected so tests are deterministic. */
  now?: Date;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  /** One short plain-text message for SMS gateways. */
  sms: string;
}

interface PurposeWording {
  /** What the code is, as a noun phrase: "sign-in code". */
  noun: string;
  /** What to do with it: "to finish signing in". */
  action: (channel: Channel) => string;
}

const PURPOSES: Record<OtpPurpose, PurposeWording> = {
  verify_contact: {
    noun: "verification code",
    action: (channel) => `to confirm this ${channel === "email" ? "email address" : "phone number"} is yours`,
  },
  login: { noun: "sign-in code", action: () => "to finish signing in" },
  reset_password: { noun: "password reset code", action: () => "to choose a new password" },
};

const NO_ACCOUNT_HINT = "If it wasn't you, ignore this.";
const NEVER_SHARE = "Never share this code. We will never ask you for it.";
const NEVER_SHARE_SHORT = "Never share it.";

export function render(n: Notification, opts: RenderOptions): RenderedMessage {
  const product = oneLine(opts.productName);
  // Exhaustive: a new kind of notification does not compile until it has its wording here.
  switch (n.kind) {
    case "code":
      return renderCode(n, product, opts.now ?? new Date());
    case "no_account":
      return renderNoAccount(n, product);
    case "notice":
      return renderNotice(n, product);
    default:
      return unreachable(n, "notification kind");
  }
}

function renderNoAccount(n: CodeNotification, product: string): RenderedMessage {
  const wording = PURPOSES[n.purpose];
  const place = n.channel === "email" ? "address" : "number";
  const lead = `Someone asked for a ${wording.noun} for this ${place}, but no account uses it.`;
  return {
    subject: `${product}: ${wording.noun} requested`,
    text: [`${lead} ${NO_ACCOUNT_HINT}`, "", `— ${product}`, ""].join("\n"),
    html: page(product, [paragraph(`${lead} ${NO_ACCOUNT_HINT}`)]),
    sms: `${product}: someone asked for a ${wording.noun} for this ${place}, but no account uses it. ${NO_ACCOUNT_HINT}`,
  };
}

function renderCode(n: CodeNotification, product: string, now: Date): RenderedMessage {
  const wording = PURPOSES[n.purpose];
  const expiry = describeExpiry(n.expiresAt, now);
  const code = n.code;
  // A code notification without a code is a bug upstream; sending "your code is undefined"
  // would only confuse the reader, so fail loudly instead.
  if (code === undefined || !/^[0-9A-Za-z]{4,12}$/.test(code)) {
    throw new Error("a code notification needs a code of 4-12 letters or digits");
  }
  const lead = `Enter this ${wording.noun} ${wording.action(n.channel)}:`;
  const expiresLine = `It expires in ${expiry.minutes} (at ${expiry.utc}).`;
  return {
    subject: `${product}: your ${wording.noun}`,
    text: [lead, "", `    ${code}`, "", expiresLine, NEVER_SHARE, "", `— ${product}`, ""].join("\n"),
    html: page(product, [
      paragraph(lead),
      `<p style="font-size:28px;font-weight:bold;letter-spacing:4px;font-family:monospace">${escapeHtml(code)}</p>`,
      paragraph(expiresLine),
      paragraph(NEVER_SHARE),
    ]),
    sms: `${product}: ${code} is your ${wording.noun}. It expires in ${expiry.minutes} (${expiry.utcTime}). ${NEVER_SHARE_SHORT}`,
  };
}

interface NoticeWording {
  /** The subject after "<product>: ", lower case: "password changed". */
  title: string;
  /** What happened, one sentence ending in a full stop. */
  happened: string;
}

/**
 * What each security event says. Deliberately generic about the other side of a change:
 * `email_changed` / `phone_changed` go to the OLD contact and never name the new one.
 */
function noticeWording(notice: SecurityNotice, channel: Channel): NoticeWording {
  switch (notice) {
    case "account_locked":
      return { title: "account locked", happened: "Your account was locked after too many failed sign-in attempts." };
    case "email_changed":
      return { title: "email address changed", happened: "The email address of your account was changed." };
    case "phone_changed":
      return { title: "phone number changed", happened: "The phone number of your account was changed." };
    case "password_changed":
      return { title: "password changed", happened: "The password of your account was changed." };
    case "mfa_enabled":
      return { title: "two-step verification turned on", happened: "Two-step verification was turned on for your account." };
    case "mfa_disabled":
      return { title: "two-step verification turned off", happened: "Two-step verification was turned off for your account." };
    case "account_claimed":
      return {
        title: "account secured",
        happened:
          `This ${channel === "email" ? "email address" : "phone number"} was confirmed with a code, so the password and ` +
          "two-step verification set before that were removed.",
      };
    case "provider_linked":
      return { title: "sign-in provider linked", happened: "An account at a sign-in provider was linked to your account." };
    case "provider_unlinked":
      return { title: "sign-in provider removed", happened: "A sign-in provider was removed from your account." };
    case "passkey_added":
      return { title: "passkey added", happened: "A passkey was added to your account." };
    case "passkey_removed":
      return { title: "passkey removed", happened: "A passkey was removed from your account." };
    default:
      return unreachable(notice, "security notice");
  }
}

export const NOTICE_HINT = "If this was not you, reset your password or contact support.";

function renderNotice(n: SecurityNotification, product: string): RenderedMessage {
  const wording = noticeWording(n.notice, n.channel);
  const when = `When: ${describeTime(n.at)}.`;
  return {
    subject: `${product}: ${wording.title}`,
    text: [wording.happened, when, "", NOTICE_HINT, "", `— ${product}`, ""].join("\n"),
    html: page(product, [paragraph(wording.happened), paragraph(when), paragraph(NOTICE_HINT)]),
    sms: `${product}: ${wording.happened} ${when} ${NOTICE_HINT}`,
  };
}

/** ISO 8601 in UTC to the second: `2026-11-21T14:05:09Z (UTC)`. */
export function describeTime(at: Date): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new Error("a notice needs the time of its event");
  return `${at.toISOString().replace(/\.\d{3}Z$/, "Z")} (UTC)`;
}

/** The `default` of an exhaustive switch: fails to compile while a case is missing. */
function unreachable(value: never, what: string): never {
  throw new Error(`unknown ${what}: ${String((value as { kind?: unknown })?.kind ?? value)}`);
}

/** "10 minutes" / "1 minute" plus the absolute UTC time, so a late reader knows where they stand. */
export function describeExpiry(expiresAt: Date, now: Date): { minutes: string; utc: string; utcTime: string } {
  // Rounded up: a code issued a few milliseconds ago for 10 minutes reads "10 minutes", and
  // one with seconds left still reads "1 minute" rather than "0 minutes".
  const left = Math.max(1, Math.ceil((expiresAt.getTime() - now.getTime()) / 60_000));
  const iso = expiresAt.toISOString(); // 2026-11-21T14:05:09.000Z
  const utcTime = `${iso.slice(11, 16)} UTC`;
  return { minutes: `${left} ${left === 1 ? "minute" : "minutes"}`, utc: `${iso.slice(0, 10)} ${utcTime}`, utcTime };
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** The product name goes into a header line and an SMS: no line breaks or control characters. */
function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this removes.
  return value.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

function paragraph(text: string): string {
  return `<p>${escapeHtml(text)}</p>`;
}

/**
 * A deliberately plain HTML body: no images, links or remote content (nothing to phish with,
 * nothing that tracks opens). Colours are three-digit hex so no six-digit run can be mistaken
 * for a code by a reader or a test.
 */
function page(product: string, blocks: string[]): string {
  const title = escapeHtml(product);
  return [
    "<!doctype html>",
    `<html><head><meta charset="utf-8"><title>${title}</title></head>`,
    '<body style="font-family:sans-serif;color:#222;line-height:1.4">',
    ...blocks,
    `<p style="color:#666">— ${title}</p>`,
    "</body></html>",
    "",
  ].join("\n");
}
