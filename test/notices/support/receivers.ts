/**
 * Where the tests' notices arrive: a real SMTP server (smtp-server, the server half of the
 * nodemailer project) and an HTTP server in a Slack incoming webhook's place, both on
 * 127.0.0.1. Each records what it received and when, on one shared timeline.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface Received {
  readonly at: number;
  readonly channel: "email" | "webhook";
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly body?: unknown;
}

export interface Receivers {
  readonly smtpPort: number;
  /** A webhook URL whose path identifies `name`. */
  webhookUrl(name: string): string;
  readonly received: Received[];
  /** The next webhook answers fail with this status (then they succeed again). */
  failNext(status: number, times: number): void;
  stop(): Promise<void>;
}

export async function startReceivers(): Promise<Receivers> {
  const received: Received[] = [];
  let failures: { status: number; left: number } = { status: 200, left: 0 };
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push({ at: Date.now(), channel: "email", to: session.envelope.rcptTo.map((r) => r.address).join(","), subject: mail.subject ?? "", text: (mail.text ?? "").trimEnd() });
          callback();
        },
        (err: unknown) => {
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (failures.left > 0) {
        failures = { ...failures, left: failures.left - 1 };
        res.writeHead(failures.status).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text?: string; blocks?: { text?: { text?: string } }[] };
      received.push({ at: Date.now(), channel: "webhook", to: req.url ?? "", subject: body.text ?? "", text: body.blocks?.[1]?.text?.text ?? "", body });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const httpPort = (http.address() as AddressInfo).port;
  return {
    smtpPort,
    webhookUrl: (name) => `http://127.0.0.1:${String(httpPort)}/services/${name}/B0000/secret-${name}`,
    received,
    failNext(status, times) {
      failures = { status, left: times };
    },
    async stop() {
      await new Promise<void>((resolve) => {
        http.close(() => {
          resolve();
        });
      });
      await new Promise<void>((resolve) => {
        smtp.close(() => {
          resolve();
        });
      });
    },
  };
}
