/**
 * What the use cases need of the process that runs them: where it runs, its environment,
 * and somewhere to warn. The CLI's io is one (src/cli/io.ts extends this); the server passes
 * what it was started with. Nothing in src/app reads process.cwd() or process.env itself.
 */
export interface Host {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Warnings for the person at the edge (a store missing beside delivered tenants, a tenant left out). */
  readonly stderr: (text: string) => void;
}
