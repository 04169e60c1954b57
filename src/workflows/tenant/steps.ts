/** Steps shared by onboarding and updates. Each is idempotent: re-running converges. */
import { bundleHash } from "../../render/bundle.js";
import type { StepDefinition } from "../engine/index.js";
import type { TenantInput } from "./input.js";
import { ConflictError } from "../../errors.js";
import { hasWorkloadIdentities, type CloudOutputs } from "../../render/cloud.js";
import { cloudOutputsOf, cloudOutputsRepo } from "../../store/cloud-outputs-repo.js";
import { renderStored, type TenantServices } from "./services.js";

type Step = StepDefinition<TenantInput>;

export function validateStep(s: TenantServices): Step {
  return {
    name: "validate",
    async run(ctx) {
      const { tenant } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      return { tier: tenant.tier.name, cluster: tenant.placement.cluster, namespace: tenant.names.namespace, version: tenant.version };
    },
  };
}

export function renderStep(s: TenantServices): Step {
  return {
    name: "render",
    async run(ctx) {
      const { bundle } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      return { objects: bundle.objects.length, hash: bundleHash(bundle) };
    },
  };
}

export function cloudResourcesStep(s: TenantServices): Step {
  return {
    name: "cloud-resources",
    retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
    async run(ctx) {
      const { bundle, tenant } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      const result = await s.terraform.apply(bundle.terraform.variables, ctx.signal, bundle.terraform.incarnation);
      if (result.skipped !== undefined) ctx.log(`skipped: ${result.skipped}`);
      // Kept with the tenant's incarnation: every later render (updates, reconcile, rollouts) needs them.
      if (result.outputs !== undefined) {
        await cloudOutputsRepo(s.store.db).record({ tenantName: ctx.tenantName, incarnation: tenant.incarnation, outputs: cloudOutputsOf(result.outputs), now: new Date() });
      }
      return result;
    },
  };
}

/**
 * With Terraform configured, the bundle needs what only Terraform knows (the workload
 * identities' client ids): delivering without it leaves External Secrets and backups without
 * credentials, so apply stops here and says what to do.
 */
function requireCloudOutputs(s: TenantServices, tenant: string, cloud: CloudOutputs | undefined): void {
  if (s.platform.config.integrations.terraform.backend === undefined) return;
  if (hasWorkloadIdentities(cloud)) return;
  throw new ConflictError(
    `tenant '${tenant}' has no cloud outputs recorded (app_identity_client_id, database_identity_client_id): integrations.terraform.backend is set, so its pods need the workload identities Terraform makes; make the cloud-resources step run (a terraform or tofu binary on PATH, Azure credentials; its log says why it did not), then run \`landlord onboard ${tenant}\` again (or \`landlord update ${tenant}\` for a tenant that was Ready): the workflow runs Terraform again before it delivers`,
  );
}

export function applyStep(s: TenantServices): Step {
  return {
    name: "apply",
    async run(ctx) {
      const { bundle, specYaml, wave, cloud } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      requireCloudOutputs(s, ctx.tenantName, cloud);
      const result = await s.delivery.apply(bundle, specYaml, wave);
      ctx.log(result.detail);
      return { delivery: s.delivery.kind, ...result };
    },
  };
}

export function waitReadyStep(s: TenantServices): Step {
  return {
    name: "wait-ready",
    async run(ctx) {
      const { bundle } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      const result = await s.delivery.waitReady(bundle, ctx.signal);
      if (result.skipped !== undefined) ctx.log(`skipped: ${result.skipped}`);
      for (const line of result.notWaited ?? []) ctx.log(line);
      return result;
    },
  };
}
