/**
 * bench/render's baseline: the least a tool that turns tenant files into manifests must
 * do, written plainly. It reads and parses every tenant file, then writes the very
 * objects `landlord render` writes with the YAML library's plain dump (`stringify` of
 * the `yaml` package, default options), to stdout or as <out>/<tenant>/kubernetes.yaml
 * and terraform.tfvars.json.
 *
 * It has to get those objects from somewhere: it asks Landlord's own resolver and
 * renderers, times that (and the import of their modules) and reports it on its last
 * stderr line as {"excludedMs": N}; bench/render takes it off the baseline's wall time,
 * so the baseline is charged only for reading, parsing, dumping and writing.
 *
 *   node dist/bench/render-baseline.js LANDLORD_YAML [--out DIR]
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { parse, stringify } from "yaml";

const [config, flag, outDir] = process.argv.slice(2);
if (config === undefined || (flag !== undefined && (flag !== "--out" || outDir === undefined))) {
  throw new Error("usage: render-baseline LANDLORD_YAML [--out DIR]");
}

let excludedMs = 0;
const t0 = performance.now();
const { loadPlatform } = await import("../src/spec/fleet.js");
const { resolveTenant } = await import("../src/spec/resolve.js");
const { renderBundle } = await import("../src/render/bundle.js");
const platform = loadPlatform({ file: config, bytes: readFileSync(config) });
excludedMs += performance.now() - t0;

const tenantsDir = join(dirname(config), "tenants");
const names = readdirSync(tenantsDir).filter((n) => n.endsWith(".yaml")).sort();
let first = true;
for (const name of names) {
  const file = join(tenantsDir, name);
  const value: unknown = parse(readFileSync(file, "utf8"));

  const t1 = performance.now();
  const resolved = resolveTenant(platform, { file, index: 0, value });
  if (!resolved.ok) throw new Error(`${file}: ${JSON.stringify(resolved.problems)}`);
  const bundle = renderBundle(platform.config, resolved.value);
  excludedMs += performance.now() - t1;

  const yaml = bundle.objects.map((o) => stringify(o)).join("---\n");
  if (outDir === undefined) {
    writeSync(1, first ? yaml : `---\n${yaml}`);
    first = false;
  } else {
    const dir = join(outDir, bundle.tenant);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "kubernetes.yaml"), yaml);
    writeFileSync(join(dir, "terraform.tfvars.json"), `${JSON.stringify(bundle.terraform.variables, null, 2)}\n`);
  }
}
process.stderr.write(`${JSON.stringify({ excludedMs })}\n`);
