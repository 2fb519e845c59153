/**
 * The default "delivery" when no provider is configured: messages stay in memory (the last
 * `capacity` of them) where tests and local tooling can read them, and each one is logged.
 *
 * Security invariant: the log line carries the code only when the outbox was built with
 * `revealCodes: true`, which the composition root sets for SERVER__ENVIRONMENT=development
 * alone; the destination is always masked. In any other environment the code exists only in
 * this process's memory, and reaches nobody, so a misconfigured production deployment fails
 * closed: users never get codes (and notice), but nothing leaks into log storage.
 */
import type { Clock, Notification, Notifier } from "../../application/ports.js";
import type { Logger } from "../logging/logger.js";
import { render } from "./templates.js";

export interface OutboxMessage extends Notification {
  /** The text a real channel would have carried (the email's plain-text part, or the SMS). */
  body: string;
  subject: string;
  queuedAt: Date;
}

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
    this.queue.push({
      ...notification,
      expiresAt: new Date(notification.expiresAt),
      subject: rendered.subject,
      body: notification.channel === "email" ? rendered.text : rendered.sms,
      queuedAt: now,
    });
    if (this.queue.length > this.capacity) this.queue.splice(0, this.queue.length - this.capacity);

    const entry: Record<string, string> = {
      channel: notification.channel,
      to: maskDestination(notification.to),
      purpose: notification.purpose,
      kind: notification.kind,
      expiresAt: notification.expiresAt.toISOString(),
    };
    // Named `code`, not `otpCode`: the logger redacts `*.otpCode` everywhere, which would
    // hide it in development too, where showing it is the whole point.
    if (this.revealCodes && notification.kind === "code" && notification.code !== undefined) entry.code = notification.code;
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
  return { ...message, expiresAt: new Date(message.expiresAt), queuedAt: new Date(message.queuedAt) };
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
