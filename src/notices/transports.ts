/** The real ways out: an SMTP relay (nodemailer) and HTTPS webhooks (fetch). */
import { readFile } from "node:fs/promises";
import nodemailer from "nodemailer";
import type { NoticesConfig } from "../spec/notices-schema.js";
import { NoticeDeliveryError, type NoticeTransports } from "./courier.js";

async function smtpAuth(file: string | undefined): Promise<{ user: string; pass: string } | undefined> {
  if (file === undefined) return undefined;
  const text = (await readFile(file, "utf8").catch(() => {
    throw new NoticeDeliveryError(`notices.smtp.credentialsFile ${file} cannot be read`);
  })).trim();
  const colon = text.indexOf(":");
  if (colon <= 0) throw new NoticeDeliveryError(`notices.smtp.credentialsFile ${file} does not hold user:password`);
  return { user: text.slice(0, colon), pass: text.slice(colon + 1) };
}

export function noticeTransports(config: NoticesConfig, opts: { webhookTimeoutMs?: number } = {}): NoticeTransports {
  return {
    async email(to, notice) {
      const smtp = config.smtp;
      if (smtp === undefined) throw new NoticeDeliveryError("notices.smtp is not set; set smarthost and from in landlord.yaml");
      const [host = "", port = "25"] = smtp.smarthost.split(":");
      const auth = await smtpAuth(smtp.credentialsFile);
      const transport = nodemailer.createTransport({ host, port: Number(port), secure: port === "465", requireTLS: smtp.requireTls && port !== "465", ...(auth ? { auth } : {}) });
      try {
        await transport.sendMail({ from: `"${config.platformName.replace(/"/g, "")}" <${smtp.from}>`, to, subject: notice.subject, text: notice.text });
      } finally {
        transport.close();
      }
    },
    async webhook(url, body) {
      let res: Response;
      try {
        res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(opts.webhookTimeoutMs ?? 10_000), redirect: "error" });
      } catch (err) {
        // fetch's message names no URL, but its cause may (undici): keep only the code.
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        throw new NoticeDeliveryError(`webhook not reached${typeof code === "string" ? ` (${code})` : err instanceof Error && err.name === "TimeoutError" ? " (timed out)" : ""}`);
      }
      await res.body?.cancel();
      if (!res.ok) throw new NoticeDeliveryError(`webhook answered ${String(res.status)}`);
    },
  };
}
