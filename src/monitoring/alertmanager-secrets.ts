/**
 * For Alertmanager before 0.26, which has no webhook `url_file`: the generated config's
 * file references are resolved into URLs at deploy time, inside the Alertmanager pod (an
 * init container writing to a memory-backed volume, mode 0600). The rendered config, Git
 * and logs keep only file names. Errors name the file, never its content.
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import { LandlordError } from "../errors.js";
import { toYaml } from "../render/serialize.js";

type Reader = (path: string) => Promise<string>;

async function inlineReceiver(receiver: unknown, read: Reader): Promise<unknown> {
  if (typeof receiver !== "object" || receiver === null) return receiver;
  const r = receiver as Record<string, unknown>;
  const hooks = r.webhook_configs;
  if (!Array.isArray(hooks)) return receiver;
  const inlined = await Promise.all(
    hooks.map(async (h: unknown) => {
      if (typeof h !== "object" || h === null) return h;
      const { url_file: file, ...rest } = h as Record<string, unknown>;
      if (typeof file !== "string") return h;
      const url = await read(file).then(
        (s) => s.trim(),
        () => {
          throw new LandlordError(`webhook URL file ${file} of receiver ${String(r.name)} cannot be read`);
        },
      );
      if (!/^https?:\/\/\S+$/.test(url)) throw new LandlordError(`webhook URL file ${file} of receiver ${String(r.name)} does not hold an http(s) URL`);
      return { url, ...rest };
    }),
  );
  return { ...r, webhook_configs: inlined };
}

export async function inlineWebhookUrlFiles(config: Record<string, unknown>, read: Reader = (p) => readFile(p, "utf8")): Promise<Record<string, unknown>> {
  const receivers = Array.isArray(config.receivers) ? config.receivers : [];
  return { ...config, receivers: await Promise.all(receivers.map((r: unknown) => inlineReceiver(r, read))) };
}

/** Writes the runtime config readable by its owner only: it holds secrets. */
export async function writeRuntimeConfig(path: string, config: Record<string, unknown>): Promise<void> {
  await writeFile(path, toYaml(config), { mode: 0o600 });
  await chmod(path, 0o600);
}
