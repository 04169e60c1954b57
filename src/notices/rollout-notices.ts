/** Notices for the rollout runner: queued in the store, pushed out by a courier on demand. */
import type { NoticesConfig } from "../spec/notices-schema.js";
import type { Store } from "../store/index.js";
import { deliverDueNotices, type NoticeTransports } from "./courier.js";
import { queueNotices, type RolloutNotices } from "./queue.js";
import { noticeTransports } from "./transports.js";

/** How long the runner waits for a notice to go out before it changes the tenant anyway. */
const FLUSH_DEADLINE_MS = 15_000;

export function rolloutNotices(store: Store, config: NoticesConfig, opts: { transports?: NoticeTransports; log?: (line: string) => void } = {}): RolloutNotices | undefined {
  if (!config.enabled || (config.smtp === undefined && config.secretsDir === undefined)) return undefined;
  const transports = opts.transports ?? noticeTransports(config);
  let inFlight: Promise<unknown> = Promise.resolve();
  return {
    async queue(tenant, event) {
      await queueNotices(store, config, [tenant], () => event, new Date());
    },
    async flush() {
      // One pass at a time: parallel tenants of a wave share it instead of racing for rows.
      inFlight = inFlight.then(() => deliverDueNotices({ store, config, transports, ...(opts.log ? { log: opts.log } : {}) })).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, FLUSH_DEADLINE_MS)))]);
      clearTimeout(timer);
    },
  };
}
