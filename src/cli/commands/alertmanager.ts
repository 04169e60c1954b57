/** `landlord alertmanager`: the fleet Alertmanager configuration, routing each tenant's alerts to it. */
import { InputError } from "../../errors.js";
import { fleetAlertmanagerConfig } from "../../render/alertmanager.js";
import { toJson, toYaml } from "../../render/serialize.js";
import type { CliIo } from "../io.js";
import { loadWorkspace, type GlobalOptions } from "../load-files.js";

export async function alertmanagerCommand(io: CliIo, global: GlobalOptions, opts: { file?: string[]; output?: "yaml" | "json" }): Promise<void> {
  const ws = await loadWorkspace(io, global, opts.file);
  const am = ws.platform.config.integrations.monitoring.alertmanager;
  if (!am) {
    throw new InputError([
      { file: global.config, path: "integrations.monitoring.alertmanager", message: "no fleet Alertmanager is configured", fix: "set integrations.monitoring.alertmanager.{secretsDir, platform} in landlord.yaml" },
    ]);
  }
  const config = fleetAlertmanagerConfig(am, ws.tenants);
  io.stdout(opts.output === "json" ? toJson(config) : toYaml(config));
}
