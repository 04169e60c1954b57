import { LandlordError } from "../../errors.js";
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
  const open = ws.platform.config.clusters.filter((c) => c.apiServerCidrs.length === 0).map((c) => c.name);
  if (open.length > 0 && ws.platform.config.integrations.azure.backupStorageCidrs.length === 0) {
    io.stderr(
      `warning: database pods may reach any address on 443/6443 (clusters without apiServerCidrs: ${open.join(", ")}); set clusters[].apiServerCidrs and integrations.azure.backupStorageCidrs to fence them\n`,
    );
  }
  const n = ws.tenants.length;
  io.stdout(
    `${n} tenant${n === 1 ? "" : "s"} valid; ${objects} rendered objects checked against Kubernetes schemas${crds ? ` and ${crds.kinds().length} CRD versions` : " (custom resources not checked: pass --crds DIR or set LANDLORD_CRDS_DIR)"}\n`,
  );
}
