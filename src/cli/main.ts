#!/usr/bin/env node
import { processIo } from "./io.js";
import { run } from "./program.js";

// A closed pipe (`landlord render | head`) is the reader's choice, not a failure.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await run(process.argv.slice(2), processIo());
