/** The `landlord` command tree. Commands receive typed options; errors map to exit codes in run(). */
import { Command, CommanderError, Option } from "commander";
import { auditCommand } from "./commands/audit.js";
import { applyCommand, bootstrapCommand, reconcileCommand, statusCommand } from "./commands/cluster.js";
import { capacityPlanCommand, type CapacityOptions } from "./commands/capacity.js";
import { costCommand, type CostOptions } from "./commands/cost.js";
import { reportCommand, type ReportOptions } from "./commands/report.js";
import { invoiceCreditCommand, invoiceIssueCommand, invoiceListCommand, invoiceShowCommand } from "./commands/invoice.js";
import { diffCommand } from "./commands/diff.js";
import { explainCommand } from "./commands/explain.js";
import { metricsCommand, type MetricsOptions } from "./commands/metrics.js";
import { slaCommand, type SlaOptions } from "./commands/sla.js";
import { alertmanagerCommand } from "./commands/alertmanager.js";
import { dashboardsCommand, type DashboardsOptions } from "./commands/dashboards.js";
import { logsCommand, type LogsOptions } from "./commands/logs.js";
import { describeTenantCommand, getTenantsCommand, offboardCommand, onboardCommand, updateCommand, type OnboardOptions } from "./commands/tenants.js";
import { workflowsCancelCommand, workflowsDescribeCommand, workflowsListCommand, workflowsResumeCommand } from "./commands/workflows.js";
import { initCommand } from "./commands/init.js";
import { renderCommand, type OutputFormat } from "./commands/render.js";
import { validateCommand } from "./commands/validate.js";
import { describeError, EXIT, exitCodeFor } from "./exit.js";
import type { CliIo } from "./io.js";
import type { GlobalOptions } from "./workspace.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];
const fileOption = () => new Option("-f, --file <path>", "tenant file or directory (repeatable; default: tenants/ beside the config)").argParser(collect);

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
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  const global = (): GlobalOptions => program.opts<GlobalOptions>();

  program
    .command("init")
    .description("write a commented landlord.yaml and an example tenant")
    .option("--dir <dir>", "where to write", ".")
    .option("--force", "overwrite existing files", false)
    .action((opts: { dir: string; force: boolean }) => initCommand(io, opts));

  program
    .command("validate")
    .description("check landlord.yaml and tenant specs, and the objects they render against the real schemas")
    .addOption(fileOption())
    .option("--crds <dir>", "directory of CRD YAML to check custom resources against (default: $LANDLORD_CRDS_DIR)")
    .action((opts: { file?: string[]; crds?: string }) => validateCommand(io, global(), opts));

  program
    .command("render")
    .description("render tenant bundles: a YAML stream on stdout, or one folder per tenant with --out")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .option("--out <dir>", "write <dir>/<tenant>/kubernetes.yaml and terraform.tfvars.json")
    .action((opts: { file?: string[]; output: OutputFormat; out?: string }) => renderCommand(io, global(), opts));

  program
    .command("explain")
    .description("show each effective value of a tenant and the layer that set it")
    .argument("<tenant>", "tenant name")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table"))
    .action((name: string, opts: { file?: string[]; output: "table" | "yaml" | "json" }) => explainCommand(io, global(), name, opts));

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
    .action((name: string, promql: string, opts: MetricsOptions) => metricsCommand(io, global(), name, promql, opts));

  program
    .command("sla")
    .description("monthly availability per tenant from Prometheus, against the tier's promise, with service credits")
    .argument("[tenant]", "only this tenant")
    .requiredOption("--month <YYYY-MM>", "calendar month, UTC")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "yaml", "json"]).default("table"))
    .action((name: string | undefined, opts: SlaOptions) => slaCommand(io, global(), name, opts));

  program
    .command("alertmanager")
    .description("print the fleet Alertmanager config: each tenant's alerts to its contacts, all to the platform (webhook URLs as file references)")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .action((opts: { file?: string[]; output?: "yaml" | "json" }) => alertmanagerCommand(io, global(), opts));

  program
    .command("dashboards")
    .description("print each tenant's Grafana dashboard (tenant fixed in every query) and Loki datasource (org header fixed)")
    .argument("[tenant]", "only this tenant")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["json", "yaml"]).default("json"))
    .action((name: string | undefined, opts: DashboardsOptions) => dashboardsCommand(io, global(), name, opts));

  program
    .command("logs")
    .description("a tenant's pod logs, read with the tenant's own namespace-scoped kubeconfig (.landlord/credentials/<tenant>/kubeconfig)")
    .argument("<tenant>", "tenant name")
    .option("--app", "the app's pods (default)")
    .option("--db", "the database instances")
    .option("--since <duration>", "only lines newer than this, e.g. 1h")
    .option("--tail <n>", "last n lines per pod")
    .addOption(fileOption())
    .action((name: string, opts: LogsOptions) => logsCommand(io, global(), name, opts));

  program
    .command("onboard")
    .description("onboard a tenant: reserve, render, deliver, issue credentials (asks for what is missing at a terminal)")
    .argument("[name]", "tenant name")
    .option("--tier <tier>", "tier from landlord.yaml")
    .option("--domain <host>", "a domain the tenant is served on (repeatable)", collect)
    .option("--contact <email>", "contact for alerts")
    .option("--display-name <text>", "display name (default: the name)")
    .option("-f, --file <path>", "a Tenant spec file instead of the flags")
    .action((name: string | undefined, opts: OnboardOptions) => onboardCommand(io, global(), name, opts));

  program
    .command("update")
    .description("change a tenant (overrides, tier, version) from its spec file")
    .requiredOption("-f, --file <path>", "the Tenant spec file")
    .action((opts: { file: string }) => updateCommand(io, global(), opts));

  program
    .command("diff")
    .description("show what delivering would change, per object (exit 1 when something differs, like kubectl diff)")
    .argument("[tenant]", "only this stored tenant")
    .addOption(fileOption())
    .action(async (name: string | undefined, opts: { file?: string[] }) => {
      state.exitCode = await diffCommand(io, global(), name, opts);
    });

  program
    .command("apply")
    .description("make the clusters match the tenant files: onboard new tenants, update changed ones, repair drift (delivery.mode kubernetes)")
    .addOption(fileOption())
    .addOption(new Option("--dry-run <mode>", "server: ask the API server what would change, persist nothing").choices(["none", "server"]))
    .action((opts: { file?: string[]; dryRun?: string }) => applyCommand(io, global(), opts));

  program
    .command("audit")
    .description("isolation checks and cross-tenant network reachability over every tenant's bundle (exit 1 on any failure)")
    .addOption(fileOption())
    .option("--live", "ask the clusters instead: access reviews for every pair of stored tenants, and refused attempts as each tenant's admins", false)
    .addOption(new Option("-o, --output <format>", "output format").choices(["text", "json", "prometheus"]).default("text"))
    .action(async (opts: { file?: string[]; output?: string; live?: boolean }) => {
      state.exitCode = await auditCommand(io, global(), opts);
    });

  program
    .command("bootstrap")
    .description("install the platform's guardrails (admission policies) on every cluster, or print them with -o yaml")
    .option("--cluster <name>", "only this cluster")
    .addOption(new Option("--dry-run <mode>", "server: ask the API server what would change, persist nothing").choices(["none", "server"]))
    .addOption(new Option("-o, --output <format>", "print the objects instead of applying them").choices(["yaml"]))
    .action((opts: { cluster?: string; dryRun?: string; output?: string }) => bootstrapCommand(io, global(), opts));

  program
    .command("status")
    .description("per object of each tenant: applied, ready, drifted (delivery.mode kubernetes)")
    .argument("[tenant]", "only this tenant")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]))
    .action((name: string | undefined, opts: { output?: string }) => statusCommand(io, global(), name, opts));

  program
    .command("reconcile")
    .description("re-apply every Ready tenant: no writes when nothing changed, hand edits repaired (delivery.mode kubernetes)")
    .option("--tenant <name>", "only this tenant")
    .action((opts: { tenant?: string }) => reconcileCommand(io, global(), opts));

  program
    .command("offboard")
    .description("final backup, remove the tenant and its cloud resources, release its name and domains")
    .argument("<name>", "tenant name")
    .option("--force", "no retention window: data is destroyed now (asks for confirmation)", false)
    .option("--yes", "confirm --force without a prompt", false)
    .action((name: string, opts: { force: boolean; yes: boolean }) => offboardCommand(io, global(), name, opts));

  program
    .command("cost")
    .description("what each customer cost and pays in a month: allocated cluster cost, cloud cost, price, margin, sizing")
    .argument("[tenant]", "only this tenant")
    .requiredOption("--month <YYYY-MM>", "the month")
    .option("--prometheus <[cluster=]url>", "Prometheus of a cluster (repeatable; default: integrations.monitoring.prometheus.url)", collect)
    .option("--azure-export <file>", "an Azure cost export CSV (repeatable)", collect)
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format (opencost: the /allocation JSON)").choices(["table", "json", "csv", "opencost"]).default("table"))
    .action((tenant: string | undefined, opts: CostOptions) => costCommand(io, global(), tenant, opts));

  const invoice = program.command("invoice").description("invoices and credit notes: numbered without gaps, final once issued");
  const costInputs = (c: Command) =>
    c
      .option("--prometheus <[cluster=]url>", "Prometheus of a cluster (repeatable)", collect)
      .option("--azure-export <file>", "an Azure cost export CSV (repeatable)", collect)
      .addOption(fileOption());
  costInputs(invoice.command("issue").description("issue a tenant's invoice for a month").argument("<tenant>", "tenant name").requiredOption("--month <YYYY-MM>", "the month"))
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action((tenant: string, opts: Omit<CostOptions, "output"> & { output: string }) => invoiceIssueCommand(io, global(), tenant, opts));
  invoice
    .command("list")
    .option("--tenant <name>", "only this tenant's")
    .option("--month <YYYY-MM>", "only this month's")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "csv"]).default("table"))
    .action((opts: { tenant?: string; month?: string; output: string }) => invoiceListCommand(io, global(), opts));
  invoice
    .command("show")
    .argument("<number>", "invoice or credit note number")
    .option("--pdf <file>", "also write the document as a PDF")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action((number: string, opts: { output: string; pdf?: string }) => invoiceShowCommand(io, global(), number, opts));
  invoice
    .command("credit")
    .description("correct an issued invoice with a credit note (all that is left of it, or --amount)")
    .argument("<number>", "invoice number")
    .requiredOption("--reason <text>", "why, printed on the credit note")
    .option("--amount <decimal>", "amount to credit, e.g. 12.50 (default: what is left of the invoice)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action((number: string, opts: { reason: string; amount?: string; output: string }) => invoiceCreditCommand(io, global(), number, opts));

  program
    .command("capacity")
    .description("capacity planning")
    .command("plan")
    .description("nodes, dedicated pools and clusters needed (AKS limits, headroom), cost per customer, when a new shared cluster is due")
    .option("--tenants <tier=n,...>", "tenants per tier, e.g. small=500,medium=40,large=5 (default: the tenant files)")
    .option("--headroom <percent>", "share of each shared node kept free", "20")
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "csv"]).default("table"))
    .action((opts: CapacityOptions) => capacityPlanCommand(io, global(), opts));

  program
    .command("report")
    .description("the platform's success metrics: onboarding time p50/p95/max, cost per customer, what is not measured")
    .option("--month <YYYY-MM>", "the month (adds cost per customer)")
    .option("--prometheus <[cluster=]url>", "Prometheus of a cluster (repeatable)", collect)
    .option("--azure-export <file>", "an Azure cost export CSV (repeatable)", collect)
    .addOption(fileOption())
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"))
    .action((opts: ReportOptions) => reportCommand(io, global(), opts));

  const get = program.command("get").description("list resources");
  get
    .command("tenants")
    .description("list tenants")
    .addOption(new Option("-o, --output <format>", "output format").choices(["wide", "yaml", "json"]))
    .option("--all", "include offboarded tenants", false)
    .action((opts: { output?: string; all?: boolean }) => getTenantsCommand(io, global(), opts));

  const describe = program.command("describe").description("show one resource in detail");
  describe
    .command("tenant")
    .description("spec, effective values, status and workflow history of a tenant")
    .argument("<name>", "tenant name")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .action((name: string, opts: { output?: string }) => describeTenantCommand(io, global(), name, opts));

  const workflows = program.command("workflows").description("durable workflows: list, describe, resume, cancel");
  workflows
    .command("list", { isDefault: true })
    .option("--tenant <name>", "only this tenant's")
    .addOption(new Option("-o, --output <format>", "output format").choices(["json"]))
    .action((opts: { tenant?: string; output?: string }) => workflowsListCommand(io, global(), opts));
  workflows
    .command("describe")
    .argument("<id>", "workflow id")
    .addOption(new Option("-o, --output <format>", "output format").choices(["yaml", "json"]).default("yaml"))
    .action((id: string, opts: { output?: string }) => workflowsDescribeCommand(io, global(), id, opts));
  workflows
    .command("resume")
    .description("run a stopped workflow again (all resumable ones without an id)")
    .argument("[id]", "workflow id")
    .action(async (id: string | undefined) => {
      state.exitCode = await workflowsResumeCommand(io, global(), id);
    });
  workflows
    .command("cancel")
    .argument("<id>", "workflow id")
    .action((id: string) => workflowsCancelCommand(io, global(), id));

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
