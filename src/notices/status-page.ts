/**
 * A tenant's public status page: what its customers' users may see without logging in. It
 * says whether the service is operational, under maintenance or degraded, when the next
 * maintenance window opens, and the notices the tenant was sent, in their own words. Nothing
 * else about the tenant (no domains, tier, versions beyond what notices said, or other
 * tenants). Pure: the record, the rollout target and the notices are passed in.
 */
import type { TenantPhase } from "../store/schema.js";
import type { Tenant } from "../spec/tenant-schema.js";
import type { NoticeKind } from "../spec/notices-schema.js";
import { windowState } from "../rollout/window.js";

export type ServiceState = "operational" | "maintenance" | "degraded";

export interface StatusPage {
  readonly name: string;
  readonly displayName: string;
  readonly state: ServiceState;
  readonly summary: string;
  readonly nextMaintenance: { readonly opensAt: string; readonly durationMinutes: number } | null;
  readonly notices: readonly { readonly kind: NoticeKind; readonly subject: string; readonly at: string }[];
  readonly updatedAt: string;
}

/** Target states in which the tenant is being changed by a rollout right now. */
const CHANGING = ["waiting-window", "applying", "verifying", "rolling-back"];

export function statusPage(
  input: {
    readonly spec: Tenant;
    readonly phase: TenantPhase;
    /** The tenant's target in the app's active rollout, if it has one. */
    readonly rolloutTarget: { readonly state: string } | undefined;
    readonly notices: readonly { readonly kind: NoticeKind; readonly subject: string; readonly sentAt: Date }[];
  },
  now: Date,
): StatusPage {
  const { spec, phase, rolloutTarget } = input;
  let state: ServiceState = "operational";
  let summary = "All systems operational.";
  if (phase === "Failed") {
    state = "degraded";
    summary = "The service is degraded; our team is on it.";
  } else if (phase === "Updating" || phase === "Provisioning" || (rolloutTarget !== undefined && CHANGING.includes(rolloutTarget.state))) {
    state = "maintenance";
    summary = rolloutTarget?.state === "waiting-window" ? "An update is scheduled for the next maintenance window." : "Maintenance in progress: the service stays available.";
  }
  const w = spec.spec.maintenanceWindow;
  const ws = w ? windowState(w, now) : undefined;
  const opensAt = ws && !ws.open ? ws.opensAt : undefined;
  return {
    name: spec.metadata.name,
    displayName: spec.spec.displayName,
    state,
    summary,
    nextMaintenance: w && opensAt ? { opensAt: opensAt.toISOString(), durationMinutes: w.durationMinutes } : null,
    notices: input.notices.slice(0, 10).map((n) => ({ kind: n.kind, subject: n.subject, at: n.sentAt.toISOString() })),
    updatedAt: now.toISOString(),
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

/** The page's only style sheet: the server's CSP allows no inline style. */
export const STATUS_PAGE_CSS = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1f2328}
.state{border-left:.4rem solid #1a7f37;padding:.5rem 1rem;background:#f6f8fa}
.state.maintenance{border-color:#9a6700}.state.degraded{border-color:#cf222e}
time{color:#59636e;margin-right:.5rem}
`;

/** The page as HTML: no script, no inline style, nothing from elsewhere. */
export function statusPageHtml(p: StatusPage): string {
  const when = (iso: string) => `<time datetime="${esc(iso)}">${esc(iso.slice(0, 16).replace("T", " "))} UTC</time>`;
  const items = p.notices.map((n) => `<li>${when(n.at)} ${esc(n.subject)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.displayName)} status</title>
<link rel="stylesheet" href="/status-page.css">
</head><body>
<h1>${esc(p.displayName)}</h1>
<p class="state ${p.state}" data-state="${p.state}"><strong>${esc(p.state[0]?.toUpperCase() ?? "")}${esc(p.state.slice(1))}</strong>: ${esc(p.summary)}</p>
${p.nextMaintenance ? `<p>Next maintenance window: ${when(p.nextMaintenance.opensAt)} for ${String(p.nextMaintenance.durationMinutes)} minutes.</p>` : ""}
<h2>Recent notices</h2>
${items ? `<ul>${items}</ul>` : "<p>None.</p>"}
<p><small>Updated ${esc(p.updatedAt.slice(0, 19).replace("T", " "))} UTC</small></p>
</body></html>
`;
}
