// @ts-check
import { readdirSync } from "node:fs";
import { join } from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Forbids `files` to import the sibling folders of src named in `forbidden`, statically or
 * with import(): no-restricted-imports does not see dynamic imports, which the CLI uses to
 * start fast, so a selector on ImportExpression covers those. A file gets its
 * no-restricted-imports from one config object only (a later one replaces the options of an
 * earlier one), so modules such as fs that a layer may not use come in as `paths`.
 * @param {string | string[]} files
 * @param {string[]} forbidden
 * @param {string} message
 * @param {{ name: string, message: string }[]} [paths]
 */
function layer(files, forbidden, message, paths = []) {
  const regex = `^\\.{1,2}/(?:\\.\\./)*(?:${forbidden.join("|")})(?:/|$)`;
  // esquery's regex literal cannot hold a slash, escaped or not: \x2F is one.
  const selector = `ImportExpression[source.value=/${regex.replaceAll("/", "\\x2F")}/]`;
  return {
    files: Array.isArray(files) ? files : [files],
    rules: {
      "no-restricted-imports": ["error", { paths, patterns: [{ regex, message }] }],
      "no-restricted-syntax": ["error", { selector, message }],
    },
  };
}

/** Every folder of src, read rather than listed, so that a folder added later is outside each `only` layer until it is let in. */
const SRC_FOLDERS = readdirSync(join(import.meta.dirname, "src"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

/**
 * Lets `files` import the folders of src in `allowed` and no other (src/errors.ts, a file,
 * stays open to all).
 * @param {string} files
 * @param {string[]} allowed
 * @param {string} message
 * @param {{ name: string, message: string }[]} [paths]
 */
function only(files, allowed, message, paths = []) {
  return layer(files, SRC_FOLDERS.filter((folder) => !allowed.includes(folder)), message, paths);
}

/** docs/adr/0001-pure-render-core.md: no file system or processes in render and spec. */
const PURE_CORE_MODULES = ["fs", "fs/promises", "node:fs", "node:fs/promises", "child_process", "node:child_process"].map((name) => ({
  name,
  message: "render and spec are pure (ADR 0001): read and write files, and run processes, in an adapter (src/io/, src/cli/, src/delivery/).",
}));

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "demo/**", "coverage/**", "terraform/**"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      // @kubernetes/client-node declares its API objects (V1Pod, V1Node, ...) as classes, yet
      // its own API takes and documents plain object literals; they carry no behaviour.
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
    },
  },
  // The layer map (issue 25), lowest first; each layer imports only downwards. util is the
  // bottom; spec and render are the pure core (ADR 0001), I/O lives in adapters above them.
  only("src/util/**", ["util"], "src/util is the bottom layer: it imports no other folder of src. Move what it needs into src/util/."),
  only("src/spec/**", ["spec", "util"], "src/spec imports only src/util (ADR 0001): move a shared pure helper down into src/spec/ or src/util/, or pass what you need in as data.", PURE_CORE_MODULES),
  only("src/render/**", ["render", "spec", "util"], "src/render imports only src/spec and src/util (ADR 0001): pass what you need in as data instead of importing upwards.", PURE_CORE_MODULES),
  // landlord adopt's core (docs/adr/0037): pure like render; the cluster is read by
  // src/delivery/kubernetes/existing-setup-reader.ts and the plan carried out by the workflow.
  only("src/adopt/**", ["adopt", "render", "spec", "util"], "src/adopt is pure (ADR 0037): read the cluster or files in an adapter and pass what was found in as data.", PURE_CORE_MODULES),
  layer("src/store/**", ["rollout", "notices", "workflows", "delivery", "server", "cli", "app"], "the store is below the domains and edges that use it: a shape both keep goes into src/spec/ (as src/spec/rollout-states.ts), not into the store's users."),
  // The rollout core; its adapters (src/rollout/adapters/) and the wiring to store and
  // workflows (runner, service, wiring, workflow, render-tenant) sit above it.
  layer(
    ["src/rollout/state.ts", "src/rollout/plan.ts", "src/rollout/gates.ts", "src/rollout/window.ts", "src/rollout/release.ts", "src/rollout/deployment-status.ts", "src/rollout/prometheus-config.ts"],
    ["delivery", "store", "workflows", "server", "cli", "app"],
    "the rollout core (state machine, plan, gates, windows, releases) is pure: take deliveries, the store and workflows as parameters; the runner, the service and src/rollout/adapters/ wire them in.",
  ),
  // Customer notices (docs/adr/0036): above the store and the pure rollout core, below the
  // rollout runner that queues them and the edges that send and show them.
  layer("src/notices/**", ["workflows", "delivery", "server", "cli", "app"], "src/notices sits below the runner, the app layer and the edges: take what you need as parameters (the runner passes a RolloutNotices in)."),
  // docs/adr/0032-application-layer.md: the edges (src/cli, src/server) call the use cases
  // in src/app and never each other; src/app sits below both. `landlord serve` starting the
  // server is the one import from cli into server, so that direction stays open.
  layer("src/server/**", ["cli"], "the server is an edge beside the CLI (ADR 0032): move what both need into src/app/ and import it from there."),
  layer("src/app/**", ["cli", "server"], "src/app is below the edges (ADR 0032): take what you need of the process as a Host (src/app/host.ts) and raise typed errors; statuses and exit codes belong to the edges."),
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
);
