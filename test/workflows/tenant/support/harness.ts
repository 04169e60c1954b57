/**
 * Tenant services wired the way src/app/runtime.ts wires them (store, delivery,
 * Terraform runner without a backend, credentials folder), but into temp folders and with
 * a short lease, plus the helpers the tenant workflow tests share. Imported by the child
 * processes too, so it stays free of the heavier test fixtures.
 */
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach } from "vitest";
import type { Delivery } from "../../../../src/delivery/delivery.js";
import { DirectoryDelivery } from "../../../../src/delivery/directory/directory-delivery.js";
import { TerraformRunner } from "../../../../src/delivery/terraform/runner.js";
import { loadPlatform } from "../../../../src/spec/fleet.js";
import type { PlatformContext } from "../../../../src/spec/platform.js";
import type { Store, WorkflowRecord } from "../../../../src/store/index.js";
import type { Clock, EngineOptions, RunResult, WorkflowEngine } from "../../../../src/workflows/engine/index.js";
import { tenantEngine } from "../../../../src/workflows/tenant/engine.js";
import { runTenantWorkflow } from "../../../../src/workflows/tenant/run-tenant-workflow.js";
import type { TenantServices } from "../../../../src/workflows/tenant/services.js";
import { submitOnboard } from "../../../../src/workflows/tenant/submit.js";

export const ONBOARD_STEPS = ["validate", "reserve", "render", "cloud-resources", "apply", "wait-ready", "monitoring", "credentials", "done"] as const;
export const UPDATE_STEPS = ["validate", "render", "cloud-resources", "apply", "wait-ready", "done"] as const;
export const OFFBOARD_STEPS = ["final-backup", "delete", "wait-gone", "cloud-destroy", "revoke-credentials", "release"] as const;

/** What the cloud-resources and cloud-destroy steps record when landlord.yaml has no Terraform backend. */
export const TERRAFORM_SKIPPED = "Terraform not configured: set integrations.terraform.backend in landlord.yaml to create cloud resources";

export const TEST_LEASE_TTL_MS = 1_500;

export function platformFromText(text: string): PlatformContext {
  return loadPlatform({ file: "landlord.yaml", bytes: new TextEncoder().encode(text) });
}

export interface Folders {
  /** DirectoryDelivery root: <out>/<tenant>/... */
  readonly outDir: string;
  readonly credentialsDir: string;
  /** Where the Terraform runner would write customers/<tenant>/ workspaces. */
  readonly workspaceDir: string;
}

export function foldersUnder(root: string): Folders {
  return { outDir: join(root, "out"), credentialsDir: join(root, "credentials"), workspaceDir: join(root, "terraform") };
}

export interface Harness extends Folders {
  readonly services: TenantServices;
  readonly engine: WorkflowEngine;
}

export interface HarnessOptions {
  readonly store: Store;
  readonly platform: PlatformContext;
  readonly folders: Folders;
  /** Defaults to a DirectoryDelivery into folders.outDir. */
  readonly delivery?: Delivery;
  readonly owner?: string;
  readonly leaseTtlMs?: number;
  readonly clock?: Clock;
  readonly onProgress?: EngineOptions["onProgress"];
  /** Defaults to a runner without a backend (every cloud step skipped). */
  readonly terraform?: TerraformRunner;
}

export function harness(o: HarnessOptions): Harness {
  const services: TenantServices = {
    platform: o.platform,
    store: o.store,
    delivery: o.delivery ?? new DirectoryDelivery(o.folders.outDir),
    terraform: o.terraform ?? new TerraformRunner(o.platform.config, o.folders.workspaceDir),
    credentialsDir: o.folders.credentialsDir,
  };
  const engine = tenantEngine(services, {
    leaseTtlMs: o.leaseTtlMs ?? TEST_LEASE_TTL_MS,
    ...(o.owner === undefined ? {} : { owner: o.owner }),
    ...(o.clock === undefined ? {} : { clock: o.clock }),
    ...(o.onProgress === undefined ? {} : { onProgress: o.onProgress }),
  });
  return { ...o.folders, services, engine };
}

/** Submits an onboarding and runs it to its end, as `landlord onboard` does. */
export async function onboard(h: Harness, spec: Record<string, unknown>, actor = "tester"): Promise<{ wf: WorkflowRecord; result: RunResult }> {
  const wf = await submitOnboard(h.services, h.engine, spec, actor, new Date());
  return { wf, result: await runTenantWorkflow(h.services, h.engine, wf.id) };
}

/** The status a finished run ended with (throws for busy/lease-lost/interrupted, which no caller here expects). */
export function finishedStatus(result: RunResult): string {
  if (result.outcome !== "finished") throw new Error(`run did not finish: ${result.outcome}`);
  return result.workflow.error === null ? result.workflow.status : `${result.workflow.status}: ${result.workflow.error}`;
}

/** Every file under `dir`, relative path -> content; a missing folder is empty. */
export async function tree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.set(relative(dir, full), await readFile(full, "utf8"));
    }
  };
  await walk(dir);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    },
  );
}

export async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** Every row of every table of the store (migration bookkeeping included), by table name. */
export async function dumpTables(store: Store): Promise<Record<string, unknown[]>> {
  const names =
    store.backend === "sqlite"
      ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(store.db)).rows.map((r) => r.name)
      : (
          await sql<{ table_name: string }>`select table_name from information_schema.tables
            where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(store.db)
        ).rows.map((r) => r.table_name);
  const dump: Record<string, unknown[]> = {};
  for (const name of names) dump[name] = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(store.db)).rows;
  return dump;
}

/** Row counts of the store's own tables. */
export async function rowCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of ["tenants", "tenant_domains", "workflows", "workflow_steps", "audit_log", "api_tokens"] as const) {
    const row = await store.db.selectFrom(t).select((eb) => eb.fn.countAll<string | number>().as("n")).executeTakeFirstOrThrow();
    counts[t] = Number(row.n);
  }
  return counts;
}

/** Everything the store holds about one tenant name, for "nothing half-created" checks. */
export async function traces(store: Store, name: string): Promise<{ tenant: boolean; domains: number; workflows: number; audit: number; tokens: number }> {
  const domains = await store.db.selectFrom("tenant_domains").select("domain").where("tenant_name", "=", name).execute();
  return {
    tenant: (await store.tenants.get(name)) !== undefined,
    domains: domains.length,
    workflows: (await store.workflows.list({ tenantName: name })).length,
    audit: (await store.audit.list({ tenantName: name })).length,
    tokens: (await store.tokens.list(name)).length,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A fresh temporary folder per test, removed afterwards; call the getter inside a test. */
export function useTempRoot(prefix: string): () => string {
  let root: string | undefined;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });
  return () => {
    if (root === undefined) throw new Error("useTempRoot: called outside a test");
    return root;
  };
}
