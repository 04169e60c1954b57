import { againstStored, storedClaims } from "../stored-claims.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import { LandlordError } from "../../errors.js";
import { unreachableTenantReceivers } from "../../render/alertmanager.js";
import { renderBundle } from "../../render/bundle.js";
import { bundleFor } from "../../io/package/render-package.js";
import { FleetCheck } from "../../spec/fleet.js";
import type { CrdValidator } from "../../validate/crd.js";
import { validateObjects } from "../../validate/objects.js";
import type { CliIo } from "../io.js";
import { unreachableByNotices } from "../../notices/queue.js";
import { loadPlatformFile, readTenantFiles, type GlobalOptions } from "../../app/load-files.js";

export class RenderedObjectsInvalid extends LandlordError {
  override readonly name = "RenderedObjectsInvalid";
}

/**
 * The CRD directory: --crds, else LANDLORD_CRDS_DIR; custom resources are skipped without
 * one (and the schema compiler behind them is then never loaded).
 */
export async function crdValidator(io: CliIo, dir: string | undefined): Promise<CrdValidator | undefined> {
  const path = dir ?? io.env.LANDLORD_CRDS_DIR;
  if (path === undefined || path === "") return undefined;
  const { CrdValidator } = await import("../../validate/crd.js");
  return CrdValidator.fromDirectory(path);
}

export async function validateCommand(io: CliIo, global: GlobalOptions, opts: { file?: string[]; crds?: string }): Promise<void> {
  const platform = await loadPlatformFile(io, global);
  // Checked file by file and rendered one tenant at a time: memory stays flat with the fleet.
  const fleet = new FleetCheck(platform);
  for await (const raw of readTenantFiles(io, global, opts.file)) fleet.add(raw);
  fleet.check(againstStored(await storedClaims(io, global, platform)));
  const crds = await crdValidator(io, opts.crds);
  const config = platform.config;
  let objects = 0;
  const violations: string[] = [];
  const silent: string[] = [];
  for (const t of fleet.tenants()) {
    const bundle = config.app ? await bundleFor(platform, t) : renderBundle(config, t);
    objects += bundle.objects.length;
    for (const v of validateObjects(bundle.objects, crds)) violations.push(`${v.object}: ${v.message}`);
    silent.push(...unreachableTenantReceivers(config.integrations.monitoring.alertmanager, [t]));
  }
  if (violations.length > 0) {
    // The specs were valid, so an invalid object is Landlord's own bug, not the user's.
    throw new RenderedObjectsInvalid(`rendered objects failed schema validation (a Landlord bug, please report):\n  ${violations.join("\n  ")}`);
  }
  // Database egress fails closed: without these ranges the database pods cannot reach out.
  const unfenced = config.clusters.filter((c) => c.apiServerCidrs.length === 0).map((c) => c.name);
  if (unfenced.length > 0) {
    io.stderr(`warning: database pods cannot reach the API server on clusters without apiServerCidrs (${unfenced.join(", ")}): no egress is opened until clusters[].apiServerCidrs is set\n`);
  }
  if (config.integrations.azure.backupStorageCidrs.length === 0) {
    io.stderr("warning: database backups cannot leave the cluster: set integrations.azure.backupStorageCidrs (the backup storage's private endpoint ranges) to open HTTPS to them\n");
  }
  const emulatorSecret = config.integrations.azure.backupConnectionStringSecret;
  if (emulatorSecret !== undefined) {
    io.stderr(`warning: database backups authenticate with the connection string in each tenant namespace's Secret '${emulatorSecret}' (integrations.azure.backupConnectionStringSecret), not the workload identity: meant for a storage emulator; remove it for Azure\n`);
  } else if (config.integrations.azure.entraIdCidrs.length === 0) {
    io.stderr("warning: database pods cannot sign in to Azure (workload identity): set integrations.azure.entraIdCidrs (the AzureActiveDirectory service tag's ranges, `az network list-service-tags`, or your egress firewall's address) so backups and WAL archiving can authenticate\n");
  }
  for (const w of privateNetworkWarnings(config, [...fleet.tenants()].some((t) => t.tier.tier.isolation === "cluster"))) io.stderr(`warning: ${w}\n`);
  const untold = unreachableByNotices(config.notices, [...fleet.tenants()].map((t) => t.tenant));
  if (untold.length > 0) {
    io.stderr(
      `warning: ${untold.length === fleet.size ? "no tenant can" : `${untold.join(", ")} cannot`} be told of rollouts, maintenance or incidents: set notices.smtp (email to each tenant's contact) or notices.secretsDir with tenants' spec.contacts.slackWebhookSecretRef, or notices.enabled: false to say nobody is told\n`,
    );
  }
  if (silent.length > 0) {
    io.stderr(`warning: alerts of ${silent.sort().join(", ")} reach no one (no alertWebhookSecretRef, and no integrations.monitoring.alertmanager.smtp for their contact email): only the platform receiver hears them\n`);
  }
  const n = fleet.size;
  io.stdout(
    `${n} tenant${n === 1 ? "" : "s"} valid; ${objects} rendered objects checked against Kubernetes schemas${crds ? ` and ${crds.kinds().length} CRD versions` : " (custom resources not checked: pass --crds DIR or set LANDLORD_CRDS_DIR)"}\n`,
  );
}

/**
 * What terraform plan would refuse about the private posture (the customer-instance module's
 * preconditions), said at validate time while it is one landlord.yaml edit away.
 */
function privateNetworkWarnings(config: PlatformConfig, hasClusterTenants: boolean): string[] {
  const posture = config.integrations.cloudPosture;
  if (config.integrations.terraform.backend === undefined || posture.publicNetworkAccess) return [];
  const out: string[] = [];
  const from = "(terraform/platform outputs it)";
  if (posture.privateEndpointSubnetId === undefined) out.push(`public network access is off but integrations.cloudPosture.privateEndpointSubnetId is unset: terraform plan refuses every tenant; set it ${from}`);
  else if (posture.privateDnsZoneIds.keyVault === undefined || posture.privateDnsZoneIds.blob === undefined) out.push(`integrations.cloudPosture.privateDnsZoneIds needs keyVault and blob with private endpoints: without the zones the names resolve to public addresses the pods are refused at; set them ${from}`);
  if (hasClusterTenants && posture.dedicatedClusterSubnetId === undefined) out.push(`tenants on dedicated clusters cannot reach their private endpoints: set integrations.cloudPosture.dedicatedClusterSubnetId ${from}, or terraform plan refuses them`);
  return out;
}
