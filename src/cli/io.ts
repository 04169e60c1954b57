import { createInterface } from "node:readline/promises";

/** The CLI's only contact with the process: streams, working directory, environment. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Present only when a person is at a terminal: asks and returns the answer. */
  readonly prompt?: (question: string) => Promise<string>;
}

export function processIo(): CliIo {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
  };
  if (!process.stdin.isTTY || !process.stderr.isTTY) return io;
  return {
    ...io,
    prompt: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return (await rl.question(question)).trim();
      } finally {
        rl.close();
      }
    },
  };
}
