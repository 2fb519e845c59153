/**
 * Builds the Notifier the use cases get, from configuration:
 *
 *   MAIL__SMTP_URL      set → email goes out over SMTP   unset → email goes to the outbox
 *   MAIL__FROM          the From header of every mail
 *   SMS__WEBHOOK_URL    set → SMS goes to the webhook    unset → SMS goes to the outbox
 *   SMS__WEBHOOK_TOKEN  optional bearer token for the webhook
 *
 * Each real provider sits behind its own resilient() policy (timeout + retry + breaker), so
 * a dead SMS gateway never slows email down. The outbox is always returned, even when both
 * channels have providers, so development tooling has one place to look.
 *
 * Every kind of Notification (codes, no-account messages, security notices) takes the same
 * route: the channel decides, never the kind. What differs per kind (wording, the webhook's
 * `purpose`, what the outbox keeps and logs) is decided in templates.ts, webhook-sms-notifier.ts
 * and outbox-notifier.ts, each by an exhaustive switch that stops compiling on a new kind.
 */
import type { Notifier } from "../../application/ports/delivery.js";
import type { Clock } from "../../application/ports/time.js";
import type { Logger } from "../logging/logger.js";
import { OutboxNotifier } from "./outbox-notifier.js";
import { type BreakerState, resilient } from "./resilient-notifier.js";
import { RoutingNotifier } from "./routing-notifier.js";
import { SmtpNotifier } from "./smtp-notifier.js";
import { WebhookSmsNotifier } from "./webhook-sms-notifier.js";

export interface NotifierConfig {
  smtpUrl?: string | undefined;
  from: string;
  smsWebhookUrl?: string | undefined;
  smsWebhookToken?: string | undefined;
  /** True only for SERVER__ENVIRONMENT=development: the outbox then logs codes. */
  revealCodes: boolean;
  /** Per email delivery attempt (MAIL__TIMEOUT_MS). */
  mailTimeoutMs: number;
  /** Per SMS delivery attempt (SMS__TIMEOUT_MS): each provider has its own budget. */
  smsTimeoutMs: number;
  productName: string;
  /** "Expires in N minutes" is counted from this clock's now. */
  clock: Clock;
  /** Tuning for tests; production uses the defaults of resilient(). */
  retries?: number;
  halfOpenAfterMs?: number;
  /** Each provider's breaker: "closed" once when it is made, then every change (for /metrics). */
  onBreakerState?: (dependency: string, state: BreakerState) => void;
}

export interface Notifiers {
  notifier: Notifier;
  outbox: OutboxNotifier;
  /** Releases pooled SMTP connections (shutdown). */
  close(): void;
}

export function createNotifier(config: NotifierConfig, logger: Logger): Notifiers {
  const log = logger.child({ component: "notify" });
  const { clock } = config;
  const outbox = new OutboxNotifier(logger, { revealCodes: config.revealCodes, productName: config.productName, clock });
  const guard = (name: string, timeoutMs: number) => {
    config.onBreakerState?.(name, "closed");
    return {
      name,
      timeoutMs,
      ...(config.retries === undefined ? {} : { retries: config.retries }),
      ...(config.halfOpenAfterMs === undefined ? {} : { halfOpenAfterMs: config.halfOpenAfterMs }),
      onStateChange: (state: BreakerState) => {
        const fields = { dependency: name, breaker: state };
        if (state === "open") log.warn(fields, "delivery provider circuit opened: sends fail fast until it recovers");
        else log.info(fields, `delivery provider circuit ${state}`);
        config.onBreakerState?.(name, state);
      },
    };
  };

  let email: Notifier = outbox;
  let smtp: SmtpNotifier | undefined;
  if (config.smtpUrl) {
    smtp = new SmtpNotifier({ url: config.smtpUrl, from: config.from, productName: config.productName, clock });
    email = resilient(smtp, guard("smtp", config.mailTimeoutMs));
  }

  let sms: Notifier = outbox;
  if (config.smsWebhookUrl) {
    const webhook = new WebhookSmsNotifier({
      url: config.smsWebhookUrl,
      token: config.smsWebhookToken,
      productName: config.productName,
      clock,
      // Backstop only: resilient() aborts each attempt at timeoutMs already.
      timeoutMs: config.smsTimeoutMs * 2,
    });
    sms = resilient(webhook, guard("sms-webhook", config.smsTimeoutMs));
  }

  // Where messages go, never how to reach the provider: the URLs may carry credentials.
  const routes = { email: email === outbox ? "outbox" : "smtp", sms: sms === outbox ? "outbox" : "webhook" };
  log.info(routes, "notification delivery");
  if (!config.revealCodes && (email === outbox || sms === outbox)) {
    log.warn(routes, "a channel has no delivery provider: its codes and security notices stay in the in-memory outbox and reach nobody");
  }

  return {
    notifier: new RoutingNotifier({ email, sms }),
    outbox,
    close: () => smtp?.close(),
  };
}
