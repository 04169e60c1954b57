/**
 * Runs a tenant's Terraform workspace: init, plan, apply (destroy when offboarding), one
 * state per tenant. Runs only when landlord.yaml configures a backend and a terraform or
 * tofu binary is on PATH; otherwise the step says why it was skipped.
 */
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { promisify } from "node:util";
import type { CustomerInstanceVars } from "../../render/terraform/tfvars.js";
import { incarnationId } from "../../spec/cloud-names.js";
import { isLocalModuleSource, tenantWorkspace } from "../../render/terraform/workspace.js";
import type { PlatformConfig } from "../../spec/platform-schema.js";
import { RetryableError } from "../../errors.js";
import { importsTf, type ImportBlock } from "../../render/terraform/imports.js";

const exec = promisify(execFile);

const IMPORTS_FILE = "imports.tf";

export interface TerraformResult {
  readonly skipped?: string;
  readonly workspace?: string;
  readonly outputs?: Record<string, unknown>;
  /** The last lines of what terraform printed, for the workflow record. */
  readonly log?: string;
}

export class TerraformFailed extends Error {
  override readonly name = "TerraformFailed";
}

async function findBinary(): Promise<string | undefined> {
  for (const bin of ["tofu", "terraform"]) {
    const ok = await exec(bin, ["version"]).then(() => true, () => false);
    if (ok) return bin;
  }
  return undefined;
}

function tail(text: string, lines = 20): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

/** Outputs go into the workflow record: sensitive ones never do. */
export function publicOutputs(outputs: Record<string, { sensitive?: boolean; value?: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).filter(([, o]) => o.sensitive !== true).map(([k, o]) => [k, o.value]));
}

export class TerraformRunner {
  private binary: Promise<string | undefined> | undefined;
  constructor(
    private readonly platform: PlatformConfig,
    /** customers/<tenant>/ workspaces are written under this folder. */
    private readonly workspaceRoot: string,
    /** Directory of landlord.yaml: a local moduleSource is relative to it. */
    private readonly configDir: string = workspaceRoot,
  ) {}

  /** Why Terraform will not run, or undefined when it will. */
  async notConfigured(): Promise<string | undefined> {
    if (!this.platform.integrations.terraform.backend) {
      return "Terraform not configured: set integrations.terraform.backend in landlord.yaml to create cloud resources";
    }
    this.binary ??= findBinary();
    if ((await this.binary) === undefined) return "Terraform not configured: no terraform or tofu binary on PATH";
    return undefined;
  }

  /** A re-onboarded name works in its own folder: its state key differs, and a folder initialised for one backend key must not be reused for another. */
  async writeWorkspace(vars: CustomerInstanceVars, incarnation?: string, imports: readonly ImportBlock[] = []): Promise<string> {
    const dir = join(this.workspaceRoot, "customers", incarnation === undefined ? vars.tenant_name : `${vars.tenant_name}-${incarnation}`);
    await mkdir(dir, { recursive: true });
    const inc = incarnation === undefined ? undefined : incarnationId(incarnation);
    for (const f of tenantWorkspace(this.platform, vars, this.moduleSourceFrom(dir), inc)) await writeFile(join(dir, f.name), f.text);
    // Import blocks of an adoption (landlord adopt): once imported they are no-ops, but a later
    // run without them must not carry ids the operator may since have corrected.
    if (imports.length > 0) await writeFile(join(dir, IMPORTS_FILE), importsTf(imports));
    else await rm(join(dir, IMPORTS_FILE), { force: true });
    return dir;
  }

  /** A local module path as seen from the workspace; registry and Git sources pass through. */
  private moduleSourceFrom(workspace: string): string {
    const source = this.platform.integrations.terraform.moduleSource;
    if (!isLocalModuleSource(source)) return source;
    const target = isAbsolute(source) ? source : resolve(this.configDir, source);
    const rel = relative(workspace, target);
    return rel.startsWith(".") ? rel : `./${rel}`;
  }

  /** `imports`: existing resources the module takes over instead of creating them (landlord adopt). */
  async apply(vars: CustomerInstanceVars, signal: AbortSignal, incarnation?: string, imports: readonly ImportBlock[] = []): Promise<TerraformResult> {
    return this.run(vars, signal, "apply", incarnation, imports);
  }

  async destroy(vars: CustomerInstanceVars, signal: AbortSignal, incarnation?: string): Promise<TerraformResult> {
    return this.run(vars, signal, "destroy", incarnation);
  }

  /** What apply would change, as terraform prints it (for `landlord diff`); no plan file is kept. */
  async plan(vars: CustomerInstanceVars, signal: AbortSignal, incarnation?: string): Promise<TerraformResult> {
    return this.run(vars, signal, "plan", incarnation);
  }

  private async run(vars: CustomerInstanceVars, signal: AbortSignal, action: "apply" | "destroy" | "plan", incarnation?: string, imports: readonly ImportBlock[] = []): Promise<TerraformResult> {
    const reason = await this.notConfigured();
    if (reason !== undefined) return { skipped: reason };
    const bin = (await this.binary) ?? "terraform";
    const workspace = await this.writeWorkspace(vars, incarnation, imports);
    const log: string[] = [];
    const step = async (args: string[], retryable: boolean, quiet = false) => {
      try {
        const r = await exec(bin, [...args, "-no-color"], { cwd: workspace, signal, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TF_IN_AUTOMATION: "1" } });
        // `output -json` prints values, sensitive ones included: never into the log.
        if (!quiet) log.push(tail(r.stdout, 5));
        return r.stdout;
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        const detail = tail(e.stderr ?? e.stdout ?? e.message, 10);
        const message = `terraform ${args[0] ?? ""} failed in ${workspace}:\n${detail}`;
        throw retryable ? new RetryableError(message) : new TerraformFailed(message);
      }
    };
    // init talks to the backend and the registry: transient failures are worth retrying.
    await step(["init", "-input=false"], true);
    if (action === "plan") {
      const text = await step(["plan", "-input=false"], false, true);
      return { workspace, log: text };
    }
    if (action === "apply") {
      await step(["plan", "-input=false", "-out=tfplan"], false);
      try {
        await step(["apply", "-input=false", "tfplan"], false);
      } finally {
        // A saved plan holds every planned value in clear.
        await rm(join(workspace, "tfplan"), { force: true });
      }
      const outputs = JSON.parse(await step(["output", "-json"], true, true)) as Record<string, { sensitive?: boolean; value?: unknown }>;
      return { workspace, outputs: publicOutputs(outputs), log: log.join("\n") };
    }
    await step(["destroy", "-input=false", "-auto-approve"], false);
    return { workspace, log: log.join("\n") };
  }
}
