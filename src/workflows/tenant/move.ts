/**
 * Moving a tenant to another cluster without losing its data (a tier change from a shared
 * cluster's node pool to a dedicated cluster, docs/adr/0020): final backup on the source,
 * fingerprint of the source's data, restore on the target from that backup, wait, verify
 * the fingerprint on the target, cut DNS over, remove the old instance, last. The store
 * keeps the source as the tenant's placement until cut-over; the source serves throughout,
 * so the target archives into a folder of its own, recorded with the placement at cut-over
 * (docs/adr/0024). Every step converges when run again: the Backup is named after the workflow, the
 * fingerprint is kept in the step's output, the placement write and DNS apply are
 * idempotent, and removing a namespace already gone is a no-op.
 */
import { bundleHash } from "../../render/bundle.js";
import { backupArchive, type BackupArchive } from "../../render/kubernetes/database.js";
import { placementRecordOf } from "../../spec/placement-record.js";
import { fingerprintDifferences, type DatabaseProbe, type Fingerprint } from "../../delivery/kubernetes/database-probe.js";
import { defineWorkflow, type StepContext } from "../engine/index.js";
import { takeFinalBackup } from "./final-backup.js";
import { MOVE_KIND, moveInput, type MoveInput } from "./move-input.js";
import { recoveredBundle, sourceArchive, sourceTenant, targetServerName } from "./move-render.js";
import { removeOldNamespace } from "./move-source.js";
import { transition } from "./phases.js";
import { renderStored, type Rendered, type TenantServices } from "./services.js";

type Ctx = StepContext<MoveInput>;

const NO_CLUSTER = "directory delivery writes files only: the backup, the data fingerprints and removing the old instance need a cluster (delivery.mode: kubernetes)";


/** The tenant at the target, archiving into its own folder; cut-over records that folder with the placement. */
async function target(s: TenantServices, ctx: Ctx): Promise<Rendered & { restored: Rendered["bundle"]; source: BackupArchive }> {
  const r = await renderStored(s, ctx.tenantName, ctx.input.spec, { backupServerName: targetServerName(ctx.workflowId) });
  const record = await s.store.tenants.require(ctx.tenantName);
  const source = sourceArchive(s, ctx.input, record.incarnation);
  return { ...r, source, restored: recoveredBundle(r.bundle, source) };
}

function requireProbe(probe: DatabaseProbe | undefined, ctx: Ctx): DatabaseProbe {
  if (probe) return probe;
  throw new Error(`no database probe is configured, so the data cannot be checked on arrival; nothing was cut over. Configure one and run \`landlord workflows resume ${ctx.workflowId}\``);
}

export function moveWorkflow(s: TenantServices, probe?: DatabaseProbe) {
  const from = (ctx: Ctx) => ctx.input.from.placement.cluster;
  return defineWorkflow({
    kind: MOVE_KIND,
    parseInput: (raw) => moveInput.parse(raw),
    steps: [
      {
        name: "validate",
        async run(ctx) {
          const { tenant } = await target(s, ctx);
          if (tenant.placement.cluster === from(ctx)) throw new Error(`the spec places ${ctx.tenantName} on ${from(ctx)}, where it already runs: nothing to move; run \`landlord update ${ctx.tenantName}\``);
          return { tier: tenant.tier.name, from: from(ctx), to: tenant.placement.cluster, namespace: tenant.names.namespace };
        },
      },
      {
        name: "render",
        async run(ctx) {
          const { bundle, restored, tenant, source } = await target(s, ctx);
          // The plain bundle's hash, as updates record it: after the move, `update` compares with it.
          return {
            objects: restored.objects.length,
            hash: bundleHash(bundle),
            restoredHash: bundleHash(restored),
            archive: { destinationPath: source.destinationPath, restoresFrom: source.serverName, archivesTo: backupArchive(s.platform.config, tenant).serverName },
          };
        },
      },
      {
        name: "final-backup",
        async run(ctx) {
          const { backup, result, completion } = await takeFinalBackup(s, ctx.tenantName, ctx.workflowId, "move");
          if (result.skipped !== undefined) {
            throw new Error(
              `the backup the move restores from cannot be taken on ${from(ctx)} (${result.skipped}); nothing was changed and ${from(ctx)} still serves ${ctx.tenantName}. Start CloudNativePG there and run \`landlord workflows resume ${ctx.workflowId}\`, or \`landlord workflows cancel ${ctx.workflowId}\` to stay where it is`,
            );
          }
          if (!s.delivery.usesCluster) ctx.log(`not taken: ${NO_CLUSTER}`);
          return { backup: backup.metadata.name, cluster: from(ctx), ...result, completion };
        },
      },
      {
        name: "fingerprint-source",
        async run(ctx) {
          if (!s.delivery.usesCluster) return { skipped: NO_CLUSTER };
          const record = await s.store.tenants.require(ctx.tenantName);
          const fp = await requireProbe(probe, ctx).fingerprint(sourceTenant(s, ctx.input, record.incarnation), ctx.signal);
          return { cluster: from(ctx), fingerprint: fp };
        },
      },
      {
        name: "restore",
        async run(ctx) {
          const { restored, specYaml, wave } = await target(s, ctx);
          const result = await s.delivery.apply(restored, specYaml, wave);
          ctx.log(result.detail);
          return { delivery: s.delivery.kind, cluster: restored.placement.cluster, ...result, ...(s.delivery.usesCluster ? {} : { note: NO_CLUSTER }) };
        },
      },
      {
        name: "wait-ready",
        async run(ctx) {
          const { restored } = await target(s, ctx);
          const result = await s.delivery.waitReady(restored, ctx.signal);
          if (result.skipped !== undefined) ctx.log(`skipped: ${result.skipped}`);
          for (const line of result.notWaited ?? []) ctx.log(line);
          return result;
        },
      },
      {
        name: "verify",
        async run(ctx) {
          if (!s.delivery.usesCluster) return { skipped: NO_CLUSTER };
          const { tenant } = await target(s, ctx);
          const source = (ctx.outputs["fingerprint-source"] as { fingerprint?: Fingerprint } | undefined)?.fingerprint;
          if (!source) throw new Error(`step fingerprint-source recorded no fingerprint; run \`landlord workflows describe ${ctx.workflowId}\``);
          const arrived = await requireProbe(probe, ctx).fingerprint(tenant, ctx.signal);
          const differences = fingerprintDifferences(source, arrived);
          if (differences.length > 0) {
            throw new Error(
              `the data restored on ${tenant.placement.cluster} does not match ${from(ctx)}'s at the backup: ${differences.join("; ")}. Nothing was cut over: ${from(ctx)} still serves ${ctx.tenantName} and its data is untouched; the restored copy stays in ${tenant.names.namespace} on ${tenant.placement.cluster} for inspection. Next: \`kubectl --context ${tenant.placement.cluster} delete namespace ${tenant.names.namespace}\`, then \`landlord update ${ctx.tenantName}\` to move again from a new backup`,
            );
          }
          return { cluster: tenant.placement.cluster, tables: Object.keys(arrived.tables).length, rows: Object.values(arrived.tables).reduce((n, t) => n + t.rows, 0), verified: true };
        },
      },
      {
        name: "cut-over",
        retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
        async run(ctx) {
          const { bundle, tenant } = await target(s, ctx);
          // DNS records follow the placement: the Terraform inputs rendered at the target point them there.
          const dns = await s.terraform.apply(bundle.terraform.variables, ctx.signal, bundle.terraform.incarnation);
          if (dns.skipped !== undefined) ctx.log(`DNS not changed: ${dns.skipped}`);
          // From here the store says where the tenant serves: the target.
          await s.store.tenants.setPlacement(ctx.tenantName, placementRecordOf(tenant), ctx.now());
          return { placement: tenant.placement.cluster, dns };
        },
      },
      {
        name: "remove-source",
        async run(ctx) {
          const access = s.delivery.cluster;
          if (!access) return { skipped: NO_CLUSTER };
          const namespace = `${s.platform.config.platform.namespacePrefix}${ctx.tenantName}`;
          return removeOldNamespace(access, from(ctx), namespace, ctx.tenantName, ctx.signal);
        },
      },
      {
        name: "done",
        async run(ctx) {
          await transition(s.store, ctx.tenantName, "moved", ctx.now());
          await s.store.audit.append({ at: ctx.now(), actor: ctx.input.actor, action: "tenant.moved", tenantName: ctx.tenantName, details: { workflowId: ctx.workflowId, from: from(ctx) } });
          return { phase: "Ready" };
        },
      },
    ],
  });
}
