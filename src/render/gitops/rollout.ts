/**
 * Observing a change through Argo CD (docs/adr/0016-gitops-layout.md). Argo CD applies
 * every commit at once; a rollout (docs/adr/0012) is paced by Landlord committing wave by
 * wave, and in GitOps mode the next wave may be committed only once the apps of this one,
 * on whatever cluster, are Synced to a commit that holds the change and Healthy.
 */

/** What the gate needs of an Argo CD Application (read from the Argo CD namespace). */
export interface ObservedApp {
  readonly name: string;
  /** status.sync.status */
  readonly sync: string;
  /** status.sync.revision: the commit the app is synced to. */
  readonly revision: string;
  /** status.health.status */
  readonly health: string;
}

export interface AppsGate {
  readonly open: boolean;
  /** Why not: one line per tenant whose app is not there yet. */
  readonly waiting: readonly string[];
}

/**
 * Whether every tenant's app is Synced to a commit that contains the change
 * (`atOrAfter(revision)`, e.g. `git merge-base --is-ancestor`) and Healthy. A tenant whose
 * app is missing holds the gate: silence is not health.
 */
export function appsGate(tenants: readonly string[], apps: readonly ObservedApp[], atOrAfter: (revision: string) => boolean): AppsGate {
  const waiting: string[] = [];
  for (const tenant of [...tenants].sort()) {
    const app = apps.find((a) => a.name === `tenant-${tenant}`);
    if (!app) waiting.push(`tenant-${tenant}: no Application yet`);
    else if (app.sync !== "Synced" || !atOrAfter(app.revision)) waiting.push(`tenant-${tenant}: ${app.sync} at ${app.revision.slice(0, 8) || "(no revision)"}`);
    else if (app.health !== "Healthy") waiting.push(`tenant-${tenant}: ${app.health}`);
  }
  return { open: waiting.length === 0, waiting };
}
