import { createInterface } from "node:readline/promises";
import type { Host } from "../app/host.js";
import { InterruptedError } from "../errors.js";

/** The CLI's only contact with the process: streams, working directory, environment, signals. */
export interface CliIo extends Host {
  readonly stdout: (text: string) => void;
  /** Present only when a person is at a terminal: asks and returns the answer (Ctrl-C: InterruptedError). */
  readonly prompt?: (question: string) => Promise<string>;
  /**
   * Runs work that stops cleanly on SIGINT/SIGTERM: the signal it gets aborts on the first
   * one (a workflow then stops at its next step boundary and hands its lease back). Outside
   * such work a signal ends the process at once with 130, as usual.
   */
  readonly interruptible?: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;
}

/** Runs `work` under io.interruptible when the io has one (the real process), else without a signal. */
export function interruptibly<T>(io: CliIo, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  return io.interruptible ? io.interruptible(work) : work(undefined);
}

/**
 * A second signal during interruptible work exits at once with 130, for an operator who
 * does not want to wait for the step boundary.
 */
function interruptibleWork(): <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T> {
  return async (work) => {
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => {
      if (controller.signal.aborted) process.exit(130);
      process.stderr.write(`\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping at the next step boundary (again to quit at once)\n`);
      controller.abort(new InterruptedError(`interrupted by ${signal}`));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      return await work(controller.signal);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  };
}

export function processIo(): CliIo {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    interruptible: interruptibleWork(),
  };
  if (!process.stdin.isTTY || !process.stderr.isTTY) return io;
  return {
    ...io,
    prompt: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const asked = new AbortController();
      // In raw mode readline sees Ctrl-C itself; without a listener it would only pause.
      rl.on("SIGINT", () => {
        asked.abort();
      });
      try {
        return (await rl.question(question, { signal: asked.signal })).trim();
      } catch (err) {
        if (asked.signal.aborted) throw new InterruptedError("interrupted at the prompt; nothing was written", undefined, { cause: err });
        throw err;
      } finally {
        rl.close();
      }
    },
  };
}
