/**
 * Offboarding: a final database backup is requested, the tenant's objects go, its cloud
 * resources are destroyed, its credentials revoked, and its name and domains released.
 * The audit record stays; backups are kept until the retention window ends (unless forced).
 */
import { InputError } from "../../errors.js";
import { defineWorkflow } from "../engine/index.js";
import { removeCredentials } from "./credentials.js";
import { takeFinalBackup } from "./final-backup.js";
import { offboardInput } from "./input.js";
import { renderStored, type Rendered, type TenantServices } from "./services.js";

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
          return result;
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
        name: "cloud-destroy",
        retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
        async run(ctx) {
          // The backups live in the tenant's storage account: destroying it now would break
          // the retention promise. Only a forced offboarding destroys at once.
          if (!ctx.input.force && ctx.input.retentionDays > 0) {
            const until = new Date(ctx.now().getTime() + ctx.input.retentionDays * DAY_MS).toISOString();
            return {
              kept: `backup storage and Key Vault kept until ${until} (retention); nothing destroys them automatically yet: run terraform destroy in the tenant's workspace after that date`,
            };
          }
          const rendered = await renderedOrUndefined(s, ctx.tenantName, ctx.input.spec);
          if (!rendered) return { skipped: "the stored spec no longer validates against landlord.yaml; run terraform destroy in the tenant's workspace by hand" };
          return s.terraform.destroy(rendered.bundle.terraform.variables, ctx.signal, rendered.bundle.terraform.incarnation);
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
