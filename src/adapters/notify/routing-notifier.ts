/**
 * Sends each notification through the notifier for its channel, so email and SMS can use
 * different providers (or one of them the outbox) behind the single Notifier port. Codes and
 * security notices route alike: only the channel decides, so a notice about a changed email
 * goes out the same way, and with the same resilience, as the codes to that address.
 */
import type { Channel, Notification, Notifier } from "../../application/ports/delivery.js";

export class RoutingNotifier implements Notifier {
  private readonly routes: Record<Channel, Notifier>;

  constructor(routes: { email: Notifier; sms: Notifier }) {
    this.routes = { email: routes.email, sms: routes.sms };
  }

  send(notification: Notification): Promise<void> {
    return this.routes[notification.channel].send(notification);
  }
}
