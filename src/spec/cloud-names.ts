/**
 * Azure names that outlive a tenant (a Key Vault is reserved through its soft-delete window,
 * backups live in the storage account until retention ends) and the Terraform state key are
 * derived per tenant incarnation, not per name: a name offboarded and onboarded again is a
 * new incarnation, and must never be handed the previous customer's vault, backups or state.
 * Here in src/spec, not src/render, because resolving a tenant needs them and render sits above spec.
 */
import { createHash } from "node:crypto";
import { InputError } from "../errors.js";
import type { PlatformConfig } from "./platform-schema.js";
import { tenantNames } from "./names.js";

/**
 * One onboarding of a tenant name, until its cloud resources are destroyed: 6-12 lowercase
 * letters and digits, chosen by the store when it records the onboarding and never reused.
 */
export type IncarnationId = string & { readonly __incarnation: true };

const INCARNATION = /^[a-z0-9]{6,12}$/;

export function incarnationId(value: string): IncarnationId {
  if (!INCARNATION.test(value)) {
    throw new InputError([{ path: "incarnation", message: `'${value}' is not an incarnation id`, fix: "use 6-12 lowercase letters and digits, as the store records them" }]);
  }
  return value as IncarnationId;
}

/** A fresh incarnation id from random bytes (base 36, 10 characters: about 51 bits). */
export function newIncarnationId(random: (bytes: number) => Buffer): IncarnationId {
  return incarnationId(random(8).readBigUInt64BE(0).toString(36).padStart(13, "0").slice(-10));
}

export interface CloudNames {
  readonly resourceGroup: string;
  readonly keyVault: string;
  readonly storageAccount: string;
  /** Key of the tenant's Terraform state in the backend container. */
  readonly stateKey: string;
}

/** Base-36 digits of sha256(text), as many as `length`. */
function hash36(text: string, length: number): string {
  return createHash("sha256").update(text).digest().readBigUInt64BE(0).toString(36).padStart(13, "0").slice(0, length);
}

const HASH = 8;

/**
 * Cloud names of a tenant incarnation. Without an incarnation: the names of today (per name,
 * from spec/names.ts; state key `<prefix><tenant>.tfstate`), so callers that do not pass one
 * yet keep working. With one: the same shapes and limits (Key Vault 24 characters with '-',
 * storage account 24 lowercase alphanumerics), the hash taken over platform, name and
 * incarnation, and the state key `<prefix><tenant>/<incarnation>.tfstate`. The resource
 * group carries the hash too, and with it everything named inside it (the identities and
 * their federated credentials, a dedicated cluster).
 */
export function cloudNames(platform: PlatformConfig, tenantName: string, incarnation?: IncarnationId): CloudNames {
  const prefix = platform.integrations.terraform.stateKeyPrefix;
  if (incarnation === undefined) {
    const names = tenantNames(platform, tenantName);
    return { resourceGroup: names.resourceGroup, keyVault: names.keyVault, storageAccount: names.storageAccount, stateKey: `${prefix}${tenantName}.tfstate` };
  }
  const h = hash36(`${platform.platform.name}/${tenantName}/${incarnation}`, HASH);
  const kvPrefix = platform.integrations.keyVault.namePrefix;
  const kvBody = tenantName.replace(/-+/g, "-").slice(0, 24 - kvPrefix.length - 1 - HASH).replace(/-+$/, "");
  const kvJoined = `${kvPrefix}${kvBody}`.replace(/-+/g, "-").replace(/-$/, "");
  const stPrefix = platform.integrations.azure.storageAccountPrefix;
  const alnum = tenantName.replace(/[^a-z0-9]/g, "");
  return {
    // Resource groups allow 90 characters: the tenant name (40 at most) always fits whole.
    resourceGroup: `${platform.integrations.azure.resourceGroupPrefix}${tenantName}-${h}`,
    keyVault: `${kvJoined}-${h}`,
    storageAccount: `${stPrefix}${alnum.slice(0, 24 - stPrefix.length - HASH)}${h}`,
    stateKey: `${prefix}${tenantName}/${incarnation}.tfstate`,
  };
}
