/** Destructive commands: the tenant's name typed at a terminal, or --yes; never a silent default. */
import { InputError } from "../errors.js";
import type { CliIo } from "./io.js";

export interface Confirmation {
  /** The flag that asked for the destructive act, named when there is no terminal to ask at. */
  readonly flag: string;
  /** What it destroys, for the refusal without a terminal. */
  readonly destroys: string;
  /** What to do instead of confirming, if anything. */
  readonly otherwise?: string;
  /** The question, ending before "Type the tenant name to confirm". */
  readonly question: string;
}

export async function confirmByName(io: CliIo, name: string, c: Confirmation): Promise<void> {
  if (!io.prompt) throw new InputError([{ path: c.flag, message: `${c.destroys} and needs confirmation`, fix: `add --yes to confirm when not at a terminal${c.otherwise === undefined ? "" : `, or ${c.otherwise}`}` }]);
  const answer = await io.prompt(`${c.question} Type the tenant name to confirm: `);
  if (answer !== name) throw new InputError([{ path: "confirmation", message: "did not match the tenant name; nothing was done", fix: `type ${name} exactly, or add --yes` }]);
}
