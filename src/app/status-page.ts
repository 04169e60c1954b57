/** A tenant's public status page, for the HTML page and its JSON alike. */
import { NotFoundError } from "../errors.js";
import { statusPage, type StatusPage } from "../notices/status-page.js";
import type { PlatformContext } from "../spec/platform.js";
import type { Store } from "../store/index.js";
import { noticesRepo } from "../store/notices-repo.js";
import { rolloutsRepo } from "../store/rollouts-repo.js";

/**
 * Unknown, offboarded and not-opted-in tenants get the same answer, so the page cannot be
 * used to learn which customers exist.
 */
export async function loadStatusPage(store: Store, platform: PlatformContext, name: string, now: Date): Promise<StatusPage> {
  const hidden = () => new NotFoundError(`no status page named '${name}': it is off unless the tenant sets spec.contacts.statusPage: true`);
  const record = await store.tenants.get(name);
  if (!record || record.phase === "Offboarded" || record.spec.spec.contacts.statusPage !== true) throw hidden();
  const rollouts = rolloutsRepo(store.db, store.backend);
  const active = await rollouts.active(platform.config.platform.name);
  const target = active ? (await rollouts.targets(active.id)).find((t) => t.tenant === name) : undefined;
  const sent = await noticesRepo(store.db).list({ tenant: name, state: "sent", limit: 40 });
  // One line per notice, not per channel: the email and the webhook copy say the same.
  const seen = new Set<string>();
  const notices = sent.filter((n) => n.sentAt !== null && !seen.has(n.dedupeKey) && seen.add(n.dedupeKey)).map((n) => ({ kind: n.kind, subject: n.subject, sentAt: n.sentAt ?? n.createdAt }));
  return statusPage({ spec: record.spec, phase: record.phase, rolloutTarget: target, notices }, now);
}
