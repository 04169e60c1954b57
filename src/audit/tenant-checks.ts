/**
 * Audit checks over what a tenant is served on, keeps and is billed as (issue 23): hosts
 * the platform serves itself, backups beyond its tier, a billing identity another tenant
 * holds. Validation refuses each in a spec; these read the rendered objects, so a bundle
 * rendered before the rule, or by another path, is judged too.
 */
import { LABEL } from "../render/object.js";
import { formatInterval, shortestIntervalSeconds } from "../spec/backup-schedule.js";
import { isUnder, platformHosts } from "../spec/hostnames.js";
import { all, find, get, list, str, type Check } from "./bundle-read.js";

export const TENANT_CHECKS: readonly Check[] = [
  {
    id: "LL-HOST-1",
    title: "The tenant is not served on the platform's own hosts",
    mtb: "Block access to other tenant resources",
    fix: "rename the tenant or drop the domain; the platform keeps platform.reservedHostLabels and every host landlord.yaml's URLs name",
    run: (b, config) => {
      const zone = config.integrations.dns.zone.toLowerCase();
      const hosts = platformHosts(config);
      const served = [
        ...all(b, "Ingress").flatMap((i) => list(get(i, "spec", "rules")).map((r) => str(r.host))),
        ...all(b, "Certificate").flatMap((c) => (get(c, "spec", "dnsNames") as unknown[] | undefined ?? []).map(str)),
      ].map((h) => h.toLowerCase());
      for (const h of served) {
        const label = isUnder(h, zone) && h !== zone ? h.slice(0, -(zone.length + 1)) : undefined;
        if (label !== undefined && config.platform.reservedHostLabels.includes(label)) return `serves ${h}, a reserved host`;
        const clash = hosts.find((p) => isUnder(p, h) || isUnder(h, p));
        if (clash !== undefined) return `serves ${h}, ${clash === h ? "which landlord.yaml names" : `beside the platform's own ${clash}`}`;
      }
      return undefined;
    },
  },
  {
    id: "LL-BAK-1",
    title: "Backups stay within the tier's retention and frequency",
    fix: "lower database.backup.retentionDays or widen the schedule (ceilings.maxBackupRetentionDays, minBackupIntervalMinutes), or list the tenant in policy.ceilingExceptions",
    run: (b, config) => {
      const tier = config.tiers[b.tier];
      if (tier === undefined || config.policy.allowExceedTierCeilings || config.policy.ceilingExceptions.includes(b.tenant)) return undefined;
      const tierBackup = { ...config.defaults.database?.backup, ...tier.database?.backup };
      const maxDays = tier.ceilings.maxBackupRetentionDays ?? tierBackup.retentionDays;
      const days = Number.parseInt(str(get(find(b, "ObjectStore"), "spec", "retentionPolicy")), 10);
      if (maxDays !== undefined && days > maxDays) return `keeps backups ${String(days)} days, tier '${b.tier}' allows ${String(maxDays)}`;
      const floor = tier.ceilings.minBackupIntervalMinutes !== undefined ? tier.ceilings.minBackupIntervalMinutes * 60 : tierBackup.schedule === undefined ? undefined : shortestIntervalSeconds(tierBackup.schedule);
      for (const s of all(b, "ScheduledBackup")) {
        const every = shortestIntervalSeconds(str(get(s, "spec", "schedule")));
        if (floor !== undefined && every < floor) return `ScheduledBackup ${s.metadata.name} runs every ${formatInterval(every)}, tier '${b.tier}' at most every ${formatInterval(floor)}`;
      }
      return undefined;
    },
  },
  {
    id: "LL-BILL-1",
    title: "The tenant's billing identity is its own",
    fix: "give each tenant a customerId no other tenant uses as customerId or as its name",
    run: (b, _config, fleet) => {
      const customer = (x: typeof b): string => str(get(find(x, "Namespace"), "metadata", "labels", LABEL.customer));
      const mine = customer(b);
      const other = fleet.find((x) => x.tenant !== b.tenant && (customer(x) === mine || x.tenant === mine));
      return other === undefined ? undefined : `bills as '${mine}', as tenant '${other.tenant}' does (costs, invoices and Azure tags would merge)`;
    },
  },
];
