/** The `landlord` command tree. Commands receive typed options; errors map to exit codes in run(). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Argument, Command, CommanderError, Option } from "commander";
import type { AdoptOptions } from "./commands/adopt.js";
import type { CapacityOptions } from "./commands/capacity.js";
import type { DomainsOptions } from "./commands/domains.js";
import type { CostOptions } from "./commands/cost.js";
import type { ReportOptions } from "./commands/report.js";
import type { MetricsOptions } from "./commands/metrics.js";
import type { SlaOptions } from "./commands/sla.js";
import type { DashboardsOptions } from "./commands/dashboards.js";
import type { LogsOptions } from "./commands/logs.js";
import type { OnboardOptions, UpdateOptions } from "./commands/tenants.js";
import type { ServeCommandOptions } from "./commands/serve.js";
import type { RestoreOptions } from "./commands/backup.js";
import type { OutputFormat } from "./commands/render.js";
import { describeError, EXIT, exitCodeFor } from "./exit.js";
import type { CliIo } from "./io.js";
import type { GlobalOptions } from "../app/load-files.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];
const fileOption = () => new Option("-f, --file <path>", "tenant file or directory (repeatable; default: tenants/ beside the config)").argParser(collect);

/** The package's version, from the package.json above this module (src/ or dist/src/). */
function landlordVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "landlord" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // Not here; one folder up.
    }
  }
  return "unknown";
}

/** Commands that report through their exit code (diff) set it here; one per run. */
interface RunState {
  exitCode: number;
}

export function buildProgram(io: CliIo, state: RunState = { exitCode: EXIT.ok }): Command {
  const program = new Command("landlord")
    .description("Run one SaaS app for many customers on a shared Kubernetes fleet.")
    .option("--config <path>", "platform config", "landlord.yaml")
    .option("--kubeconfig <file>", "kubeconfig for delivery.mode kubernetes (default: $KUBECONFIG, then ~/.kube/config)")
    .option("--context <name>", "kubeconfig context for every cluster (default: delivery.kubernetes.contexts, else the cluster's name)")
    .option("--new-store", "start an empty SQLite store although tenants were delivered from here (only after losing the store file)")
    .version(landlordVersion(), "--version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const global = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command("init")
    .description(
      "write a commented landlord.yaml and an example tenant; with --ci, also a CI pipeline that checks pull requests (validate, audit, diff) and rolls out tags v* (release create, rollout start --detach, rollout status -w), signed in to Azure by OIDC federation, no stored secrets, the CLI pinned to this version. " +
        "In a folder that already has landlord.yaml, --ci writes only the pipeline files and leaves the project as it is: an existing project adds CI with `landlord init --ci github` (or azure)",
    )
    .option("--dir <dir>", "where to write (the repository root, for the pipelines)", ".")
    .option("--ci <system>", "also write a pipeline: github (.github/workflows/landlord.yaml), azure (azure-pipelines.yml); repeatable or comma-separated", collect)
    .option("--force", "overwrite existing files (with --ci in an existing project: only the pipeline files)", false)
    .action(async (opts: { dir: string; force: boolean; ci?: string[] }) => (await import("./commands/init.js")).initCommand(io, { ...opts, version: landlordVersion() }));

  program
    .command("validate")
    .description("check landlord.yaml and tenant specs, and the objects they render against the real schemas")
    .addOption(fileOption())
    .option("--crds <dir>", "directory of CRD YAML to check custom resources against (default: $LANDLORD_CRDS_DIR)")
    .action(async (opts: { file?: string[]; crds?: string }) => (await import("./commands/validate.js")).validateCommand(io, global(), opts));

  program
    .command("render")
    .description("render tenant bundles: a YAML stream on stdout, or one folder per tenant with --out")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .option("--out <dir>", "write <dir>/<tenant>/kubernetes.yaml and terraform.tfvars.json")
    .action(async (opts: { file?: string[]; output: OutputFormat; out?: string }) => (await import("./commands/render.js")).renderCommand(io, global(), opts));

  program
    .command("explain")
    .description("show each effective value of a tenant and the layer that set it")
    .argument("<tenant>", "tenant name")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table"))
    .action(async (name: string, opts: { file?: string[]; output: "table" | "yaml" | "json" }) => (await import("./commands/explain.js")).explainCommand(io, global(), name, opts));

  program
    .command("metrics")
    .description("run a PromQL query fenced to the tenant's namespace (integrations.monitoring.prometheus)")
    .argument("<tenant>", "tenant name")
    .argument("<promql>", "PromQL expression; the namespace matcher is added to every selector")
    .addOption(fileOption())
    .option("--time <t>", "instant query at this time (RFC 3339 or unix seconds; default: now)")
    .option("--start <t>", "range query from this time")
    .option("--end <t>", "range query up to this time (default: now)")
    .option("--since <duration>", "range query over the last duration, e.g. 1h")
    .option("--step <duration>", "resolution of a range query, e.g. 1m")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table"))
    .action(async (name: string, promql: string, opts: MetricsOptions) => (await import("./commands/metrics.js")).metricsCommand(io, global(), name, promql, opts));

  program
    .command("sla")
    .description("monthly availability per tenant from Prometheus, against the tier's promise, with service credits")
    .argument("[tenant]", "only this tenant")
    .requiredOption("--month <YYYY-MM>", "calendar month, UTC")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table"))
    .action(async (name: string | undefined, opts: SlaOptions) => (await import("./commands/sla.js")).slaCommand(io, global(), name, opts));

  program
    .command("alertmanager")
    .summary("print the fleet Alertmanager config: each tenant's alerts to its contacts, all to the platform (webhook URLs as file references)")
    .description(
      "print the fleet Alertmanager config: each tenant's alerts to its contacts, all to the platform (webhook URLs as file references). " +
        "A tenant whose file is invalid or that Alertmanager would refuse (e.g. a time zone not spelled as its IANA name) is left out and named on stderr as a warning, exit 0: everyone else's routes are still printed, and its alerts reach the platform receiver",
    )
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .action(async (opts: { file?: string[]; output?: "yaml" | "json" }) => (await import("./commands/alertmanager.js")).alertmanagerCommand(io, global(), opts));

  program
    .command("dashboards")
    .description("print each tenant's Grafana dashboard (tenant fixed in every query) and Loki datasource (org header fixed)")
    .argument("[tenant]", "only this tenant")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["json", "yaml"]).default("json"))
    .action(async (name: string | undefined, opts: DashboardsOptions) => (await import("./commands/dashboards.js")).dashboardsCommand(io, global(), name, opts));

  program
    .command("logs")
    .description("a tenant's pod logs, read with the tenant's own namespace-scoped kubeconfig (.landlord/credentials/<tenant>/kubeconfig)")
    .argument("<tenant>", "tenant name")
    .option("--app", "the app's pods (default)")
    .option("--db", "the database instances")
    .option("--since <duration>", "only lines newer than this, e.g. 1h")
    .option("--tail <n>", "last n lines per pod")
    .addOption(fileOption())
    .action(async (name: string, opts: LogsOptions) => (await import("./commands/logs.js")).logsCommand(io, global(), name, opts));

  const backup = program.command("backup").description("a tenant database's backups (CloudNativePG with the Barman Cloud plugin)");
  backup
    .command("list")
    .description("each backup of the tenant's database, why it was taken, and the window the archive restores to")
    .argument("<tenant>", "tenant name")
    .addOption(new Option("-o, --output <format>", "output format").choices(["wide", "name", "yaml", "json"]))
    .action(async (name: string, opts: { output?: string }) => (await import("./commands/backup.js")).backupListCommand(io, global(), name, opts));
  backup
    .command("verify")
    .description("a restore drill: fingerprint the database, restore its archive into <namespace>-restore, compare row counts and checksums, remove the copy")
    .argument("<tenant>", "tenant name")
    .action(async (name: string) => (await import("./commands/backup.js")).backupVerifyCommand(io, global(), name));

  program
    .command("restore")
    .description("restore a tenant's database to a time: in place (after a backup of it), or as a copy in another namespace")
    .argument("<tenant>", "tenant name")
    .option("--to <time>", "RFC 3339 time to restore to, e.g. 2026-12-07T09:30:00Z (default: the newest state the archive holds)")
    .option("--into <namespace>", "restore a copy into this namespace and leave the tenant alone (with workload identity: <namespace>-restore)")
    .option("-y, --yes", "confirm an in-place restore without a prompt")
    .action(async (name: string, opts: RestoreOptions) => (await import("./commands/backup.js")).restoreCommand(io, global(), name, opts));

  program
    .command("onboard")
    .description("onboard a tenant: reserve, render, deliver, issue credentials (asks for what is missing at a terminal)")
    .argument("[name]", "tenant name")
    .option("--tier <tier>", "tier from landlord.yaml")
    .option("--domain <host>", "a domain the tenant is served on (repeatable)", collect)
    .option("--contact <email>", "contact for alerts")
    .option("--display-name <text>", "display name (default: the name)")
    .option("-f, --file <path>", "a Tenant spec file instead of the flags (not together with them)")
    .option("--dry-run", "check the spec, placement and conflicts and print the plan; write nothing", false)
    .option("--reuse-retained-name", "the name's previous tenant is still retained: onboard anyway, with new cloud resources (vault, storage, state) beside the kept ones", false)
    .action(async (name: string | undefined, opts: OnboardOptions) => (await import("./commands/tenants.js")).onboardCommand(io, global(), name, opts));

  program
    .command("adopt")
    .description("take a hand-made deployment over as a tenant: built beside it, its database copied in and checked row for row, its hostnames switched last")
    .argument("<namespace>", "the namespace the existing setup runs in")
    .option("--name <tenant>", "tenant name (default: the namespace)")
    .option("--tier <tier>", "tier from landlord.yaml (default: the first)")
    .option("--email <address>", "the customer's contact for alerts and notices")
    .option("--domain <host>", "a hostname to serve (repeatable; default: the hosts of its Ingresses)", collect)
    .option("--cluster <name>", "the cluster of landlord.yaml it runs on (default: the only one)")
    .option("--database-secret <name>", "a Secret of the namespace with the database's password (keys password; username, database, host, port optional)")
    .option("--terraform-state <file>", "its `terraform state pull` output: resources named as Landlord names them are imported, not recreated")
    .option("--dry-run", "print what was found, the proposed spec and the plan; change nothing", false)
    .option("--write <file>", "with --dry-run: write the proposed tenant spec to FILE (not overwritten)")
    .option("-o, --output <format>", "with --dry-run: table, yaml or json", "table")
    .action(async (namespace: string, opts: AdoptOptions) => (await import("./commands/adopt.js")).adoptCommand(io, global(), namespace, opts));

  program
    .command("update")
    .description("deliver changes: new specs (-f), a tenant's stored spec after a landlord.yaml change (NAME), or every live tenant (--all); a plan first, then progress")
    .argument("[name]", "a stored tenant: re-deliver its spec as landlord.yaml now renders it (also retries a failed update)")
    .addOption(fileOption())
    .option("--all", "every Ready tenant whose spec or rendering (landlord.yaml) changed", false)
    .option("--dry-run", "print the plan only; write nothing", false)
    .action(async (name: string | undefined, opts: UpdateOptions) => (await import("./commands/tenants.js")).updateCommand(io, global(), name, opts));

  program
    .command("diff")
    .description("show what delivering would change, per object (exit 1 when something differs, like kubectl diff)")
    .argument("[tenant]", "only this stored tenant")
    .addOption(fileOption())
    .action(async (name: string | undefined, opts: { file?: string[] }) => {
      // Like kubectl diff: 0 same, 1 differences, 2 and above an error (never 0 or 1 for an unknown tenant).
      try {
        state.exitCode = await (await import("./commands/diff.js")).diffCommand(io, global(), name, opts);
      } catch (err) {
        io.stderr(describeError(err));
        state.exitCode = Math.max(EXIT.invalidInput, exitCodeFor(err));
      }
    });

  program
    .command("apply")
    .description("make the clusters match the tenant files: onboard new tenants, update changed ones, repair drift (delivery.mode kubernetes)")
    .addOption(fileOption())
    .addOption(new Option("--dry-run <mode>", "server: ask the API server what would change, persist nothing").choices(["none", "server"]))
    .action(async (opts: { file?: string[]; dryRun?: string }) => (await import("./commands/cluster.js")).applyCommand(io, global(), opts));

  program
    .command("audit")
    .description("isolation checks and cross-tenant network reachability over every tenant's bundle (exit 1 on any failure)")
    .addOption(fileOption())
    .option("--live", "ask the clusters instead: access reviews for every pair of stored tenants, refused attempts as each tenant's admins, and real packets along every path where nodes run containers", false)
    .option("--outside <ip:port>", "with --live: a listener outside the clusters that no tenant may reach (repeatable)", collect)
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json", "prometheus"]).default("text"))
    .action(async (opts: { file?: string[]; output?: string; live?: boolean; outside?: string[] }) => {
      state.exitCode = await (await import("./commands/audit.js")).auditCommand(io, global(), opts);
    });

  program
    .command("bootstrap")
    .description("install the platform's guardrails (admission policies) on every cluster, or print them with -o yaml")
    .option("--cluster <name>", "only this cluster")
    .addOption(new Option("--dry-run <mode>", "server: ask the API server what would change, persist nothing").choices(["none", "server"]))
    .addOption(new Option("-o, --output <format>", "print the objects instead of applying them").choices(["yaml"]))
    .action(async (opts: { cluster?: string; dryRun?: string; output?: string }) => (await import("./commands/cluster.js")).bootstrapCommand(io, global(), opts));

  program
    .command("status")
    .description("per object of each tenant: applied, ready, drifted (delivery.mode kubernetes)")
    .argument("[tenant]", "only this tenant")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]))
    .action(async (name: string | undefined, opts: { output?: string }) => (await import("./commands/cluster.js")).statusCommand(io, global(), name, opts));

  program
    .command("reconcile")
    .description("re-apply every Ready tenant: no writes when nothing changed, hand edits repaired (delivery.mode kubernetes)")
    .option("--tenant <name>", "only this tenant")
    .addOption(new Option("--dry-run <mode>", "server: show what would be repaired, persist nothing").choices(["none", "server"]))
    .action(async (opts: { tenant?: string; dryRun?: string }) => (await import("./commands/cluster.js")).reconcileCommand(io, global(), opts));

  program
    .command("offboard")
    .description("final backup, remove the tenant and its cloud resources, release its name and domains")
    .argument("<name>", "tenant name")
    .option("--force", "no retention window: data is destroyed now (asks for confirmation)", false)
    .option("--yes", "confirm --force without a prompt", false)
    .option("--dry-run", "print what would be removed; write nothing", false)
    .option("--backup-confirmed <backup>", "GitOps without cluster access: this committed final Backup is completed (you checked it); recorded in the audit log (repeatable)", collect)
    .action(async (name: string, opts: { force: boolean; yes: boolean; dryRun: boolean; backupConfirmed?: string[] }) => (await import("./commands/tenants.js")).offboardCommand(io, global(), name, opts));

  program
    .command("cost")
    .description("what each customer cost and pays in a month: allocated cluster cost, cloud cost, price, margin, sizing")
    .argument("[tenant]", "only this tenant")
    .requiredOption("--month <YYYY-MM>", "the month")
    .option("--prometheus <[cluster=]url>", "Prometheus of a cluster (repeatable; default: integrations.monitoring.prometheus.url)", collect)
    .option("--azure-export <file>", "an Azure cost export CSV (repeatable)", collect)
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format (opencost: the /allocation JSON)").choices(["table", "json", "csv", "opencost"]).default("table"))
    .action(async (tenant: string | undefined, opts: CostOptions) => (await import("./commands/cost.js")).costCommand(io, global(), tenant, opts));

  const invoice = program.command("invoice").description("invoices and credit notes: numbered without gaps, final once issued");
  const costInputs = (c: Command) =>
    c
      .option("--prometheus <[cluster=]url>", "Prometheus of a cluster (repeatable)", collect)
      .option("--azure-export <file>", "an Azure cost export CSV (repeatable)", collect)
      .addOption(fileOption());
  costInputs(invoice.command("issue").description("issue a tenant's invoice for a month").argument("<tenant>", "tenant name").requiredOption("--month <YYYY-MM>", "the month"))
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (tenant: string, opts: Omit<CostOptions, "output"> & { output: string }) => (await import("./commands/invoice.js")).invoiceIssueCommand(io, global(), tenant, opts));
  invoice
    .command("list")
    .option("--tenant <name>", "only this tenant's")
    .option("--month <YYYY-MM>", "only this month's")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "csv"]).default("table"))
    .action(async (opts: { tenant?: string; month?: string; output: string }) => (await import("./commands/invoice.js")).invoiceListCommand(io, global(), opts));
  invoice
    .command("show")
    .argument("<number>", "invoice or credit note number")
    .option("--pdf <file>", "also write the document as a PDF")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (number: string, opts: { output: string; pdf?: string }) => (await import("./commands/invoice.js")).invoiceShowCommand(io, global(), number, opts));
  invoice
    .command("credit")
    .description("correct an issued invoice with a credit note (all that is left of it, or --amount)")
    .argument("<number>", "invoice number")
    .requiredOption("--reason <text>", "why, printed on the credit note")
    .option("--amount <decimal>", "amount to credit, e.g. 12.50 (default: what is left of the invoice)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (number: string, opts: { reason: string; amount?: string; output: string }) => (await import("./commands/invoice.js")).invoiceCreditCommand(io, global(), number, opts));

  program
    .command("capacity")
    .description("capacity planning")
    .command("plan")
    .description("nodes, dedicated pools and clusters needed (AKS limits, headroom), cost per customer, when a new shared cluster is due")
    .option("--tenants <tier=n,...>", "tenants per tier, e.g. small=500,medium=40,large=5 (default: the tenant files)")
    .option("--headroom <percent>", "share of each shared node kept free", "20")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "csv"]).default("table"))
    .action(async (opts: CapacityOptions) => (await import("./commands/capacity.js")).capacityPlanCommand(io, global(), opts));

  program
    .command("report")
    .description("the platform's success metrics: onboarding time p50/p95/max, cost per customer, what is not measured")
    .option("--month <YYYY-MM>", "the month (adds cost per customer)")
    .option("--prometheus <[cluster=]url>", "Prometheus of a cluster (repeatable)", collect)
    .option("--azure-export <file>", "an Azure cost export CSV (repeatable)", collect)
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (opts: ReportOptions) => (await import("./commands/report.js")).reportCommand(io, global(), opts));

  const getOutput = () => new Option("-o, --output <format>", "output format (yaml and json: the same objects, status included)").choices(["wide", "name", "yaml", "json"]);
  const get = program.command("get").description("list resources, or show named ones (tenants, workflows)");
  get
    .command("tenants")
    .alias("tenant")
    .description("list tenants, or show the named ones")
    .argument("[names...]", "tenant names")
    .addOption(getOutput())
    .option("--all", "include offboarded tenants", false)
    .action(async (names: string[], opts: { output?: string; all?: boolean }) => (await import("./commands/tenants.js")).getTenantsCommand(io, global(), opts, names));
  get
    .command("workflows")
    .alias("workflow")
    .description("list workflows, or show the named ones")
    .argument("[ids...]", "workflow ids")
    .option("--tenant <name>", "only this tenant's")
    .addOption(getOutput())
    .action(async (ids: string[], opts: { tenant?: string; output?: string }) => (await import("./commands/workflows.js")).getWorkflowsCommand(io, global(), ids, opts));

  const describe = program.command("describe").description("show one resource in detail");
  describe
    .command("tenant")
    .description("spec, effective values, status and workflow history of a tenant")
    .argument("<name>", "tenant name")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .action(async (name: string, opts: { output?: string }) => (await import("./commands/tenants.js")).describeTenantCommand(io, global(), name, opts));

  const notices = program.command("notices").description("what customers are told: rollout, maintenance and incident notices by email and Slack-compatible webhook");
  notices
    .command("list", { isDefault: true })
    .description("notices queued, sent and failed, newest first")
    .option("--tenant <name>", "one tenant's")
    .addOption(new Option("--state <state>", "only in this state").choices(["pending", "sent", "failed"]))
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table"))
    .action(async (opts: { tenant?: string; state?: "pending" | "sent" | "failed"; output?: "table" | "yaml" | "json" }) => (await import("./commands/notices.js")).noticesListCommand(io, global(), opts));
  notices
    .command("send")
    .description("tell tenants of planned maintenance or an incident, now (exit 1 if a message could not go yet; it is retried)")
    .argument("[tenants...]", "tenant names (or --all)")
    .addOption(new Option("--kind <kind>", "what it is about").choices(["maintenance", "incident"]).makeOptionMandatory())
    .requiredOption("--message <text>", "what customers should know, in their words")
    .option("--all", "every tenant that is not offboarded")
    .option("--starts-at <time>", "when the maintenance starts (ISO 8601, e.g. 2026-12-24T02:00:00Z)")
    .option("--ends-at <time>", "when it ends")
    .action(async (tenants: string[], opts: { kind: "maintenance" | "incident"; message: string; all?: boolean; startsAt?: string; endsAt?: string }) => {
      state.exitCode = await (await import("./commands/notices.js")).noticesSendCommand(io, global(), tenants, opts);
    });
  notices
    .command("deliver")
    .description("send queued notices that are due now (landlord serve does this every 30 s)")
    .action(async () => {
      state.exitCode = await (await import("./commands/notices.js")).noticesDeliverCommand(io, global());
    });

  const domains = program.command("domains").description("a tenant's domains: served, or custom and pending a DNS TXT challenge");
  const domainsOutput = () => new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table");
  domains
    .command("list", { isDefault: true })
    .description("each domain's status, and the TXT record that proves a custom one")
    .argument("<tenant>", "tenant name")
    .addOption(domainsOutput())
    .action(async (name: string, opts: DomainsOptions) => (await import("./commands/domains.js")).domainsCommand(io, global(), name, opts));
  domains
    .command("verify")
    .description("look up the TXT records of pending custom domains (exit 1 while any stays pending)")
    .argument("<tenant>", "tenant name")
    .addOption(domainsOutput())
    .action(async (name: string, opts: DomainsOptions) => {
      state.exitCode = await (await import("./commands/domains.js")).domainsVerifyCommand(io, global(), name, opts);
    });

  const workflows = program.command("workflows").description("durable workflows: list, describe, resume, cancel");
  workflows
    .command("list", { isDefault: true })
    .option("--tenant <name>", "only this tenant's")
    .addOption(getOutput())
    .action(async (opts: { tenant?: string; output?: string }) => (await import("./commands/workflows.js")).workflowsListCommand(io, global(), opts));
  workflows
    .command("describe")
    .argument("<id>", "workflow id")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .action(async (id: string, opts: { output?: string }) => (await import("./commands/workflows.js")).workflowsDescribeCommand(io, global(), id, opts));
  workflows
    .command("resume")
    .description("run a stopped workflow again (all resumable ones without an id)")
    .argument("[id]", "workflow id")
    .action(async (id: string | undefined) => {
      state.exitCode = await (await import("./commands/workflows.js")).workflowsResumeCommand(io, global(), id);
    });
  workflows
    .command("cancel")
    .argument("<id>", "workflow id")
    .action(async (id: string) => (await import("./commands/workflows.js")).workflowsCancelCommand(io, global(), id));

  // Releases and progressive rollouts (docs/adr/0012).
  const release = program.command("release").description("versions of the app a rollout moves the fleet to");
  release
    .command("create")
    .description("record a release: an image tag, optionally another image and a config change")
    .argument("<version>", "image tag, e.g. 1.5.0")
    .option("--image <repository>", "image repository, when not landlord.yaml's defaults.app.image")
    .option("--env <KEY=VALUE>", "environment variable the release sets (repeatable)", collect)
    .option("--flag <KEY=VALUE>", "feature flag the release sets (repeatable)", collect)
    .option("--config-file <file>", "YAML with env and featureFlags")
    .option("--notes <text>", "what changed")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]))
    .action(async (version: string, opts: { image?: string; env?: string[]; flag?: string[]; configFile?: string; notes?: string; output?: string }) => (await import("./commands/release.js")).releaseCreateCommand(io, global(), version, opts));
  release
    .command("list")
    .addOption(new Option("-o, --output <format>", "output format").choices(["json"]))
    .action(async (opts: { output?: string }) => (await import("./commands/release.js")).releaseListCommand(io, global(), opts));
  const rollout = program.command("rollout").description("move the fleet to a release wave by wave, behind health gates, with automatic rollback");
  rollout
    .command("start")
    .description("plan the waves and run them (Ctrl-C leaves it resumable)")
    .argument("<version>", "a release from `landlord release create`")
    .option("--plan <file>", "rollout settings (waves, gates, bakeSeconds, onFailure, ...) instead of landlord.yaml's")
    .option("--dry-run", "print the plan only", false)
    .option("--detach", "record the rollout without running it here", false)
    .addOption(new Option("-o, --output <format>", "plan output with --dry-run").choices(["yaml", "json"]))
    .action(async (version: string, opts: { plan?: string; dryRun?: boolean; detach?: boolean; output?: string }) => {
      state.exitCode = await (await import("./commands/rollout.js")).rolloutStartCommand(io, global(), version, opts);
    });
  rollout
    .command("status")
    .description("waves and tenants of the active (or latest) rollout; -w follows it live")
    .argument("[id]", "rollout id")
    .option("-w, --watch", "print progress until the rollout stops", false)
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]))
    .action(async (id: string | undefined, opts: { watch?: boolean; output?: string }) => {
      state.exitCode = await (await import("./commands/rollout.js")).rolloutStatusCommand(io, global(), id, opts);
    });
  for (const [cmd, what] of [
    ["pause", "stop after the tenants in flight (their bake included)"],
    ["resume", "continue a paused rollout, or one whose runner died"],
    ["abort", "halt and roll back every tenant the rollout changed"],
    ["retry", "start a rolled-back, failed or aborted rollout over"],
  ] as const) {
    rollout
      .command(cmd)
      .description(what)
      .argument("[id]", "rollout id (default: the active one, else the latest)")
      .option("--detach", "change the state only; do not run the rollout here", false)
      .action(async (id: string | undefined, opts: { detach?: boolean }) => {
        state.exitCode = await (await import("./commands/rollout.js")).rolloutControlCommand(io, global(), cmd, id, opts);
      });
  }
  rollout
    .command("history")
    .addOption(new Option("-o, --output <format>", "output format").choices(["json"]))
    .action(async (opts: { output?: string }) => (await import("./commands/rollout.js")).rolloutHistoryCommand(io, global(), opts));

  program
    .command("serve")
    .description("the HTTP API, the portal and (on the replica holding the lease) the workflow runner and reconcile loop; until SIGTERM")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0: any free port)", "8080")
    .option("--operator-token-file <file>", "operator tokens, one per line (default: .landlord/operator-token beside the config, made if missing)")
    .option("--reconcile-interval <duration>", "how often the leader reconciles every Ready tenant (delivery.mode kubernetes); 0 turns it off", "60s")
    .option("--insecure-cookies", "session cookies without the Secure flag (plain HTTP beyond localhost; development only)", false)
    .option("--no-workers", "serve the API only; never run workflows or reconcile here")
    .option("--lease-ttl <duration>", "the workers' lease: a replica that stops renewing it is replaced after this long", "15s")
    .action(async (opts: ServeCommandOptions) => (await import("./commands/serve.js")).serveCommand(io, global(), opts));

  program
    .command("completion")
    .description("print a shell completion script: source <(landlord completion bash), or add it to ~/.bashrc / ~/.zshrc")
    .addArgument(new Argument("<shell>", "the shell").choices(["bash", "zsh"]))
    .action(async (shell: "bash" | "zsh") => {
      io.stdout((await import("./completion.js")).completionScript(program, shell));
    });

  return program;
}

/** Runs the CLI and returns its exit code; never calls process.exit itself. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const state: RunState = { exitCode: EXIT.ok };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return state.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT.ok;
      if (err.code === "commander.executeSubCommandAsync") return EXIT.failure;
      return EXIT.invalidInput;
    }
    io.stderr(describeError(err));
    return exitCodeFor(err);
  }
}
