/** Steps shared by onboarding and updates. Each is idempotent: re-running converges. */
import { bundleHash } from "../../render/bundle.js";
import type { StepDefinition } from "../engine/index.js";
import type { TenantInput } from "./input.js";
import type { ImportBlock } from "../../render/terraform/imports.js";
import { ConflictError } from "../../errors.js";
import { hasWorkloadIdentities, type CloudOutputs } from "../../render/cloud.js";
import { cloudOutputsOf, cloudOutputsRepo } from "../../store/cloud-outputs-repo.js";
import { join } from "node:path";
import { credentialsFolder, issueApiToken } from "./credentials.js";
import { transition } from "./phases.js";
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

/** `imports`: existing cloud resources the tenant's module takes over (landlord adopt). */
export function cloudResourcesStep<I extends TenantInput>(s: TenantServices, imports: (input: I) => readonly ImportBlock[] = () => []): StepDefinition<I> {
  return {
    name: "cloud-resources",
    retry: { maxAttempts: 3, baseDelayMs: 5_000, maxDelayMs: 60_000 },
    async run(ctx) {
      const { bundle, tenant } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      const result = await s.terraform.apply(bundle.terraform.variables, ctx.signal, bundle.terraform.incarnation, imports(ctx.input));
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
export function requireCloudOutputs(s: TenantServices, tenant: string, cloud: CloudOutputs | undefined): void {
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

export function monitoringStep(s: TenantServices): Step {
  return {
    // prometheus-operator picks the tenant up from the delivered ServiceMonitor, PodMonitor,
    // PrometheusRule and AlertmanagerConfig; this step records what was registered. The
    // rules themselves are checked with promtool in the test suite, not on every onboarding.
    name: "monitoring",
    async run(ctx) {
      const { bundle, tenant } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      const kinds = ["ServiceMonitor", "PodMonitor", "PrometheusRule", "AlertmanagerConfig"];
      const missing = kinds.filter((k) => !bundle.objects.some((o) => o.kind === k));
      if (missing.length > 0) throw new Error(`bundle lacks monitoring objects: ${missing.join(", ")}`);
      const rule = bundle.objects.find((o) => o.kind === "PrometheusRule");
      const groups = ((rule?.spec as { groups?: { rules?: { alert?: string }[] }[] } | undefined)?.groups ?? []);
      const contacts = tenant.tenant.spec.contacts;
      return {
        alerts: groups.flatMap((g) => (g.rules ?? []).map((r) => r.alert ?? "")),
        alertRoute: { receiver: "tenant-contacts", email: contacts.email, webhook: contacts.alertWebhookSecretRef !== undefined },
      };
    },
  };
}

export function credentialsStep(s: TenantServices): Step {
  return {
    name: "credentials",
    async run(ctx) {
      const token = await issueApiToken(s.store, s.credentialsDir, ctx.tenantName, `onboard-${ctx.workflowId}`, ctx.now());
      let kubeconfig: Record<string, string> = { skipped: `${s.delivery.kind} delivery has no cluster connection; a tenant kubeconfig is issued with delivery.mode kubernetes` };
      if (s.delivery.issueTenantKubeconfig) {
        const file = join(credentialsFolder(s.credentialsDir, ctx.tenantName), "kubeconfig");
        const issued = await s.delivery.issueTenantKubeconfig(ctx.tenantName, file);
        kubeconfig = { file, expiresAt: issued.expiresAt };
      }
      return { apiToken: { id: token.id, file: token.file }, kubeconfig };
    },
  };
}

/** The last step of a tenant's first delivery: Ready, with the time it took in the audit log under `action`. */
export function liveStep<I extends TenantInput>(s: TenantServices, action: string, details: (input: I) => Record<string, string> = () => ({})): StepDefinition<I> {
  return {
    name: "done",
    async run(ctx) {
      await transition(s.store, ctx.tenantName, "onboarded", ctx.now());
      const wf = await s.store.workflows.require(ctx.workflowId);
      const timeToLiveMs = ctx.now().getTime() - wf.createdAt.getTime();
      const extra = details(ctx.input);
      await s.store.audit.append({ at: ctx.now(), actor: ctx.input.actor, action, tenantName: ctx.tenantName, details: { workflowId: ctx.workflowId, timeToLiveMs, ...extra } });
      return { phase: "Ready", timeToLiveMs, ...extra };
    },
  };
}
