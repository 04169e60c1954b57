// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Forbids `files` to import the sibling folders of src named in `forbidden`, statically or
 * with import(): no-restricted-imports does not see dynamic imports, which the CLI uses to
 * start fast, so a selector on ImportExpression covers those.
 * @param {string} files
 * @param {string[]} forbidden
 * @param {string} message
 */
function layer(files, forbidden, message) {
  const regex = `^\\.{1,2}/(?:\\.\\./)*(?:${forbidden.join("|")})(?:/|$)`;
  // esquery's regex literal cannot hold a slash, escaped or not: \x2F is one.
  const selector = `ImportExpression[source.value=/${regex.replaceAll("/", "\\x2F")}/]`;
  return {
    files: [files],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex, message }] }],
      "no-restricted-syntax": ["error", { selector, message }],
    },
  };
}

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
  {
    // docs/adr/0001-pure-render-core.md: the render core and the spec layer are pure. No
    // file system or processes, and no imports from the layers that use them (store,
    // delivery, workflows, cli): I/O lives in adapters such as src/io/ and src/cli/.
    files: ["src/render/**", "src/spec/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ["fs", "fs/promises", "node:fs", "node:fs/promises", "child_process", "node:child_process"].map((name) => ({
            name,
            message: "render and spec are pure (ADR 0001): read and write files, and run processes, in an adapter (src/io/, src/cli/, src/delivery/).",
          })),
          patterns: [
            {
              regex: "^\\.{1,2}/(?:\\.\\./)*(?:store|delivery|workflows|cli)(?:/|$)",
              message: "render and spec sit below store, delivery, workflows and cli (ADR 0001): pass what you need in as data instead of importing upwards.",
            },
          ],
        },
      ],
    },
  },
  // docs/adr/0032-application-layer.md: the edges (src/cli, src/server) call the use cases
  // in src/app and never each other; src/app sits below both. `landlord serve` starting the
  // server is the one import from cli into server, so that direction stays open.
  layer("src/server/**", ["cli"], "the server is an edge beside the CLI (ADR 0032): move what both need into src/app/ and import it from there."),
  layer("src/app/**", ["cli", "server"], "src/app is below the edges (ADR 0032): take what you need of the process as a Host (src/app/host.ts) and raise typed errors; statuses and exit codes belong to the edges."),
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
);
