/**
 * The words of a notice: the platform's template for its kind (landlord.yaml `notices.templates`)
 * or the built-in one, filled with the event's values. Pure. Templates are Mustache; values
 * are inserted as written (no HTML escaping: notices are plain text and Slack mrkdwn, where
 * `&amp;` would show as is), so a value cannot open a Mustache tag either: Mustache renders
 * values, it never parses them.
 */
import Mustache from "mustache";
import type { NoticeKind, NoticesConfig } from "../spec/notices-schema.js";

export interface NoticeValues {
  readonly tenant: string;
  readonly displayName: string;
  readonly version?: string | undefined;
  readonly previousVersion?: string | undefined;
  readonly wave?: string | undefined;
  readonly reason?: string | undefined;
  readonly window?: string | undefined;
  readonly message?: string | undefined;
  readonly startsAt?: string | undefined;
  readonly endsAt?: string | undefined;
  readonly statusUrl?: string | undefined;
}

export interface NoticeText {
  readonly subject: string;
  readonly text: string;
}

const BUILT_IN: Readonly<Record<NoticeKind, { subject: string; text: string }>> = {
  "rollout-starting": {
    subject: "{{platform}}: {{displayName}} will be updated to {{version}}",
    text: "We are about to update {{displayName}} to version {{version}}.{{#window}} The change is made in your maintenance window ({{window}}).{{/window}} The service stays available; we will write again when it is done.{{#statusUrl}}\nStatus: {{statusUrl}}{{/statusUrl}}",
  },
  "rollout-finished": {
    subject: "{{platform}}: {{displayName}} now runs {{version}}",
    text: "{{displayName}} was updated to version {{version}} and is healthy.{{#statusUrl}}\nStatus: {{statusUrl}}{{/statusUrl}}",
  },
  "rollout-cancelled": {
    subject: "{{platform}}: {{displayName}} was not updated to {{version}}",
    text: "The update of {{displayName}} to version {{version}} we announced was not made{{#previousVersion}}: it keeps running {{previousVersion}}{{/previousVersion}}.{{#reason}}\nWhy: {{reason}}{{/reason}}\nWe will write again before we try again.{{#statusUrl}}\nStatus: {{statusUrl}}{{/statusUrl}}",
  },
  "rollout-rolled-back": {
    subject: "{{platform}}: the update of {{displayName}} was rolled back",
    text: "The update of {{displayName}} to version {{version}} did not pass our health checks and was undone{{#previousVersion}}: it runs {{previousVersion}} again{{/previousVersion}}.{{#reason}}\nWhy: {{reason}}{{/reason}}{{#statusUrl}}\nStatus: {{statusUrl}}{{/statusUrl}}",
  },
  maintenance: {
    subject: "{{platform}}: planned maintenance of {{displayName}}{{#startsAt}} on {{startsAt}}{{/startsAt}}",
    text: "{{message}}{{#startsAt}}\nFrom {{startsAt}}{{#endsAt}} to {{endsAt}}{{/endsAt}}.{{/startsAt}}{{#statusUrl}}\nStatus: {{statusUrl}}{{/statusUrl}}",
  },
  incident: {
    subject: "{{platform}}: {{displayName}} is degraded",
    text: "{{message}}{{#statusUrl}}\nStatus: {{statusUrl}}{{/statusUrl}}",
  },
};

const render = (template: string, view: Record<string, string | undefined>) => Mustache.render(template, view, {}, { escape: (s: string) => s });

export function composeNotice(config: Pick<NoticesConfig, "templates" | "platformName">, kind: NoticeKind, values: NoticeValues): NoticeText {
  const own = config.templates[kind];
  const view = { ...values, platform: config.platformName };
  return {
    // A subject is one line whatever a value holds: a newline there would start a new mail header.
    subject: render(own?.subject ?? BUILT_IN[kind].subject, view).replace(/[\r\n]+/g, " ").slice(0, 200),
    text: render(own?.text ?? BUILT_IN[kind].text, view),
  };
}

/**
 * A Slack incoming-webhook payload: `text` for notifications and clients without blocks,
 * one section block for the message. Slack's mrkdwn treats <, > and & as control characters.
 */
export function slackPayload(n: NoticeText): { text: string; blocks: unknown[] } {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return {
    text: esc(n.subject),
    blocks: [
      { type: "header", text: { type: "plain_text", text: n.subject.slice(0, 150) } },
      { type: "section", text: { type: "mrkdwn", text: esc(n.text).slice(0, 3000) } },
    ],
  };
}
