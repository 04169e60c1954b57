// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
);
