/**
 * SMS delivery through an HTTP webhook (SMS__WEBHOOK_URL): one JSON POST per message,
 *
 *   POST <url>   Content-Type: application/json   [Authorization: Bearer <SMS__WEBHOOK_TOKEN>]
 *   { "to": "+4915112345678", "body": "<the SMS text>", "purpose": "login" }
 *
 * `purpose` is the code's purpose (verify_contact, login, reset_password) for a code and for
 * a no-account message, and `notice:<notice>` for a security notice ("notice:email_changed"),
 * so a gateway can route or rate-limit by it without reading the body.
 *
 * Any 2xx means the gateway took the message. The shape is small on purpose: a few lines of
 * glue (or a serverless function) turn it into a Twilio / Vonage / SNS call, and the service
 * needs no provider SDK.
 */
import type { Notification, Notifier, OtpPurpose, SecurityNotice } from "../../application/ports/delivery.js";
import type { Clock } from "../../application/ports/time.js";
import { type CancellableNotifier, DeliveryError } from "./resilient-notifier.js";
import { render } from "./templates.js";

export interface WebhookSmsNotifierOptions {
  /** SMS__WEBHOOK_URL. */
  url: string;
  /** SMS__WEBHOOK_TOKEN; sent as a bearer token when set. */
  token?: string | undefined;
  productName: string;
  /**
   * Upper bound for one request. resilient() normally cuts an attempt earlier through its
   * own signal; this keeps the adapter safe when it is used without the wrapper.
   */
  timeoutMs?: number;
  /** For "expires in N minutes" (injected so tests can fix now). */
  clock: Clock;
}

export type SmsWebhookPurpose = OtpPurpose | `notice:${SecurityNotice}`;

export interface SmsWebhookPayload {
  to: string;
  body: string;
  purpose: SmsWebhookPurpose;
}

/** What the payload's `purpose` says about a notification. */
export function webhookPurpose(notification: Notification): SmsWebhookPurpose {
  // Exhaustive: a new kind of notification does not compile until it has a purpose here.
  switch (notification.kind) {
    case "code":
    case "no_account":
      return notification.purpose;
    case "notice":
      return `notice:${notification.notice}`;
    default: {
      const unknown: never = notification;
      throw new Error(`unknown notification kind: ${String((unknown as { kind?: unknown }).kind)}`);
    }
  }
}

export class WebhookSmsNotifier implements Notifier, CancellableNotifier {
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly productName: string;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(options: WebhookSmsNotifierOptions) {
    this.url = new URL(options.url).toString(); // fail at start-up, not on the first send
    this.headers = { "content-type": "application/json", accept: "application/json" };
    if (options.token) this.headers.authorization = `Bearer ${options.token}`;
    this.productName = options.productName;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.clock = options.clock;
  }

  async send(notification: Notification, signal?: AbortSignal): Promise<void> {
    if (notification.channel !== "sms") {
      throw new Error(`WebhookSmsNotifier delivers sms only, not ${notification.channel}`);
    }
    const message = render(notification, { productName: this.productName, now: this.clock.now() });
    const payload: SmsWebhookPayload = { to: notification.to, body: message.sms, purpose: webhookPurpose(notification) };
    const timeoutSignal = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: this.headers,
        body: JSON.stringify(payload),
        signal: signal ? AbortSignal.any([signal, timeoutSignal]) : timeoutSignal,
        redirect: "error", // a redirect would replay the code (and the token) to another URL
      });
    } catch (error) {
      // fetch rejects with a TypeError whose cause names the socket error; its message never
      // holds the request body, but keep only the error code to be sure.
      throw new DeliveryError("sms-webhook", `request failed: ${networkCode(error)}`, { permanent: false });
    }
    // The body is drained but never read into an error: a gateway may echo the message,
    // and with it the code.
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return;
    throw new DeliveryError("sms-webhook", `gateway answered HTTP ${response.status}`, {
      permanent: isPermanentStatus(response.status),
    });
  }
}

/** 4xx means "this request will never work" except for the ones that invite a retry. */
function isPermanentStatus(status: number): boolean {
  if (status === 408 || status === 425 || status === 429) return false;
  return status >= 400 && status < 500;
}

function networkCode(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: unknown } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return e.name;
  const code = e?.cause?.code;
  return typeof code === "string" ? code : (e?.name ?? "unknown error");
}
