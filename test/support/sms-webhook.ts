/**
 * A real HTTP server on 127.0.0.1 standing in for an SMS gateway: it collects the JSON POSTs
 * the WebhookSmsNotifier makes.
 *
 * Faults: `fail(status, times)` answers the next `times` requests (default: all, until
 * `recover()`) with `status`; `hang(true)` reads requests but never answers; `down()` stops
 * listening (connection refused) and `up()` listens again on the same port.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedSms {
  to: string;
  body: string;
  purpose: string;
  authorization: string | undefined;
  contentType: string | undefined;
}

export interface TestSmsWebhook {
  readonly port: number;
  readonly url: string;
  /** Messages answered with 2xx, oldest first. */
  readonly accepted: readonly ReceivedSms[];
  /** Every POST received, whatever the answer. */
  readonly attempts: number;
  waitForSms(to: string, timeoutMs?: number): Promise<ReceivedSms>;
  fail(status: number, times?: number): void;
  recover(): void;
  hang(on: boolean): void;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Healthy again: answering 202, listening. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmsWebhook(): Promise<TestSmsWebhook> {
  const accepted: ReceivedSms[] = [];
  const taken = new Set<ReceivedSms>();
  const waiters = new Set<() => void>();
  let failure: { status: number; left: number } | null = null;
  let hanging = false;
  let attempts = 0;
  let port = 0;
  let server: http.Server | null = null;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    attempts += 1;
    if (hanging) return; // the socket stays open, unanswered, until the client gives up
    if (failure && failure.left > 0) {
      failure.left -= 1;
      res.writeHead(failure.status, { "content-type": "application/json" }).end('{"error":"unavailable"}');
      return;
    }
    let payload: { to?: unknown; body?: unknown; purpose?: unknown };
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof payload;
    } catch {
      res.writeHead(400).end();
      return;
    }
    accepted.push({
      to: String(payload.to),
      body: String(payload.body),
      purpose: String(payload.purpose),
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
    });
    res.writeHead(202, { "content-type": "application/json" }).end('{"status":"queued"}');
    for (const wake of [...waiters]) wake();
  };

  const listen = async () => {
    if (server) return; // already up
    const s = http.createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };

  const close = async () => {
    const s = server;
    server = null;
    if (!s) return;
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    // fetch keeps connections alive; hung requests never finish: cut them all.
    s.closeAllConnections();
    await closed;
  };

  await listen();

  return {
    get port() {
      return port;
    },
    get url() {
      return `http://127.0.0.1:${port}/sms`;
    },
    accepted,
    get attempts() {
      return attempts;
    },
    waitForSms(to, timeoutMs = 2_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const sms = accepted.find((m) => !taken.has(m) && m.to === to);
          if (!sms) return;
          taken.add(sms);
          clearTimeout(timer);
          waiters.delete(check);
          resolve(sms);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no SMS to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    fail(status, times = Number.POSITIVE_INFINITY) {
      failure = { status, left: times };
    },
    recover() {
      failure = null;
    },
    hang(on) {
      hanging = on;
    },
    down: close,
    up: listen,
    reset: async () => {
      failure = null;
      hanging = false;
      await listen();
    },
    stop: async () => {
      failure = null;
      hanging = false;
      await close();
    },
  };
}
