/**
 * Live progress of a workflow as server-sent events. Snapshots come from the store, polled,
 * so the stream works on every replica whichever one runs the workflow; step logs of runs
 * in this process are forwarded as they happen. The stream ends with the workflow.
 *
 *   event: snapshot   data: the workflow with its steps (on connect and on every change)
 *   event: progress   data: an engine event (step-started, step-log, ...) from this replica
 *   event: end        data: the final snapshot
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Runtime } from "../app/runtime.js";
import { isFinished } from "../store/index.js";
import { redactSecrets } from "../util/redact.js";
import { workflowView } from "./views.js";

export class EventStreams {
  private readonly open = new Set<() => void>();

  constructor(
    private readonly rt: Runtime,
    private readonly pollMs = 300,
  ) {}

  /** Ends every open stream (shutdown), so the HTTP server can close. */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }

  async stream(_req: FastifyRequest, reply: FastifyReply, id: string): Promise<void> {
    const raw = reply.raw;
    reply.hijack();
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    let ended = false;
    const send = (event: string, data: unknown) => {
      if (!ended) raw.write(`event: ${event}\ndata: ${redactSecrets(JSON.stringify(data))}\n\n`);
    };
    let last = "";
    let timer: NodeJS.Timeout | undefined;
    const keepAlive = setInterval(() => {
      if (!ended) raw.write(": keep-alive\n\n");
    }, 15_000);
    const unsubscribe = this.rt.engine.subscribe((e) => {
      if (e.workflowId === id && e.type !== "workflow-finished") send("progress", e);
    });
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      clearInterval(keepAlive);
      unsubscribe();
      this.open.delete(end);
      raw.end();
    };
    this.open.add(end);
    // The response's close, not the request's: the request of a GET is complete at once.
    raw.on("close", end);
    const tick = async () => {
      try {
        const wf = await this.rt.store.workflows.require(id);
        const view = workflowView(wf, await this.rt.store.workflows.steps(id));
        const text = JSON.stringify(view);
        if (text !== last) {
          last = text;
          send(isFinished(wf.status) ? "end" : "snapshot", view);
        }
        if (isFinished(wf.status)) {
          end();
          return;
        }
      } catch (err) {
        send("error", { error: { code: "stream", message: err instanceof Error ? err.message : String(err), problems: [] } });
        end();
        return;
      }
      if (!ended) timer = setTimeout(() => void tick(), this.pollMs);
    };
    await tick();
  }
}
