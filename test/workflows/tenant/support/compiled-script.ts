/**
 * Child processes that start fast. `node --import tsx` spends about 2.5 s of CPU per start
 * (its loader hooks resolve every one of Kysely's modules); the crash tests start one
 * process per kill point, so the script is bundled once per test file with esbuild (the
 * compiler tsx itself runs on) and each child is a plain `node bundle.mjs`, ~0.5 s.
 * better-sqlite3 (native) stays outside the bundle, loaded from the repository by path.
 * If esbuild cannot be loaded, children fall back to tsx (slower, same behaviour).
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as Esbuild from "esbuild";
import { spawnScript, type Child } from "../../../store/support/child-process.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const requireFromRepo = createRequire(join(REPO_ROOT, "package.json"));

export type Spawner = (arg: unknown) => Child;

/** `script` is relative to the repository root; the bundle goes into `outDir`. */
export async function compileScript(script: string, outDir: string): Promise<Spawner> {
  let esbuild: typeof Esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    return (arg) => spawnScript(script, arg);
  }
  const outfile = join(outDir, `${script.replace(/[^A-Za-z0-9]+/g, "_")}.mjs`);
  await esbuild.build({
    entryPoints: [join(REPO_ROOT, script)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    plugins: [
      {
        name: "native-modules-from-the-repository",
        setup(b) {
          b.onResolve({ filter: /^(better-sqlite3|pg-native)$/ }, (a) => ({
            path: a.path === "better-sqlite3" ? requireFromRepo.resolve("better-sqlite3") : a.path,
            external: true,
          }));
        },
      },
    ],
    // Bundled CommonJS packages call require() for Node built-ins.
    banner: { js: `import { createRequire as __landlordRequire } from "node:module"; const require = __landlordRequire(${JSON.stringify(join(REPO_ROOT, "package.json"))});` },
  });
  return (arg) =>
    spawn(process.execPath, [outfile, JSON.stringify(arg)], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
}
