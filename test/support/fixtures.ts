/** Test helpers: the init template as the platform, tenants built from small specs. */
import { resolve } from "node:path";
import { stringify } from "yaml";
import { InputError } from "../../src/errors.js";
import { PLATFORM_TEMPLATE } from "../../src/init/templates.js";
import { loadFleet, loadPlatform } from "../../src/spec/fleet.js";
import type { PlatformContext } from "../../src/spec/platform.js";
import type { RawFile } from "../../src/spec/documents.js";
import type { ResolvedTenant } from "../../src/spec/resolve.js";
import { CrdValidator } from "../../src/validate/crd.js";

const encoder = new TextEncoder();

export function raw(file: string, text: string): RawFile {
  return { file, bytes: encoder.encode(text) };
}

export function platform(text = PLATFORM_TEMPLATE): PlatformContext {
  return loadPlatform(raw("landlord.yaml", text));
}

export interface TenantOptions {
  tier?: string;
  domains?: string[];
  overrides?: Record<string, unknown>;
  spec?: Record<string, unknown>;
}

export function tenantDoc(name: string, o: TenantOptions = {}): Record<string, unknown> {
  return {
    apiVersion: "landlord.dev/v1alpha1",
    kind: "Tenant",
    metadata: { name },
    spec: {
      displayName: `${name} Inc`,
      tier: o.tier ?? "small",
      domains: o.domains ?? [`${name}.apps.example.com`],
      contacts: { email: `ops@${name}.example.com` },
      ...(o.overrides ? { overrides: o.overrides } : {}),
      ...o.spec,
    },
  };
}

export function tenantFile(name: string, o: TenantOptions = {}): RawFile {
  return raw(`tenants/${name}.yaml`, stringify(tenantDoc(name, o)));
}

export function fleet(ctx: PlatformContext, files: RawFile[]): ResolvedTenant[] {
  return loadFleet(ctx, files);
}

export const CRDS_DIR = process.env.LANDLORD_CRDS_DIR ?? resolve(import.meta.dirname, "../../../shared/crds");

let crds: Promise<CrdValidator> | undefined;
export function sharedCrds(): Promise<CrdValidator> {
  crds ??= CrdValidator.fromDirectory(CRDS_DIR);
  return crds;
}

/** The problems loading these files reports, as "path: message" lines (none: valid). */
export function fleetProblems(files: RawFile[], text = PLATFORM_TEMPLATE): string[] {
  try {
    fleet(platform(text), files);
    return [];
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
}
