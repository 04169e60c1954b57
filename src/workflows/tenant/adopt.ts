/**
 * Adopting a hand-made deployment (docs/adr/0037): validate -> reserve -> render -> cloud
 * resources (existing ones imported, not recreated) -> provision beside the existing
 * namespace, the database copied in by CloudNativePG's import -> wait until ready ->
 * verify the copy against the source, row for row -> switch the hostnames over ->
 * monitoring -> credentials -> done. Until the switch nothing of the existing setup is
 * touched, so a refused or failed step leaves it serving; the switch itself keeps a copy
 * of every Ingress it removes in its output, the way back.
 */
import { fingerprintDifferences, type DatabaseProbe } from "../../delivery/kubernetes/database-probe.js";
import { fingerprintSource } from "../../delivery/kubernetes/database-probe-kube.js";
import { KubeApiError } from "../../delivery/kubernetes/errors.js";
import type { ClusterAccess } from "../../delivery/cluster-access.js";
import { ConflictError } from "../../errors.js";
import { IMPORT_PASSWORD_SECRET, withImport } from "../../render/kubernetes/adopt-import.js";
import { sleep } from "../../util/sleep.js";
import { defineWorkflow, type StepContext } from "../engine/index.js";
import { ADOPT_KIND, adoptInput, type AdoptInput } from "./adopt-input.js";
import { transition } from "./phases.js";
import { renderStored, type Rendered, type TenantServices } from "./services.js";
import { cloudResourcesStep, credentialsStep, liveStep, monitoringStep, renderStep, requireCloudOutputs, validateStep } from "./steps.js";

type Ctx = StepContext<AdoptInput>;

export const ADOPTED_LABEL = "landlord.dev/adopted-into";

function clusterOf(s: TenantServices): ClusterAccess {
  const access = s.delivery.cluster;
  if (!access) throw new ConflictError(`landlord adopt copies a running database and switches live traffic, so it needs delivery.mode kubernetes; ${s.delivery.kind} delivery cannot reach the existing setup`);
  return access;
}

/** The tenant's bundle while the database is copied in: import bootstrap, a path to the source, no Ingress yet. */
async function adopting(s: TenantServices, ctx: Ctx): Promise<Rendered> {
  const r = await renderStored(s, ctx.tenantName, ctx.input.spec);
  const db = ctx.input.source.database;
  const objects = withImport(r.tenant, r.bundle.objects, { namespace: ctx.input.source.namespace, host: db.host, port: db.port, database: db.database, user: db.user });
  return { ...r, bundle: { ...r.bundle, objects } };
}

/** Copies the source's password into the tenant's namespace for the import; the value passes through memory only. */
async function copyPassword(access: ClusterAccess, ctx: Ctx, namespace: string, cluster: string): Promise<void> {
  const { source } = ctx.input;
  const client = access.applierFor(cluster).client;
  const ref = source.database.passwordSecret;
  const secret = await client.send<{ data?: Record<string, string> }>({ method: "GET", path: `/api/v1/namespaces/${source.namespace}/secrets/${ref.name}` });
  const password = secret.data?.[ref.key];
  if (password === undefined) throw new ConflictError(`Secret ${source.namespace}/${ref.name} has no key ${ref.key}; nothing of ${source.namespace} was changed. Fix the Secret, then run \`landlord workflows resume ${ctx.workflowId}\``);
  await client.send({
    method: "PATCH",
    path: `/api/v1/namespaces/${namespace}/secrets/${IMPORT_PASSWORD_SECRET}`,
    query: { fieldManager: "landlord", force: "true" },
    contentType: "application/apply-patch+yaml",
    body: { apiVersion: "v1", kind: "Secret", metadata: { name: IMPORT_PASSWORD_SECRET, namespace, labels: { "app.kubernetes.io/managed-by": "landlord" } }, type: "Opaque", data: { password } },
  });
}

/** Deletes an object; one already gone is what a re-run of the step expects. */
async function deleteIfPresent(access: ClusterAccess, cluster: string, path: string): Promise<void> {
  try {
    await access.applierFor(cluster).client.send({ method: "DELETE", path });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.status === 404)) throw err;
  }
}

/** An Ingress as it can be applied again: without what the API server adds. */
function reapplicable(o: Record<string, unknown>): Record<string, unknown> {
  const metadata = (o.metadata ?? {}) as Record<string, unknown>;
  const { name, namespace, labels, annotations } = metadata;
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, namespace, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) }, spec: o.spec };
}

function hostsOf(ingress: Record<string, unknown>): string[] {
  const rules = ((ingress.spec ?? {}) as { rules?: { host?: string }[] }).rules ?? [];
  return rules.map((r) => r.host).filter((h): h is string => h !== undefined && h !== "");
}

function requireProbe(probe: DatabaseProbe | undefined, ctx: Ctx): DatabaseProbe {
  if (probe) return probe;
  throw new Error(`no database probe is configured, so the copy cannot be checked; nothing was switched. Configure one and run \`landlord workflows resume ${ctx.workflowId}\``);
}

export function adoptWorkflow(s: TenantServices, probe?: DatabaseProbe) {
  return defineWorkflow<AdoptInput>({
    kind: ADOPT_KIND,
    parseInput: (raw) => adoptInput.parse(raw),
    steps: [
      {
        name: "validate",
        async run(ctx) {
          clusterOf(s);
          const out = await validateStep(s).run(ctx);
          const { tenant } = await renderStored(s, ctx.tenantName, ctx.input.spec);
          const { source } = ctx.input;
          if (source.namespace === tenant.names.namespace && source.cluster === tenant.placement.cluster) {
            throw new ConflictError(`${source.namespace} is the namespace Landlord gives tenant ${ctx.tenantName}; adoption builds the tenant beside the existing setup, so pick another tenant name (landlord adopt ${source.namespace} --name OTHER)`);
          }
          if (source.cluster !== tenant.placement.cluster) {
            throw new ConflictError(`the spec places ${ctx.tenantName} on ${tenant.placement.cluster} while the existing setup runs on ${source.cluster}: adopt it on its own cluster first (spec.placement.cluster: ${source.cluster}), then move it with landlord update`);
          }
          return out;
        },
      },
      {
        name: "reserve",
        async run(ctx) {
          const record = await transition(s.store, ctx.tenantName, "start-onboard", ctx.now());
          return { generation: record.generation, domains: record.domains, adoptingFrom: `${ctx.input.source.cluster}/${ctx.input.source.namespace}` };
        },
      },
      renderStep(s),
      cloudResourcesStep<AdoptInput>(s, (input) => input.imports),
      {
        name: "provision",
        async run(ctx) {
          const access = clusterOf(s);
          const { bundle, specYaml, wave, cloud } = await adopting(s, ctx);
          requireCloudOutputs(s, ctx.tenantName, cloud);
          const result = await s.delivery.apply(bundle, specYaml, wave);
          await copyPassword(access, ctx, bundle.namespace, bundle.placement.cluster);
          ctx.log(`${result.detail}; the database is copied from ${ctx.input.source.database.host}, the hostnames still reach ${ctx.input.source.namespace}`);
          return { delivery: s.delivery.kind, ...result, importFrom: `${ctx.input.source.database.host}:${String(ctx.input.source.database.port)}/${ctx.input.source.database.database}` };
        },
      },
      {
        name: "wait-ready",
        async run(ctx) {
          const { bundle } = await adopting(s, ctx);
          const result = await s.delivery.waitReady(bundle, ctx.signal);
          for (const line of result.notWaited ?? []) ctx.log(line);
          return result;
        },
      },
      {
        name: "verify",
        async run(ctx) {
          const access = clusterOf(s);
          const { tenant } = await renderStored(s, ctx.tenantName, ctx.input.spec);
          const settings = { timeoutSeconds: s.platform.config.delivery.kubernetes.readyTimeoutSeconds };
          const { source } = ctx.input;
          const before = await fingerprintSource(access.applierFor(source.cluster), { ...source.database, cluster: source.cluster, namespace: source.namespace }, tenant.effective.database.imageName, settings, ctx.signal);
          const copy = await requireProbe(probe, ctx).fingerprint(tenant, ctx.signal);
          const differences = fingerprintDifferences(before, copy);
          if (differences.length > 0) {
            throw new ConflictError(
              `the copy in ${tenant.names.namespace} does not match ${source.namespace}'s database now: ${differences.join("; ")}. Nothing was switched: ${source.namespace} still serves ${ctx.tenantName}'s hostnames. Writes after the copy are the usual cause: stop the app's writes (a maintenance window), delete the copy (kubectl --context ${source.cluster} -n ${tenant.names.namespace} delete cluster db), then run \`landlord adopt ${source.namespace} --name ${ctx.tenantName} ...\` again: it copies anew and checks again. Or \`landlord offboard ${ctx.tenantName}\` to stay as you are`,
            );
          }
          return { tables: Object.keys(copy.tables).length, rows: Object.values(copy.tables).reduce((n, t) => n + t.rows, 0), verified: true };
        },
      },
      {
        name: "switch",
        async run(ctx) {
          const access = clusterOf(s);
          const { bundle, specYaml, wave } = await renderStored(s, ctx.tenantName, ctx.input.spec);
          const { source } = ctx.input;
          const cluster = bundle.placement.cluster;
          // The tenant's own Ingress first: for a moment both serve the hostnames, never neither.
          const applied = await s.delivery.apply(bundle, specYaml, wave);
          await deleteIfPresent(access, cluster, `/api/v1/namespaces/${bundle.namespace}/secrets/${IMPORT_PASSWORD_SECRET}`);
          const ready = await s.delivery.waitReady(bundle, ctx.signal);
          await sleep(ctx.input.switchSettleSeconds * 1000, ctx.signal);
          const client = access.applierFor(cluster).client;
          const removed: Record<string, unknown>[] = [];
          const served = new Set(bundle.objects.filter((o) => o.kind === "Ingress").flatMap((o) => hostsOf(o as unknown as Record<string, unknown>)));
          const kept: string[] = [];
          for (const name of source.ingresses) {
            const path = `/apis/networking.k8s.io/v1/namespaces/${source.namespace}/ingresses/${name}`;
            let live: Record<string, unknown>;
            try {
              live = await client.send<Record<string, unknown>>({ method: "GET", path });
            } catch (err) {
              if (err instanceof KubeApiError && err.status === 404) continue;
              throw err;
            }
            // A custom domain is served only once proven (docs/adr/0017): its old route stays until then.
            const unserved = hostsOf(live).filter((h) => !served.has(h));
            if (unserved.length > 0) {
              kept.push(`${name} (${unserved.join(", ")} not served by ${bundle.namespace} yet: prove them with landlord domains ${ctx.tenantName}, then delete it)`);
              continue;
            }
            removed.push(reapplicable(live));
            await deleteIfPresent(access, cluster, path);
          }
          for (const k of kept) ctx.log(`kept Ingress ${k}`);
          // Field ownership of the mark is Landlord's: audit and a later cleanup find the old namespace by it.
          await client.send({
            method: "PATCH",
            path: `/api/v1/namespaces/${source.namespace}`,
            query: { fieldManager: "landlord-adopt", force: "true" },
            contentType: "application/apply-patch+yaml",
            body: { apiVersion: "v1", kind: "Namespace", metadata: { name: source.namespace, labels: { [ADOPTED_LABEL]: bundle.namespace } } },
          });
          ctx.log(`${bundle.namespace} serves ${bundle.objects.filter((o) => o.kind === "Ingress").length} Ingress; removed from ${source.namespace}: ${removed.map((r) => String((r.metadata as { name?: string }).name)).join(", ") || "none"}`);
          return {
            ...applied,
            ready: ready.skipped === undefined,
            removedIngresses: removed,
            keptIngresses: kept,
            wayBack: `kubectl --context ${cluster} apply -f <(landlord workflows describe ${ctx.workflowId} -o json | jq '.steps[] | select(.name=="switch") | .output.removedIngresses | {apiVersion: "v1", kind: "List", items: .}')`,
          };
        },
      },
      monitoringStep(s),
      credentialsStep(s),
      liveStep<AdoptInput>(s, "tenant.adopted", (input) => ({ adoptedFrom: `${input.source.cluster}/${input.source.namespace}` })),
    ],
  });
}
