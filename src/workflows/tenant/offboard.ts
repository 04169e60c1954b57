/**
 * Offboarding: a final database backup is requested, the tenant's objects go, its cloud
 * resources are retired (everything but the data destroyed; purge.ts destroys the rest when
 * the retention window ends, or at once when forced), its credentials revoked, and its name
 * and domains released. The audit record stays.
 */
import { InputError } from "../../errors.js";
import { defineWorkflow } from "../engine/index.js";
import { removeCredentials } from "./credentials.js";
import { takeFinalBackup } from "./final-backup.js";
import { offboardInput } from "./input.js";
import { removeCopies } from "./scratch.js";
import { renderStored, type Rendered, type TenantServices } from "./services.js";
import { cloudRetentionRepo } from "../../store/cloud-retention-repo.js";

/**
 * The stored spec may no longer validate (landlord.yaml changed since): offboarding must
 * still go through, so steps that can do without the rendered bundle do.
 */
async function renderedOrUndefined(s: TenantServices, name: string, spec: unknown): Promise<Rendered | undefined> {
  try {
    return await renderStored(s, name, spec);
  } catch (err) {
    if (err instanceof InputError) return undefined;
    throw err;
  }
}

const DAY_MS = 86_400_000;

export function offboardWorkflow(s: TenantServices) {
  return defineWorkflow({
    kind: "offboard",
    parseInput: (raw) => offboardInput.parse(raw),
    steps: [
      {
        name: "final-backup",
        async run(ctx) {
          // An earlier offboarding committed final Backups the operator has since checked by hand:
          // those are the final backup, and a new one would need the same check again.
          if (ctx.input.confirmedBackups.length > 0) {
            ctx.log(`final backup confirmed by ${ctx.input.actor}: ${ctx.input.confirmedBackups.join(", ")}`);
            return { confirmed: ctx.input.confirmedBackups, completion: "confirmed by the operator" };
          }
          const { backup, result, completion } = await takeFinalBackup(s, ctx.tenantName, ctx.workflowId, "final");
          if (result.skipped !== undefined) {
            // Deleting the namespace deletes the database volumes: without a backup that is data loss.
            if (!ctx.input.force) {
              throw new Error(
                `the final backup cannot be taken (${result.skipped}); nothing was deleted. Start CloudNativePG and run \`landlord workflows resume ${ctx.workflowId}\`, or cancel this workflow and offboard with --force to delete without a backup`,
              );
            }
            ctx.log(`no final backup (--force): ${result.skipped}`);
            return { requested: backup.metadata.name, ...result, completion: "skipped (--force)" };
          }
          return { requested: backup.metadata.name, ...result, completion };
        },
      },
      {
        name: "delete",
        async run(ctx) {
          const result = await s.delivery.remove(ctx.tenantName, { confirmedBackups: ctx.input.confirmedBackups });
          ctx.log(result.detail);
          const placement = (await s.store.tenants.require(ctx.tenantName)).placement;
          const copies = placement ? await removeCopies(s, placement.cluster, ctx.tenantName, ctx.signal) : [];
          for (const line of copies) ctx.log(line);
          return { ...result, ...(copies.length > 0 ? { copies } : {}) };
        },
      },
      {
        name: "wait-gone",
        async run(ctx) {
          if (!s.delivery.waitGone) return { skipped: `${s.delivery.kind} delivery: namespace deletion is not observable without a cluster` };
          const result = await s.delivery.waitGone(ctx.tenantName, ctx.signal);
          return { gone: result.ready };
        },
      },
      {
        // Named for what it did before retirement existed: in-flight offboardings resume by step name.
        name: "cloud-destroy",
        retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
        async run(ctx) {
          const rendered = await renderedOrUndefined(s, ctx.tenantName, ctx.input.spec);
          if (!rendered) return { skipped: "the stored spec no longer validates against landlord.yaml; run terraform destroy in the tenant's workspace by hand" };
          const { variables, incarnation } = rendered.bundle.terraform;
          if (ctx.input.force || ctx.input.retentionDays <= 0) return s.terraform.destroy(variables, ctx.signal, incarnation);
          // The backups live in the tenant's storage account and must outlive the tenant; what
          // grants access, serves or costs compute goes now (module README, Lifecycle).
          const retained = { ...variables, retained: true };
          const purgeAfter = new Date(ctx.now().getTime() + ctx.input.retentionDays * DAY_MS);
          const result = await s.terraform.apply(retained, ctx.signal, incarnation);
          if (result.skipped !== undefined) return { skipped: result.skipped, kept: "nothing was created by Terraform for this tenant, so nothing is kept or purged" };
          await cloudRetentionRepo(s.store.db).retain({ tenantName: ctx.tenantName, incarnation: rendered.tenant.incarnation, variables: retained, purgeAfter, now: ctx.now() });
          return {
            workspace: result.workspace,
            log: result.log,
            kept: `Key Vault ${variables.key_vault_name} and backup storage ${variables.storage_account_name} in ${variables.resource_group_name}; federation, compute, DNS and ingress address destroyed`,
            purgeAfter: purgeAfter.toISOString(),
          };
        },
      },
      {
        name: "revoke-credentials",
        async run(ctx) {
          const revoked = await s.store.tokens.revokeAll(ctx.tenantName, ctx.now());
          await removeCredentials(s.credentialsDir, ctx.tenantName);
          return { revokedTokens: revoked };
        },
      },
      {
        name: "release",
        async run(ctx) {
          const now = ctx.now();
          const retainUntil = new Date(now.getTime() + (ctx.input.force ? 0 : ctx.input.retentionDays) * DAY_MS);
          await s.store.tenants.release(ctx.tenantName, { now, retainUntil });
          await s.store.audit.append({
            at: now,
            actor: ctx.input.actor,
            action: "tenant.offboarded",
            tenantName: ctx.tenantName,
            details: { workflowId: ctx.workflowId, force: ctx.input.force, dataRetainedUntil: retainUntil.toISOString() },
          });
          return { retainUntil: retainUntil.toISOString() };
        },
      },
    ],
  });
}
