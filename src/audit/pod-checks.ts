/**
 * Audit checks over every pod a tenant's bundle runs, the chart's included (issue 23):
 * where images come from and how they are pulled, where pods may land, what volumes and
 * Secrets they reach. Each mirrors an admission rule, so a bundle from before a fix, or
 * a policy switched off, is seen here.
 */
import { EVICTION_TAINTS, nodeSelectorAllowed, tolerationAllowed } from "../render/kubernetes/scheduling.js";
import { ADMIN_ROLE } from "../render/kubernetes/rbac.js";
import { allowedRegistries, broadEntries, imageAllowed } from "../spec/registries.js";
import { allowedStorageClasses } from "../spec/storage-classes.js";
import { all, containersOf, get, list, podSpecs, str, type Check } from "./bundle-read.js";

export const POD_CHECKS: readonly Check[] = [
  {
    id: "LL-IMG-1",
    title: "Images come from the allowed repositories, and the list names repositories, not hosts",
    mtb: "Require image pull from trusted registries",
    fix: "list repositories (e.g. ghcr.io/acme/app) in policy.allowedRegistries, never a bare host, and use images from them",
    run: (b, config) => {
      const broad = broadEntries(config);
      if (broad.length > 0) return `policy.allowedRegistries admits every repository of ${broad.join(", ")}`;
      const registries = allowedRegistries(config);
      const images = [...podSpecs(b).flatMap((p) => containersOf(p.spec).map((c) => str(c.image))), ...all(b, "Cluster").map((o) => str(get(o, "spec", "imageName")))];
      const bad = [...new Set(images.filter((i) => i !== "" && !imageAllowed(i, registries)))];
      return bad.length > 0 ? `not allowed: ${bad.join(", ")}` : undefined;
    },
  },
  {
    id: "LL-IMG-2",
    title: "Tenant containers pull their image every time (imagePullPolicy: Always)",
    mtb: "Require image pull from trusted registries",
    fix: "render imagePullPolicy: Always on every container and on the CloudNativePG Cluster (platform images are exempt)",
    run: (b, config) => {
      const platform = config.policy.platformImageRepositories;
      const lax = podSpecs(b).flatMap((p) => containersOf(p.spec).filter((c) => c.imagePullPolicy !== "Always" && !imageAllowed(str(c.image), platform)).map((c) => `${p.where} container ${str(c.name)}`));
      const clusters = all(b, "Cluster").filter((o) => get(o, "spec", "imagePullPolicy") !== "Always").map((o) => `Cluster/${o.metadata.name}`);
      const out = [...lax, ...clusters];
      return out.length > 0 ? `may run a cached image unpulled: ${out.join(", ")}` : undefined;
    },
  },
  {
    id: "LL-SCHED-2",
    title: "Every pod tolerates and selects only its own pool (no system pool, no node pinning)",
    mtb: "Block use of other tenants' nodes",
    fix: "keep tolerations, nodeSelector and affinity within the tenant's own pool (scheduling.ts); never nodeName",
    run: (b) => {
      for (const { where, spec } of podSpecs(b)) {
        const t = list(spec.tolerations).find((x) => !tolerationAllowed(x, b.tenant));
        if (t !== undefined) return `${where} tolerates ${str(t.key) || "every taint"}${EVICTION_TAINTS.includes(str(t.key)) ? " without a bound" : ""}`;
        const selector = (get(spec, "nodeSelector") ?? {}) as Record<string, unknown>;
        const key = Object.keys(selector).find((k) => !nodeSelectorAllowed(k, selector[k], b.tenant));
        if (key !== undefined) return `${where} selects nodes by ${key}`;
        if (get(spec, "affinity", "nodeAffinity") !== undefined) return `${where} sets node affinity`;
        if (spec.nodeName !== undefined) return `${where} names node ${str(spec.nodeName)}`;
      }
      return undefined;
    },
  },
  {
    id: "LL-VOL-1",
    title: "Volumes of every pod are bounded: no hostPath, inline claims sized and on an allowed class",
    mtb: "Block use of host path volumes; Configure namespace resource quotas",
    fix: "drop hostPath volumes; give ephemeral.volumeClaimTemplate a storage request and an allowed storageClassName",
    run: (b, config) => {
      const classes = allowedStorageClasses(config);
      for (const { where, spec } of podSpecs(b)) {
        for (const v of list(spec.volumes)) {
          if (v.hostPath !== undefined) return `${where} mounts hostPath ${str(get(v, "hostPath", "path"))}`;
          const claim = get(v, "ephemeral", "volumeClaimTemplate", "spec");
          if (claim === undefined) continue;
          if (get(claim, "resources", "requests", "storage") === undefined) return `${where} volume ${str(v.name)}: an inline claim without a size`;
          const cls = str(get(claim, "storageClassName"));
          if (cls !== "" && classes.length > 0 && !classes.includes(cls)) return `${where} volume ${str(v.name)}: storage class ${cls} is not allowed`;
        }
      }
      return undefined;
    },
  },
  {
    id: "LL-SEC-1",
    title: "Tenant admins do not read the namespace's Secrets unless the platform allows it",
    mtb: "Block access to other tenant resources",
    fix: "keep policy.tenantAdmin.readSecrets and exec false (exec reads the app's environment), and no secrets rule in Role tenant-admin",
    run: (b, config) => {
      const opt = config.policy.tenantAdmin;
      if (opt.readSecrets) return undefined;
      if (opt.exec) return "policy.tenantAdmin.exec is on: exec into the app reads DATABASE_URL, which readSecrets: false means to keep from tenant admins";
      const role = all(b, "Role").find((r) => r.metadata.name === ADMIN_ROLE);
      const rule = list(get(role, "rules")).find((r) => (Array.isArray(r.resources) ? r.resources : []).some((x) => x === "secrets" || x === "*"));
      return rule === undefined ? undefined : `Role ${ADMIN_ROLE} grants ${(Array.isArray(rule.verbs) ? rule.verbs : []).join(",")} on secrets`;
    },
  },
];
