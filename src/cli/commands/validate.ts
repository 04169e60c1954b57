import { LandlordError } from "../../errors.js";
import { unreachableTenantReceivers } from "../../render/alertmanager.js";
import { renderBundle } from "../../render/bundle.js";
import { CrdValidator } from "../../validate/crd.js";
import { validateObjects } from "../../validate/objects.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../workspace.js";

export class RenderedObjectsInvalid extends LandlordError {
  override readonly name = "RenderedObjectsInvalid";
}

/** The CRD directory: --crds, else LANDLORD_CRDS_DIR; custom resources are skipped without one. */
export async function crdValidator(io: CliIo, dir: string | undefined): Promise<CrdValidator | undefined> {
  const path = dir ?? io.env.LANDLORD_CRDS_DIR;
  return path === undefined || path === "" ? undefined : CrdValidator.fromDirectory(path);
}

export async function validateCommand(io: CliIo, global: GlobalOptions, opts: { file?: string[]; crds?: string }): Promise<void> {
  const ws = await loadWorkspace(io, global, opts.file);
  const crds = await crdValidator(io, opts.crds);
  let objects = 0;
  const violations: string[] = [];
  for (const t of ws.tenants) {
    const bundle = renderBundle(ws.platform.config, t);
    objects += bundle.objects.length;
    for (const v of validateObjects(bundle.objects, crds)) violations.push(`${v.object}: ${v.message}`);
  }
  if (violations.length > 0) {
    // The specs were valid, so an invalid object is Landlord's own bug, not the user's.
    throw new RenderedObjectsInvalid(`rendered objects failed schema validation (a Landlord bug, please report):\n  ${violations.join("\n  ")}`);
  }
  // Database egress fails closed: without these ranges the database pods cannot reach out.
  const unfenced = ws.platform.config.clusters.filter((c) => c.apiServerCidrs.length === 0).map((c) => c.name);
  if (unfenced.length > 0) {
    io.stderr(`warning: database pods cannot reach the API server on clusters without apiServerCidrs (${unfenced.join(", ")}): no egress is opened until clusters[].apiServerCidrs is set\n`);
  }
  if (ws.platform.config.integrations.azure.backupStorageCidrs.length === 0) {
    io.stderr("warning: database backups cannot leave the cluster: set integrations.azure.backupStorageCidrs (the backup storage's private endpoint ranges) to open HTTPS to them\n");
  }
  const silent = unreachableTenantReceivers(ws.platform.config.integrations.monitoring.alertmanager, ws.tenants);
  if (silent.length > 0) {
    io.stderr(`warning: alerts of ${silent.join(", ")} reach no one (no alertWebhookSecretRef, and no integrations.monitoring.alertmanager.smtp for their contact email): only the platform receiver hears them\n`);
  }
  const n = ws.tenants.length;
  io.stdout(
    `${n} tenant${n === 1 ? "" : "s"} valid; ${objects} rendered objects checked against Kubernetes schemas${crds ? ` and ${crds.kinds().length} CRD versions` : " (custom resources not checked: pass --crds DIR or set LANDLORD_CRDS_DIR)"}\n`,
  );
}
