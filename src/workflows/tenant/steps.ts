/** Steps shared by onboarding and updates. Each is idempotent: re-running converges. */
import { bundleHash } from "../../render/bundle.js";
import type { StepDefinition } from "../engine/index.js";
import type { TenantInput } from "./input.js";
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
      const { bundle } = await renderStored(s, ctx.tenantName, ctx.input.spec);
      const result = await s.terraform.apply(bundle.terraform.variables, ctx.signal, bundle.terraform.incarnation);
      if (result.skipped !== undefined) ctx.log(`skipped: ${result.skipped}`);
      return result;
    },
  };
}

export function applyStep(s: TenantServices): Step {
  return {
    name: "apply",
    async run(ctx) {
      const { bundle, specYaml, wave } = await renderStored(s, ctx.tenantName, ctx.input.spec);
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
