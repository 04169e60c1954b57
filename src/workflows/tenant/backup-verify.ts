/**
 * A restore drill (`landlord backup verify`, and on a schedule by `serve`): proves the
 * tenant's archive restores to the data the tenant holds, without touching the tenant.
 * Fingerprint the live database at one WAL position; take a backup, which archives every
 * WAL segment up to that position; restore the archive into the scratch namespace up to that
 * position (an older base backup plus WAL replay: both halves of the archive are read);
 * fingerprint the copy; compare; remove the copy. The result is the workflow's record:
 * `landlord report` and `landlord backup list` read the newest (docs/adr/0030).
 */
import { readBackups } from "../../delivery/kubernetes/backup-reader.js";
import { fingerprintDifferences, type DatabaseProbe, type PointFingerprint } from "../../delivery/kubernetes/database-probe.js";
import { ConflictError } from "../../errors.js";
import { scratchNamespace } from "../../render/kubernetes/scratch-restore.js";
import { defineWorkflow, type StepContext } from "../engine/index.js";
import { z } from "zod";
import type { WorkflowKind } from "../../store/schema.js";
import { takeFinalBackup } from "./final-backup.js";
import { kubernetesDelivery, removeScratch, renderScratch, type Scratch } from "./scratch.js";
import { renderStored, type TenantServices } from "./services.js";

export const VERIFY_KIND: WorkflowKind = "backup-verify";

const verifyInput = z.object({ actor: z.string() });
type VerifyInput = z.infer<typeof verifyInput>;
type Ctx = StepContext<VerifyInput>;

/** What the compare step records: the drill's result as `report` shows it. */
export interface DrillResult {
  readonly verified: boolean;
  readonly tables: number;
  readonly rows: number;
  readonly lsn: string;
  /** How long the tenant's writes waited on the source fingerprint. */
  readonly pausedMs: number;
  readonly differences: readonly string[];
}

function source(ctx: Ctx): PointFingerprint {
  const fp = ctx.outputs["fingerprint-source"] as PointFingerprint | undefined;
  if (fp?.lsn === undefined) throw new Error(`step fingerprint-source recorded no fingerprint; run \`landlord workflows describe ${ctx.workflowId}\``);
  return fp;
}

function scratch(s: TenantServices, ctx: Ctx): Promise<Scratch> {
  return renderScratch(s, ctx.tenantName, undefined, { lsn: source(ctx).lsn }, ctx.workflowId);
}

function requireProbe(probe: DatabaseProbe | undefined): DatabaseProbe {
  if (probe) return probe;
  throw new ConflictError("no database probe is configured (delivery.mode must be kubernetes): a restore drill reads both databases");
}

export function backupVerifyWorkflow(s: TenantServices, probe?: DatabaseProbe) {
  return defineWorkflow({
    kind: VERIFY_KIND,
    parseInput: (raw) => verifyInput.parse(raw),
    steps: [
      {
        name: "check",
        async run(ctx) {
          const d = kubernetesDelivery(s, "a restore drill");
          const { tenant, bundle } = await renderStored(s, ctx.tenantName, (await s.store.tenants.require(ctx.tenantName)).spec);
          const done = (await readBackups(d.cluster.applierFor(bundle.placement.cluster), tenant.names.namespace, ctx.signal)).filter((b) => b.phase === "completed");
          // The drill restores an older base backup and replays WAL to the fingerprint: without one there is nothing to replay from.
          if (done.length === 0) throw new ConflictError(`tenant '${ctx.tenantName}' has no completed backup yet: the first is taken at onboarding; see \`landlord backup list ${ctx.tenantName}\`, then run \`landlord workflows resume ${ctx.workflowId}\``);
          return { cluster: bundle.placement.cluster, namespace: tenant.names.namespace, scratch: scratchNamespace(tenant.names.namespace), completedBackups: done.length };
        },
      },
      {
        name: "fingerprint-source",
        // Waiting behind a long transaction times out (lock_timeout): try again later rather than queue the tenant's writes.
        retry: { maxAttempts: 5, baseDelayMs: 10_000, maxDelayMs: 60_000 },
        async run(ctx) {
          const { tenant } = await renderStored(s, ctx.tenantName, (await s.store.tenants.require(ctx.tenantName)).spec);
          const fp = await requireProbe(probe).fingerprintAtPoint(tenant, ctx.signal);
          ctx.log(`source at ${fp.lsn}: ${String(Object.keys(fp.fingerprint.tables).length)} tables; writes waited ${String(fp.pausedMs)} ms`);
          return fp;
        },
      },
      {
        name: "archive",
        async run(ctx) {
          // A backup ends by switching and archiving the WAL segment: the position fingerprinted is in the archive after it.
          const { backup, result } = await takeFinalBackup(s, ctx.tenantName, ctx.workflowId, "verify");
          if (result.skipped !== undefined) throw new ConflictError(`the backup that archives the WAL up to the fingerprint cannot be taken (${result.skipped}); run \`landlord workflows resume ${ctx.workflowId}\` once CloudNativePG runs`);
          return { backup: backup.metadata.name, detail: result.detail };
        },
      },
      {
        name: "restore",
        async run(ctx) {
          const sc = await scratch(s, ctx);
          // A copy an earlier drill left (failed, kept for inspection) restored to another point: start afresh.
          ctx.log(await removeScratch(s, sc.bundle.placement.cluster, sc.bundle.namespace, ctx.tenantName, ctx.signal, ctx.workflowId));
          const result = await kubernetesDelivery(s, "a restore drill").cluster.apply(sc.bundle);
          ctx.log(result.detail);
          return { namespace: sc.bundle.namespace, cluster: sc.bundle.placement.cluster, targetLSN: source(ctx).lsn };
        },
      },
      {
        name: "wait-ready",
        async run(ctx) {
          const sc = await scratch(s, ctx);
          return s.delivery.waitReady(sc.bundle, ctx.signal);
        },
      },
      {
        name: "compare",
        async run(ctx): Promise<DrillResult> {
          const sc = await scratch(s, ctx);
          const from = source(ctx);
          const restored = await requireProbe(probe).fingerprint(sc.copy, ctx.signal);
          const differences = fingerprintDifferences(from.fingerprint, restored);
          if (differences.length > 0) {
            throw new Error(
              `the archive of ${ctx.tenantName} restored to ${from.lsn} does not hold the data the tenant held there: ${differences.join("; ")}. The tenant is untouched; the copy stays in namespace ${sc.bundle.namespace} on ${sc.bundle.placement.cluster} for inspection. Next: inspect it, then \`landlord backup verify ${ctx.tenantName}\` again (it replaces the copy)`,
            );
          }
          const tables = Object.values(restored.tables);
          return { verified: true, tables: tables.length, rows: tables.reduce((n, t) => n + t.rows, 0), lsn: from.lsn, pausedMs: from.pausedMs, differences };
        },
      },
      {
        name: "clean-up",
        async run(ctx) {
          const sc = await scratch(s, ctx);
          return { removed: await removeScratch(s, sc.bundle.placement.cluster, sc.bundle.namespace, ctx.tenantName, ctx.signal) };
        },
      },
    ],
  });
}
