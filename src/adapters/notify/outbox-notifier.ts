/**
 * The default "delivery" when no provider is configured: messages stay in memory (the last
 * `capacity` of them) where tests and local tooling can read them, and each one is logged.
 *
 * Security invariant: the log line carries the code only when the outbox was built with
 * `revealCodes: true`, which the composition root sets for SERVER__ENVIRONMENT=development
 * alone; the destination is always masked. In any other environment the code exists only in
 * this process's memory, and reaches nobody, so a misconfigured production deployment fails
 * closed: users never get codes (and notice), but nothing leaks into log storage. A security
 * notice is logged by kind, notice and time (`notice: "email_changed"`), never by its text.
 */
import type { CodeNotification, Notification, Notifier, SecurityNotification } from "../../application/ports/delivery.js";
import type { Clock } from "../../application/ports/time.js";
import type { Logger } from "../logging/logger.js";
import { render } from "./templates.js";

interface Delivered {
  /** The text a real channel would have carried (the email's plain-text part, or the SMS). */
  body: string;
  subject: string;
  queuedAt: Date;
}

/**
 * A kept message: the notification plus what it rendered to. The fields of the other kind
 * are declared absent, so `latest(to)?.code` reads as `string | undefined` for any message.
 */
export type OutboxMessage =
  | (CodeNotification & Delivered & { notice?: undefined; at?: undefined })
  | (SecurityNotification & Delivered & { purpose?: undefined; code?: undefined; expiresAt?: undefined });

export interface OutboxNotifierOptions {
  revealCodes?: boolean;
  /** How many messages to keep; older ones are dropped first (default 100). */
  capacity?: number;
  productName?: string;
  /** For "expires in N minutes" (injected so tests can fix now). */
  clock: Clock;
}

export class OutboxNotifier implements Notifier {
  private readonly log: Logger;
  private readonly revealCodes: boolean;
  private readonly capacity: number;
  private readonly productName: string;
  private readonly clock: Clock;
  private readonly queue: OutboxMessage[] = [];

  constructor(logger: Logger, options: OutboxNotifierOptions) {
    this.log = logger.child({ component: "outbox" });
    this.revealCodes = options.revealCodes ?? false;
    this.capacity = Math.max(1, options.capacity ?? 100);
    this.productName = options.productName ?? "Auth";
    this.clock = options.clock;
  }

  async send(notification: Notification): Promise<void> {
    const now = this.clock.now();
    const rendered = render(notification, { productName: this.productName, now });
    const delivered: Delivered = {
      subject: rendered.subject,
      body: notification.channel === "email" ? rendered.text : rendered.sms,
      queuedAt: now,
    };
    const entry: Record<string, string> = { channel: notification.channel, to: maskDestination(notification.to), kind: notification.kind };
    let message: OutboxMessage;
    // Exhaustive: a new kind of notification does not compile until it says what it keeps and logs.
    switch (notification.kind) {
      case "code":
      case "no_account":
        message = { ...notification, expiresAt: new Date(notification.expiresAt), ...delivered };
        entry.purpose = notification.purpose;
        entry.expiresAt = notification.expiresAt.toISOString();
        // Named `code`, not `otpCode`: the logger redacts `*.otpCode` everywhere, which would
        // hide it in development too, where showing it is the whole point.
        if (this.revealCodes && notification.kind === "code" && notification.code !== undefined) entry.code = notification.code;
        break;
      case "notice":
        // Field by field: whatever else a caller put on the object stays out of the outbox.
        message = {
          channel: notification.channel,
          to: notification.to,
          kind: "notice",
          notice: notification.notice,
          at: new Date(notification.at),
          ...delivered,
        };
        entry.notice = notification.notice;
        entry.at = notification.at.toISOString();
        break;
      default:
        return unreachable(notification);
    }
    this.queue.push(message);
    if (this.queue.length > this.capacity) this.queue.splice(0, this.queue.length - this.capacity);
    this.log.info({ notification: entry }, "notification kept in the outbox (no provider configured)");
  }

  /** Oldest first; copies, so a test cannot change what later reads see. */
  messages(): OutboxMessage[] {
    return this.queue.map(copy);
  }

  /** The newest message to `to` (compared as given: the port's destinations are normalized). */
  latest(to: string): OutboxMessage | undefined {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const message = this.queue[i];
      if (message?.to === to) return copy(message);
    }
    return undefined;
  }

  clear(): void {
    this.queue.length = 0;
  }
}

function copy(message: OutboxMessage): OutboxMessage {
  switch (message.kind) {
    case "code":
    case "no_account":
      return { ...message, expiresAt: new Date(message.expiresAt), queuedAt: new Date(message.queuedAt) };
    case "notice":
      return { ...message, at: new Date(message.at), queuedAt: new Date(message.queuedAt) };
    default:
      return unreachable(message);
  }
}

function unreachable(value: never): never {
  throw new Error(`unknown notification kind: ${String((value as { kind?: unknown })?.kind)}`);
}

/**
 * Enough of a destination to tell messages apart in a log, not enough to contact anyone:
 * `alice@example.com` → `a***@example.com`, `+4915112345678` → `+49*******5678`.
 */
export function maskDestination(to: string): string {
  const at = to.lastIndexOf("@");
  if (at > 0) return `${to[0]}***${to.slice(at)}`;
  if (at === 0) return `***${to}`;
  // A phone: keep the "+" and country prefix and the last four digits; short numbers keep
  // only the last two, so that at least half of every number stays hidden.
  const keepEnd = to.length >= 10 ? 4 : 2;
  const keepStart = to.length >= 10 ? 3 : 0;
  if (to.length <= keepEnd) return "*".repeat(to.length);
  return `${to.slice(0, keepStart)}${"*".repeat(to.length - keepStart - keepEnd)}${to.slice(-keepEnd)}`;
}
