/** Where the SQLite file goes when no URL is given, relative to landlord.yaml's folder. Its own module: checking for it must not load the store. */
import { join } from "node:path";

export const DEFAULT_SQLITE_PATH = join(".landlord", "landlord.db");
