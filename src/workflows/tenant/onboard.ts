/**
 * Onboarding: validate -> reserve -> render -> cloud resources -> apply -> wait until
 * ready -> monitoring and alert route -> credentials -> done. The name and domains are
 * reserved when the workflow is submitted (submit.ts); the reserve step confirms it.
 */
import { defineWorkflow } from "../engine/index.js";
import { join } from "node:path";
import { credentialsFolder, issueApiToken } from "./credentials.js";
import { tenantInput } from "./input.js";
import { transition } from "./phases.js";
import { renderStored, type TenantServices } from "./services.js";
import { applyStep, cloudResourcesStep, renderStep, validateStep, waitReadyStep } from "./steps.js";

export function onboardWorkflow(s: TenantServices) {
  return defineWorkflow({
    kind: "onboard",
    parseInput: (raw) => tenantInput.parse(raw),
    steps: [
      validateStep(s),
      {
        name: "reserve",
        async run(ctx) {
          const record = await transition(s.store, ctx.tenantName, "start-onboard", ctx.now());
          return { generation: record.generation, domains: record.domains };
        },
      },
      renderStep(s),
      cloudResourcesStep(s),
      applyStep(s),
      waitReadyStep(s),
      {
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
      },
      {
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
      },
      {
        name: "done",
        async run(ctx) {
          await transition(s.store, ctx.tenantName, "onboarded", ctx.now());
          const wf = await s.store.workflows.require(ctx.workflowId);
          const timeToLiveMs = ctx.now().getTime() - wf.createdAt.getTime();
          await s.store.audit.append({ at: ctx.now(), actor: ctx.input.actor, action: "tenant.onboarded", tenantName: ctx.tenantName, details: { workflowId: ctx.workflowId, timeToLiveMs } });
          return { phase: "Ready", timeToLiveMs };
        },
      },
    ],
  });
}
