/**
 * Email delivery over SMTP (nodemailer). One message per notification, plain text plus an
 * HTML alternative, both rendered by templates.ts, for every kind alike (a code, a
 * no-account message, a security notice): the wording per kind lives there, in an
 * exhaustive switch, and the envelope here only ever uses the notification's `to`.
 *
 * The transport comes from a connection URL (MAIL__SMTP_URL): `smtp://user:pass@host:587`
 * upgrades with STARTTLS when the server offers it, `smtps://host:465` is TLS from the first
 * byte, and `?pool=true` keeps connections open between messages (then call close() on
 * shutdown). Timeouts and retries are not configured here: resilient() owns them and hands
 * each attempt an AbortSignal that nodemailer honours, so an abandoned attempt closes its
 * socket instead of waiting out nodemailer's own (minutes-long) defaults.
 */
import nodemailer, { type NodemailerError, type Transporter } from "nodemailer";
import type { Notification, Notifier } from "../../application/ports/delivery.js";
import type { Clock } from "../../application/ports/time.js";
import { type CancellableNotifier, DeliveryError } from "./resilient-notifier.js";
import { render } from "./templates.js";

export interface SmtpNotifierOptions {
  /** MAIL__SMTP_URL. */
  url: string;
  /** MAIL__FROM, e.g. `"Acme" <no-reply@acme.example>`. */
  from: string;
  productName: string;
  /** For "expires in N minutes" (injected so tests can fix now). */
  clock: Clock;
}

export class SmtpNotifier implements Notifier, CancellableNotifier {
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly productName: string;
  private readonly clock: Clock;

  constructor(options: SmtpNotifierOptions) {
    this.transport = nodemailer.createTransport(options.url);
    this.from = options.from;
    this.productName = options.productName;
    this.clock = options.clock;
  }

  async send(notification: Notification, signal?: AbortSignal): Promise<void> {
    if (notification.channel !== "email") {
      throw new Error(`SmtpNotifier delivers email only, not ${notification.channel}`);
    }
    const message = render(notification, { productName: this.productName, now: this.clock.now() });
    try {
      await this.transport.sendMail({
        from: this.from,
        to: notification.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // RFC 3834: tells vacation responders and mailing-list software not to answer.
        headers: { "Auto-Submitted": "auto-generated" },
        signal,
      });
    } catch (error) {
      throw toDeliveryError(error as NodemailerError);
    }
  }

  /** Ends pooled connections (a no-op for the default one-connection-per-message transport). */
  close(): void {
    this.transport.close();
  }
}

/**
 * Keeps only what is safe to log: nodemailer's error code and the SMTP reply code. The raw
 * error is not kept as the cause because its message and `response` quote the server's
 * reply, which names the recipient ("550 <a@example.com>: no such user").
 */
function toDeliveryError(error: NodemailerError): DeliveryError {
  const parts = [error.code ?? "EUNKNOWN"];
  if (error.responseCode !== undefined) parts.push(String(error.responseCode));
  if (error.command) parts.push(`on ${error.command.split(" ")[0]}`);
  if (error.originalCode) parts.push(`(${error.originalCode})`);
  // nodemailer sets `permanent` from the reply class (5xx but 503). Without a reply, a bad
  // envelope or configuration is just as final; every other case (connection refused or
  // reset, timeouts, 4xx) may well work on the next try.
  const permanent = error.permanent === true || (error.responseCode === undefined && (error.code === "EENVELOPE" || error.code === "ECONFIG"));
  return new DeliveryError("smtp", `delivery failed: ${parts.join(" ")}`, { permanent });
}
