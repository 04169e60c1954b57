/**
 * Where a tenant's database archives: the Barman Cloud plugin's ObjectStore, valid against
 * the plugin's real CRD, pointed at the tenant's storage account in Azure's public cloud or
 * at the endpoint landlord.yaml names (another cloud, an emulator on a dev cluster), with
 * the port the database pods' egress must open.
 */
import { describe, expect, test } from "vitest";
import { renderBundle } from "../../src/render/bundle.js";
import type { KubeObject } from "../../src/render/object.js";
import { validateObjects } from "../../src/validate/objects.js";
import { fleet, fleetProblems, platform, sharedCrds, tenantFile } from "../support/fixtures.js";
import { platformWith } from "../support/platform-variants.js";
import { parseDocument } from "yaml";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";

function objectsOf(text: string, overrides?: Record<string, unknown>): readonly KubeObject[] {
  const ctx = platform(text);
  const [t] = fleet(ctx, [tenantFile("acme", overrides ? { overrides } : {})]);
  if (!t) throw new Error("fixture did not resolve");
  return renderBundle(ctx.config, t).objects;
}

function store(objects: readonly KubeObject[]): { configuration: Record<string, unknown>; retentionPolicy: string; instanceSidecarConfiguration: { resources: unknown } } {
  const o = objects.find((x) => x.kind === "ObjectStore");
  if (!o) throw new Error("no ObjectStore rendered");
  return o.spec as never;
}

function egressPorts(objects: readonly KubeObject[]): number[] {
  const np = objects.find((x) => x.kind === "NetworkPolicy" && x.metadata.name === "allow-database-https-egress");
  const rules = (np?.spec as { egress: { ports: { port: number }[] }[] } | undefined)?.egress ?? [];
  return rules.flatMap((r) => r.ports.map((p) => p.port));
}

/** The init template with the edits a dev cluster's landlord.yaml makes for an emulator. */
function emulatorText(): string {
  const doc = parseDocument(PLATFORM_TEMPLATE);
  doc.setIn(["integrations", "azure", "blobEndpoint"], "http://10.250.0.253:10000/dev/{account}");
  doc.setIn(["integrations", "azure", "backupConnectionStringSecret"], "backup-storage");
  doc.setIn(["integrations", "azure", "backupStorageCidrs"], ["10.250.0.253/32"]);
  return doc.toString();
}

describe("the tenant's ObjectStore", () => {
  test("archives to its storage account in Azure's public cloud with the workload identity, with the tier's retention and the sidecar's resources", async () => {
    const objects = objectsOf(platformWith(["integrations", "azure", "backupStorageCidrs"], ["10.20.0.0/27"]));
    const spec = store(objects);
    expect(spec.configuration).toMatchObject({ destinationPath: expect.stringMatching(/^https:\/\/llbkacme[a-z0-9]+\.blob\.core\.windows\.net\/cnpg-backups$/) as unknown, azureCredentials: { inheritFromAzureAD: true } });
    expect(spec.retentionPolicy).toBe("7d");
    expect(spec.instanceSidecarConfiguration.resources).toEqual({ requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    expect(egressPorts(objects)).toEqual([443, 6443]);
    expect(validateObjects(objects, await sharedCrds())).toEqual([]);
  });

  test("points at an emulator with a connection string Secret, and opens the emulator's port", async () => {
    const objects = objectsOf(emulatorText());
    const spec = store(objects);
    expect(spec.configuration.destinationPath).toMatch(/^http:\/\/10\.250\.0\.253:10000\/dev\/llbkacme[a-z0-9]+\/cnpg-backups$/);
    expect(spec.configuration.azureCredentials).toEqual({ connectionString: { name: "backup-storage", key: "AZURE_STORAGE_CONNECTION_STRING" } });
    expect(egressPorts(objects)).toEqual([443, 6443, 10000]);
    expect(validateObjects(objects, await sharedCrds())).toEqual([]);
  });

  test("sidecar resources are a layer like any other: a tenant's override reaches the ObjectStore and counts against its quota", () => {
    const raised = { database: { backup: { sidecarResources: { requests: { memory: "128Mi" } } } } };
    expect(store(objectsOf(PLATFORM_TEMPLATE, raised)).instanceSidecarConfiguration.resources).toEqual({ requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    expect(fleetProblems([tenantFile("acme", { overrides: { database: { backup: { sidecarResources: { requests: { memory: "512Mi" } } } } } })])).toEqual([
      expect.stringMatching(/^spec\.overrides\.database\.backup\.sidecarResources\.requests\.memory: memory request 512Mi is above its limit 256Mi/) as unknown,
    ]);
    expect(fleetProblems([tenantFile("acme", { overrides: { database: { backup: { sidecarResources: { requests: { cpu: "40" }, limits: { cpu: "40" } } } } } })]).join("\n")).toMatch(/quota\.cpu: peak cpu requests .* does not fit the quota/);
  });

  test("a blobEndpoint without {account} is refused, naming the field and an example", () => {
    expect(() => platform(platformWith(["integrations", "azure", "blobEndpoint"], "https://shared.blob.core.windows.net"))).toThrow(/integrations\.azure\.blobEndpoint.*\{account\}.*https:\/\/\{account\}\.blob\.core\.windows\.net/s);
  });
});
