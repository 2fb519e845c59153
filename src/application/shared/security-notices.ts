import type { Channel, SecurityNotice } from "../ports/delivery.js";
import type { CoreDeps } from "./deps.js";

/**
 * Best effort, in the background: tells each contact of a security event (a lock, a changed
 * email, phone or password, a second factor on or off). The call that caused it never waits
 * on a provider, and a failed send is only reported. At most AUTH__NOTICES_PER_DAY of one kind
 * reach one destination a day, so nobody can use the service to flood an inbox or a phone.
 */
export function sendNotice(
  deps: Pick<CoreDeps, "notifier" | "notices" | "report">,
  contacts: readonly { channel: Channel; destination: string }[],
  notice: SecurityNotice,
  at: Date,
): Promise<void> {
  const done = (async () => {
    for (const contact of contacts) {
      try {
        if (!(await deps.notices.consume(`${notice}:${contact.destination}`)).allowed) continue;
        await deps.notifier.send({ channel: contact.channel, to: contact.destination, kind: "notice", notice, at });
      } catch (error) {
        deps.report(`${notice} notice to ${contact.channel} not sent`, error);
      }
    }
  })();
  return done;
}
