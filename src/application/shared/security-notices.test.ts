import { describe, expect, it } from "vitest";
import { countingLimiter, recordingNotifier, recordingReport, T0 } from "../../../test/support/fakes.js";
import { sendNotice } from "./security-notices.js";

const contacts = [
  { channel: "email" as const, destination: "ada@example.com" },
  { channel: "sms" as const, destination: "+4915112345678" },
];

function deps(perDestination = 2) {
  return { notifier: recordingNotifier(), notices: countingLimiter(perDestination), report: recordingReport() };
}

describe("sendNotice", () => {
  it("sends the notice to every contact on its channel, with the event time", async () => {
    const d = deps();
    await sendNotice(d, contacts, "password_changed", T0);
    expect(d.notifier.sent).toEqual([
      { channel: "email", to: "ada@example.com", kind: "notice", notice: "password_changed", at: T0 },
      { channel: "sms", to: "+4915112345678", kind: "notice", notice: "password_changed", at: T0 },
    ]);
  });

  it("caps each kind per destination: past the cap that destination gets no more of that kind", async () => {
    const d = deps(2);
    for (let i = 0; i < 4; i++) await sendNotice(d, contacts.slice(0, 1), "account_locked", T0);
    expect(d.notifier.sent).toHaveLength(2);
    // Another kind to the same destination, and the same kind to another destination, have their own counts.
    await sendNotice(d, contacts.slice(0, 1), "email_changed", T0);
    await sendNotice(d, contacts.slice(1), "account_locked", T0);
    expect(d.notifier.sent.map((n) => [n.to, n.kind === "notice" && n.notice])).toEqual([
      ["ada@example.com", "account_locked"],
      ["ada@example.com", "account_locked"],
      ["ada@example.com", "email_changed"],
      ["+4915112345678", "account_locked"],
    ]);
    expect(d.notices.keys).toContain("account_locked:ada@example.com");
  });

  it("reports a failed send without throwing, and still tries the next contact", async () => {
    const d = deps();
    const failure = new Error("smtp down");
    const sent: string[] = [];
    d.notifier.send = async (n) => {
      if (n.channel === "email") throw failure;
      sent.push(n.to);
    };
    await expect(sendNotice(d, contacts, "mfa_disabled", T0)).resolves.toBeUndefined();
    expect(sent).toEqual(["+4915112345678"]);
    expect(d.report.calls).toEqual([["mfa_disabled notice to email not sent", failure]]);
  });

  it("a failing limiter is reported too, never thrown at the caller", async () => {
    const d = deps();
    const failure = new Error("redis down");
    d.notices.consume = async () => {
      throw failure;
    };
    await sendNotice(d, contacts.slice(1), "phone_changed", T0);
    expect(d.notifier.sent).toEqual([]);
    expect(d.report.calls).toEqual([["phone_changed notice to sms not sent", failure]]);
  });
});
