/**
 * Runs the customer-instance module's plan-time checks with the real terraform binary and
 * no provider download: the module's variables (with their validations), its locals and
 * preconditions that read only variables and locals, and the files made of built-in
 * resources only (immutable.tf), copied verbatim into a scratch root whose one resource
 * is a built-in terraform_data. What azurerm itself would say cannot run here (the
 * registry is out of reach); everything Terraform decides before calling it does.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const exec = promisify(execFile);

/** Every `<keyword> {` block of `text` at any depth, as written (braces matched, strings skipped). */
export function blocks(text: string, keyword: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`(^|\\n)([ \\t]*)${keyword}\\s*\\{`, "g");
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + (m[1] ?? "").length;
    let depth = 0;
    let inString = false;
    for (let i = text.indexOf("{", start); i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        out.push(text.slice(start, i + 1));
        break;
      }
    }
  }
  return out;
}

/** Whether an HCL fragment reads anything besides variables, locals and functions. */
function readsOnlyInputs(fragment: string): boolean {
  return !/\b(azurerm_[a-z_]+|data)\.[a-z_]/.test(fragment) && !/\bself\./.test(fragment);
}

export interface PlanResult {
  readonly ok: boolean;
  /** stdout and stderr, whitespace collapsed (terraform wraps its messages at 80 columns). */
  readonly output: string;
  readonly stdout: string;
}

export class PlanHarness {
  private constructor(readonly dir: string) {}

  static async create(moduleDir: string): Promise<PlanHarness> {
    const dir = await mkdtemp(join(tmpdir(), "landlord-tf-plan-"));
    const files = (await readdir(moduleDir)).filter((f) => f.endsWith(".tf")).sort();
    const locals: string[] = [];
    const preconditions: string[] = [];
    for (const f of files) {
      const text = await readFile(join(moduleDir, f), "utf8");
      if (f === "variables.tf" || f === "immutable.tf") {
        await writeFile(join(dir, f), text);
        continue;
      }
      locals.push(...blocks(text, "locals").filter(readsOnlyInputs));
      preconditions.push(...blocks(text, "precondition").filter(readsOnlyInputs));
    }
    const main = [
      ...locals,
      'resource "terraform_data" "module_preconditions" {',
      "  lifecycle {",
      ...preconditions,
      "  }",
      "}",
      "",
      'output "locals" {',
      "  value = {",
      ...[...new Set(locals.flatMap((l) => [...l.matchAll(/^\s{2}([a-z_]+)\s*=/gm)].map((m) => m[1] ?? "")))].map((n) => `    ${n} = local.${n}`),
      "  }",
      "}",
      "",
    ].join("\n");
    await writeFile(join(dir, "main.tf"), main);
    const h = new PlanHarness(dir);
    const init = await h.run(["init", "-input=false", "-no-color", "-backend=false"]);
    if (!init.ok) throw new Error(`terraform init failed in ${dir}:\n${init.output}`);
    return h;
  }

  async run(args: string[]): Promise<PlanResult> {
    const collapse = (s: string) => s.replace(/\s+/g, " ");
    return exec("terraform", args, { cwd: this.dir, env: { ...process.env, TF_IN_AUTOMATION: "1" } }).then(
      (r) => ({ ok: true, output: collapse(`${r.stdout}${r.stderr}`), stdout: r.stdout }),
      (e: unknown) => {
        const stdout = (e as { stdout?: string }).stdout ?? "";
        return { ok: false, output: collapse(`${stdout}${(e as { stderr?: string }).stderr ?? ""}`), stdout };
      },
    );
  }

  private async varFile(vars: Record<string, unknown>): Promise<string> {
    const file = join(this.dir, `vars-${Date.now()}-${Math.random().toString(36).slice(2)}.tfvars.json`);
    await writeFile(file, JSON.stringify(vars));
    return file;
  }

  async plan(vars: Record<string, unknown>): Promise<PlanResult> {
    return this.run(["plan", "-input=false", "-no-color", "-lock=false", `-var-file=${await this.varFile(vars)}`]);
  }

  async apply(vars: Record<string, unknown>): Promise<PlanResult> {
    return this.run(["apply", "-input=false", "-no-color", "-auto-approve", `-var-file=${await this.varFile(vars)}`]);
  }

  async locals(vars: Record<string, unknown>): Promise<Record<string, unknown>> {
    const applied = await this.apply(vars);
    if (!applied.ok) throw new Error(applied.output);
    const out = await this.run(["output", "-json", "locals"]);
    return JSON.parse(out.stdout) as Record<string, unknown>;
  }
}
