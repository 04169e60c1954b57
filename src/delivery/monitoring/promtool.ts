/** Checks a tenant's alert rules with the real promtool, when it is installed. */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { toYaml } from "../../render/serialize.js";

const exec = promisify(execFile);

export interface RuleCheck {
  readonly skipped?: string;
  readonly ok: boolean;
  readonly output: string;
}

export async function promtoolAvailable(): Promise<boolean> {
  return exec("promtool", ["--version"]).then(() => true, () => false);
}

/** `groups` as in a PrometheusRule's spec.groups (the same format promtool reads). */
export async function checkRules(groups: unknown): Promise<RuleCheck> {
  if (!(await promtoolAvailable())) return { skipped: "promtool not installed (apt-get install prometheus)", ok: false, output: "" };
  const dir = await mkdtemp(join(tmpdir(), "landlord-rules-"));
  const file = join(dir, "rules.yaml");
  try {
    await writeFile(file, toYaml({ groups }));
    const r = await exec("promtool", ["check", "rules", file]).then(
      (x) => ({ ok: true, output: x.stdout }),
      (e: unknown) => ({ ok: false, output: ((e as { stdout?: string }).stdout ?? "") + ((e as { stderr?: string }).stderr ?? "") }),
    );
    return { ok: r.ok, output: r.output.replaceAll(file, "rules.yaml").trim() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
