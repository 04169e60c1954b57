/**
 * Which kubeconfig and context reach a cluster, by the rules kubectl users know: --kubeconfig,
 * else KUBECONFIG (a list of files, merged), else ~/.kube/config; --context for all clusters,
 * else the context landlord.yaml names for the cluster, else a context named like the cluster.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeconfigError } from "./errors.js";

export interface KubeconfigRules {
  /** --kubeconfig */
  readonly file?: string;
  /** --context: one context for every cluster (a single-cluster setup, or a test). */
  readonly context?: string;
  /** The KUBECONFIG environment variable. */
  readonly env?: string;
  /** delivery.kubernetes.contexts from landlord.yaml. */
  readonly contexts: Readonly<Record<string, string>>;
}

export function kubeconfigFiles(rules: KubeconfigRules): string[] {
  if (rules.file !== undefined) return [rules.file];
  if (rules.env !== undefined && rules.env !== "") return rules.env.split(delimiter).filter((f) => f !== "");
  return [join(homedir(), ".kube", "config")];
}

function load(rules: KubeconfigRules): KubeConfig {
  const files = kubeconfigFiles(rules).filter((f) => existsSync(f));
  if (files.length === 0) {
    throw new KubeconfigError(`no kubeconfig found (looked at ${kubeconfigFiles(rules).join(", ")}); pass --kubeconfig FILE or set KUBECONFIG`);
  }
  const merged = new KubeConfig();
  for (const file of files) {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      throw new KubeconfigError(`kubeconfig ${file} cannot be read: ${(err as Error).message}`);
    }
    // The first file to name a context, cluster or user wins, as in kubectl.
    merged.mergeConfig(kc, true);
    if (merged.getCurrentContext() === "" && kc.getCurrentContext() !== "") merged.setCurrentContext(kc.getCurrentContext());
  }
  return merged;
}

export class KubeconfigResolver {
  private loaded: KubeConfig | undefined;
  constructor(private readonly rules: KubeconfigRules) {}

  /** The context for a landlord.yaml cluster name. */
  contextFor(cluster: string): string {
    if (this.rules.context !== undefined) return this.rules.context;
    return this.rules.contexts[cluster] ?? cluster;
  }

  /** A KubeConfig whose current context reaches `cluster`; a clear error when none does. */
  configFor(cluster: string): { kc: KubeConfig; context: string } {
    this.loaded ??= load(this.rules);
    const context = this.contextFor(cluster);
    const known = this.loaded.getContexts().map((c) => c.name);
    if (!known.includes(context)) {
      const why = this.rules.context !== undefined ? "--context" : this.rules.contexts[cluster] !== undefined ? `delivery.kubernetes.contexts.${cluster}` : `a context named like cluster ${cluster}`;
      throw new KubeconfigError(
        `kubeconfig has no context '${context}' (wanted by ${why}); known contexts: ${known.join(", ") || "none"}. ` +
          `Add it (az aks get-credentials --name ${cluster} ...), map the cluster under delivery.kubernetes.contexts in landlord.yaml, or pass --context`,
      );
    }
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: this.loaded.clusters, users: this.loaded.users, contexts: this.loaded.contexts, currentContext: context });
    return { kc, context };
  }
}
