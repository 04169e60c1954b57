/**
 * `landlord dashboards [TENANT]`: each tenant's Grafana dashboard, with the tenant fixed in
 * every query, and (when integrations.monitoring.loki is set) its Loki datasource with the
 * org header fixed, plus the log agent's namespace-to-org stages for the fleet.
 */
import { NotFoundError } from "../../errors.js";
import { lokiAgentStages, tenantDashboard, tenantLokiDatasource } from "../../render/dashboards.js";
import { toJson, toYaml } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../../app/load-files.js";

export interface DashboardsOptions {
  file?: string[];
  output?: "json" | "yaml";
}

export async function dashboardsCommand(io: CliIo, global: GlobalOptions, name: string | undefined, opts: DashboardsOptions): Promise<void> {
  const ws = await loadWorkspace(io, global, opts.file);
  const tenants = name === undefined ? ws.tenants : ws.tenants.filter((t) => t.tenant.metadata.name === name);
  if (name !== undefined && tenants.length === 0) throw new NotFoundError(`tenant '${name}' not found`);
  const config = ws.platform.config;
  const items = [...tenants]
    .sort((a, b) => (a.tenant.metadata.name < b.tenant.metadata.name ? -1 : 1))
    .map((t) => {
      const datasource = tenantLokiDatasource(config, t);
      return { tenant: t.tenant.metadata.name, namespace: t.names.namespace, dashboard: tenantDashboard(config, t), ...(datasource ? { datasources: datasource } : {}) };
    });
  const doc = { tenants: items, ...(config.integrations.monitoring.loki && name === undefined ? { logAgent: { pipeline_stages: lokiAgentStages(ws.tenants) } } : {}) };
  io.stdout(opts.output === "yaml" ? toYaml(doc) : toJson(doc));
}
