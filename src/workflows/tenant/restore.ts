/**
 * `landlord restore TENANT [--to TIME] [--into NAMESPACE]`: the tenant's database as it was
 * at TIME (or at the end of its archive), either as a copy in a scratch namespace beside the
 * tenant (--into), or in place. In place: a backup first (also the way back), the old
 * Cluster removed, a new one restored from the archive, archiving into a folder of its own
 * (two timelines never share a folder, docs/adr/0024), recorded with the placement once it is
 * ready. Both first commit an empty transaction and take a backup, so the archive holds a
 * commit after TIME and every WAL segment up to now (docs/adr/0030).
 */
import { z } from "zod";
import type { DatabaseProbe } from "../../delivery/kubernetes/database-probe.js";
import { stopDatabase } from "../../delivery/kubernetes/database-stop.js";
import { KubeApiError } from "../../delivery/kubernetes/errors.js";
import { ConflictError, RetryableError } from "../../errors.js";
import { backupArchive, withRecovery, type RecoveryTarget } from "../../render/kubernetes/database.js";
import { DB } from "../../render/object.js";
import { placementRecordOf } from "../../spec/placement-record.js";
import type { WorkflowKind } from "../../store/schema.js";
import { sleep } from "../../util/sleep.js";
import { defineWorkflow, type StepContext } from "../engine/index.js";
import { takeFinalBackup } from "./final-backup.js";
import { targetServerName } from "./move-render.js";
import { transition } from "./phases.js";
import { kubernetesDelivery, removeScratch, renderScratch } from "./scratch.js";
import { renderStored, type Rendered, type TenantServices } from "./services.js";

export const RESTORE_KIND: WorkflowKind = "restore";

export const restoreInput = z.object({
  actor: z.string(),
  /** RFC 3339; absent: the end of the archive. */
  to: z.string().optional(),
  /** A scratch namespace for a copy; absent: in place. */
  into: z.string().optional(),
});
export type RestoreInput = z.infer<typeof restoreInput>;
type Ctx = StepContext<RestoreInput>;

export function restoreTarget(input: RestoreInput): RecoveryTarget {
  return input.to === undefined ? { latest: true } : { time: input.to };
}

/** The tenant as the store has it (in place: the archive it restores from is the recorded one). */
function current(s: TenantServices, ctx: Ctx, as: { backupServerName?: string } = {}): Promise<Rendered> {
  return s.store.tenants.require(ctx.tenantName).then((r) => renderStored(s, ctx.tenantName, r.spec, as));
}

/** In place, the restored Cluster archives into a folder named after this workflow (as a move's target does). */
async function inPlace(s: TenantServices, ctx: Ctx): Promise<Rendered & { restoredObjects: Rendered["bundle"]["objects"] }> {
  const before = await current(s, ctx);
  const after = await current(s, ctx, { backupServerName: targetServerName(ctx.workflowId) });
  return { ...after, restoredObjects: withRecovery(after.bundle.objects, backupArchive(s.platform.config, before.tenant), restoreTarget(ctx.input)) };
}

function requireProbe(probe: DatabaseProbe | undefined): DatabaseProbe {
  if (probe) return probe;
  throw new ConflictError("no database probe is configured (delivery.mode must be kubernetes): a restore to a time commits a marker in the tenant's database first");
}

async function liveCluster(s: TenantServices, r: Rendered, signal: AbortSignal): Promise<boolean> {
  const d = kubernetesDelivery(s, "a restore");
  return (await d.cluster.applierFor(r.bundle.placement.cluster).get("postgresql.cnpg.io/v1", "Cluster", r.tenant.names.namespace, DB, signal)) !== undefined;
}

/** The database is fenced first (fast shutdown, database-stop.ts): its pods go in seconds, its volumes soon after. */
const GONE_TIMEOUT_MS = 300_000;

/**
 * Keeps the app's database credentials across the restore. CloudNativePG's `db-app` Secret
 * belongs to the Cluster and would go with it; a new Cluster would make one with a new
 * password the running app pods do not have. Released from the Cluster, it stays, the new
 * Cluster leaves a Secret it does not own as it is (createOrPatchClusterCredentialSecret),
 * and the instance manager sets the app role's password from it.
 */
async function keepCredentials(s: TenantServices, r: Rendered, signal: AbortSignal): Promise<string> {
  const client = kubernetesDelivery(s, "a restore").cluster.applierFor(r.bundle.placement.cluster).client;
  const path = `/api/v1/namespaces/${encodeURIComponent(r.tenant.names.namespace)}/secrets/${DB}-app`;
  try {
    await client.send({ method: "PATCH", path, contentType: "application/merge-patch+json", body: { metadata: { ownerReferences: null } }, signal });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) {
      throw new Error(`Secret ${DB}-app (the app's database credentials) is not in ${r.tenant.names.namespace}: a restored database would get a password the app does not have; nothing was removed`);
    }
    throw err;
  }
  return `Secret ${DB}-app released from Cluster ${DB}: the app's credentials outlive it`;
}

export function restoreWorkflow(s: TenantServices, probe?: DatabaseProbe) {
  return defineWorkflow({
    kind: RESTORE_KIND,
    parseInput: (raw) => restoreInput.parse(raw),
    steps: [
      {
        name: "mark",
        async run(ctx) {
          const r = await current(s, ctx);
          // After a failed in-place attempt the database may be gone: what the archive holds is what there is.
          if (!(await liveCluster(s, r, ctx.signal))) return { skipped: `no database ${DB} in ${r.tenant.names.namespace}: restoring from what the archive holds` };
          if (ctx.input.to === undefined) return { skipped: "no --to: the restore replays the whole archive" };
          await requireProbe(probe).commitMarker(r.tenant, ctx.signal);
          return { committed: "an empty transaction after --to, so the restore has a commit to stop at" };
        },
      },
      {
        name: "backup",
        async run(ctx) {
          const r = await current(s, ctx);
          if (!(await liveCluster(s, r, ctx.signal))) return { skipped: `no database ${DB} in ${r.tenant.names.namespace}` };
          const { backup, result } = await takeFinalBackup(s, ctx.tenantName, ctx.workflowId, "restore");
          if (result.skipped !== undefined) throw new ConflictError(`the backup before the restore cannot be taken (${result.skipped}); nothing was changed. Run \`landlord workflows resume ${ctx.workflowId}\` once CloudNativePG runs`);
          return { backup: backup.metadata.name, detail: result.detail };
        },
      },
      {
        name: "remove-database",
        async run(ctx) {
          if (ctx.input.into !== undefined) return { skipped: `a copy into ${ctx.input.into}: the tenant's database stays` };
          const r = await current(s, ctx);
          ctx.log(await keepCredentials(s, r, ctx.signal));
          const applier = kubernetesDelivery(s, "a restore").cluster.applierFor(r.bundle.placement.cluster);
          const ns = encodeURIComponent(r.tenant.names.namespace);
          const path = `/apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/${DB}`;
          const live = await applier.client.send<{ metadata: { uid: string } }>({ method: "GET", path, signal: ctx.signal }).catch((err: unknown) => {
            if (err instanceof KubeApiError && err.status === 404) return undefined;
            throw err;
          });
          const stopped = await stopDatabase(applier.client, r.tenant.names.namespace, DB, { signal: ctx.signal, timeoutMs: GONE_TIMEOUT_MS });
          ctx.log(stopped);
          // What it owned outlives it for a while and carries the names the new Cluster's take: a
          // db-1 volume made while the old one is removed is lost with it, a Service or Secret is
          // taken away from under the new Cluster. Wait until the collector has removed them all.
          const deadline = Date.now() + GONE_TIMEOUT_MS;
          const kinds = ["persistentvolumeclaims", "services", "secrets", "serviceaccounts"];
          const left = async (): Promise<string[]> => {
            const out: string[] = [];
            for (const kind of kinds) {
              const list = await applier.client.send<{ items?: { metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[] } }[] }>({ method: "GET", path: `/api/v1/namespaces/${ns}/${kind}`, signal: ctx.signal });
              for (const o of list.items ?? []) {
                const owned = live !== undefined && (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === live.metadata.uid);
                const volume = kind === "persistentvolumeclaims" && o.metadata.labels?.["cnpg.io/cluster"] === DB;
                if (owned || volume) out.push(`${kind} ${o.metadata.name}`);
              }
            }
            return out;
          };
          for (;;) {
            const remaining = (await liveCluster(s, r, ctx.signal)) ? [`Cluster ${DB}`] : await left();
            if (remaining.length === 0) break;
            if (Date.now() > deadline) throw new RetryableError(`${remaining.join(", ")} in ${r.tenant.names.namespace} still being deleted after ${String(GONE_TIMEOUT_MS / 1000)} s`);
            await sleep(2_000, ctx.signal);
          }
          return { removed: `Cluster ${DB} in ${r.tenant.names.namespace}, its pods and volumes` };
        },
      },
      {
        name: "restore",
        async run(ctx) {
          const d = kubernetesDelivery(s, "a restore");
          if (ctx.input.into !== undefined) {
            const sc = await renderScratch(s, ctx.tenantName, ctx.input.into, restoreTarget(ctx.input), ctx.workflowId);
            ctx.log(await removeScratch(s, sc.bundle.placement.cluster, sc.bundle.namespace, ctx.tenantName, ctx.signal, ctx.workflowId));
            return { namespace: sc.bundle.namespace, ...(await d.cluster.apply(sc.bundle)) };
          }
          const r = await inPlace(s, ctx);
          return { namespace: r.tenant.names.namespace, archivesTo: targetServerName(ctx.workflowId), ...(await d.cluster.apply({ ...r.bundle, objects: r.restoredObjects })) };
        },
      },
      {
        name: "wait-ready",
        async run(ctx) {
          const d = kubernetesDelivery(s, "a restore");
          if (ctx.input.into !== undefined) return d.waitReady((await renderScratch(s, ctx.tenantName, ctx.input.into, restoreTarget(ctx.input), ctx.workflowId)).bundle, ctx.signal);
          const r = await inPlace(s, ctx);
          return d.waitReady({ ...r.bundle, objects: r.restoredObjects }, ctx.signal);
        },
      },
      {
        name: "done",
        async run(ctx) {
          if (ctx.input.into !== undefined) return { copy: ctx.input.into, note: `the copy stays until deleted: kubectl delete namespace ${ctx.input.into}` };
          const r = await current(s, ctx, { backupServerName: targetServerName(ctx.workflowId) });
          // From here every render archives into the new folder; the old one keeps the history before the restore.
          await s.store.tenants.setPlacement(ctx.tenantName, placementRecordOf(r.tenant), ctx.now());
          await transition(s.store, ctx.tenantName, "restored", ctx.now());
          return { restoredTo: ctx.input.to ?? "the end of the archive", archivesTo: targetServerName(ctx.workflowId) };
        },
      },
    ],
  });
}
