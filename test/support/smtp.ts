/**
 * A real SMTP server (smtp-server) on 127.0.0.1 for delivery tests. Every accepted message
 * is parsed with mailparser and kept, so a test reads the mail the way a mail client would.
 *
 * Faults, as a relay shows them:
 * - `refuse(code, times)` answers the next `times` messages' DATA with `code` (451: "try
 *   again later", 550: "never"), until `accept()`;
 * - `hang(true)` accepts TCP connections but never sends the greeting (a wedged relay);
 * - `down()` stops listening (connection refused) and `up()` listens again on the same port.
 *
 * No TLS and no auth: STARTTLS is disabled so nodemailer talks plain text on loopback.
 * Each connection costs ~100 ms before the greeting: smtp-server waits that long, not
 * configurably, to catch clients that talk before being greeted.
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  headers: Map<string, unknown>;
}

export interface TestSmtpServer {
  readonly port: number;
  /** smtp://127.0.0.1:<port>, for nodemailer.createTransport. */
  readonly url: string;
  /** Accepted messages, oldest first. */
  readonly messages: readonly ReceivedMail[];
  /** DATA commands seen (refused ones included). */
  readonly attempts: number;
  /** Client connections currently open. */
  readonly openConnections: number;
  /** The next message to `to` not yet returned by an earlier call (waits for it). */
  waitForMail(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** Refuses the next `times` messages (default: all) with `responseCode`. */
  refuse(responseCode: number, times?: number): void;
  /** Undoes refuse(). */
  accept(): void;
  hang(on: boolean): void;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Healthy again: accepting, greeting, listening. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const waiters = new Set<() => void>();
  const sockets = new Set<SMTPServerSession>();
  let refusals: { code: number; left: number } | null = null;
  let hanging = false;
  let attempts = 0;
  let port = 0;
  let server: SMTPServer | null = null;

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      // Tests must not depend on a DNS resolver (machines here have none that answers).
      disableReverseLookup: true,
      // Stopping must not wait for idle or hung clients (the default waits 30 s).
      closeTimeout: 50,
      onConnect(session, callback) {
        sockets.add(session);
        if (hanging) return; // never answer: the client waits for a greeting that never comes
        callback();
      },
      onClose(session) {
        sockets.delete(session);
      },
      onData(stream, session, callback) {
        attempts += 1;
        const refusal = refusals && refusals.left > 0 ? refusals : null;
        if (refusal) {
          refusal.left -= 1;
          // The message must be read to its end before the reply, as a real relay does.
          stream.on("end", () => callback(Object.assign(new Error("refused by the test server"), { responseCode: refusal.code })));
          stream.resume();
          return;
        }
        simpleParser(stream)
          .then((parsed) => {
            messages.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : "",
              headers: parsed.headers as Map<string, unknown>,
            });
            callback();
            for (const wake of [...waiters]) wake();
          })
          .catch((error: Error) => callback(error));
      },
    });

  const listen = async () => {
    if (server) return; // already up
    const s = create();
    s.on("error", () => {}); // a client resetting its socket is not a test failure
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    port = (s.server.address() as AddressInfo).port;
    server = s;
  };

  const close = async () => {
    const s = server;
    server = null;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();

  return {
    get port() {
      return port;
    },
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    messages,
    get attempts() {
      return attempts;
    },
    get openConnections() {
      return sockets.size;
    },
    waitForMail(to, timeoutMs = 2_000) {
      const find = () => messages.find((m) => !taken.has(m) && m.to.includes(to));
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = find();
          if (!mail) return;
          taken.add(mail);
          clearTimeout(timer);
          waiters.delete(check);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    refuse(responseCode, times = Number.POSITIVE_INFINITY) {
      refusals = { code: responseCode, left: times };
    },
    accept() {
      refusals = null;
    },
    hang(on) {
      hanging = on;
    },
    down: close,
    up: listen,
    reset: async () => {
      refusals = null;
      hanging = false;
      await listen();
    },
    stop: async () => {
      refusals = null;
      hanging = false;
      await close();
    },
  };
}
