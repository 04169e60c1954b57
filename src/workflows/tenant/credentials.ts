/**
 * Tenant credentials: an API token, stored only as a hash, handed over once in a 0600 file.
 * Written file-first so a crash between the two leaves a token that the retry reuses.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "../../store/index.js";

export interface IssuedToken {
  readonly id: string;
  readonly file: string;
}

export function credentialsFolder(root: string, tenant: string): string {
  return join(root, tenant);
}

/**
 * Idempotent per tenant, not only per workflow: a token file left by an earlier onboarding
 * of the same tenant (cancelled after this step, then onboarded again) is still the
 * tenant's live token, so it is handed over again under its first record. A file whose
 * token was revoked or belongs to someone else is replaced by a new token.
 */
export async function issueApiToken(store: Store, root: string, tenant: string, id: string, now: Date): Promise<IssuedToken> {
  const dir = credentialsFolder(root, tenant);
  const file = join(dir, "api-token");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let token = (await readFile(file, "utf8").catch(() => "")).trim();
  if (token !== "") {
    const known = await store.tokens.find(token);
    if (known && known.tenantName === tenant && known.revokedAt === null) return { id: known.id, file };
    if (known) token = "";
  }
  if (token === "") {
    token = `ll_${randomBytes(32).toString("base64url")}`;
    const tmp = `${file}.tmp`;
    await writeFile(tmp, `${token}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  }
  await store.tokens.record({ id, tenantName: tenant, name: "onboarding", token, now });
  return { id, file };
}

export async function removeCredentials(root: string, tenant: string): Promise<void> {
  await rm(credentialsFolder(root, tenant), { recursive: true, force: true });
}
