/**
 * Reading a checkout: its docker-compose.yml, whether it ships `update.sh`, its `service.json`;
 * a scratch clone read in its place; a migrate target's scripts and non-migrable volumes.
 *
 * @module
 */
import { exists } from "../fs.ts";
import type { Runner } from "../proc/types.ts";
import type { AppIdentity } from "./app.ts";
import { clone } from "./step_builders.ts";
import { parseCompose } from "./compose.ts";
import { BUTTERVOLUME_DRIVER } from "./defaults.ts";
import { describeRun } from "./effects.ts";
import type { Outcome } from "./execute.ts";
import { nonMigrableVolumes } from "./migrable.ts";
import type { Checkout } from "./plan_deploy.ts";

/**
 * The text of the `docker-compose.yml` in `readDir`, and its path as named in errors (under
 * `dir`); a missing file is `<dir>/docker-compose.yml: not found`.
 */
async function readComposeFile(
  readDir: string,
  dir: string,
): Promise<{ text: string; composePath: string }> {
  const composePath = `${dir}/docker-compose.yml`;
  try {
    return { text: await Deno.readTextFile(`${readDir}/docker-compose.yml`), composePath };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new Error(`${composePath}: not found`);
    throw error;
  }
}

/**
 * Reads the checkout whose files are in `readDir`; `dir` is where it lives on the node (the
 * same, except in test mode where the clone is made in a scratch directory) and names it in
 * errors.
 */
export async function readCheckout(
  readDir: string,
  dir: string,
  project: string,
  driver: string = BUTTERVOLUME_DRIVER,
): Promise<Checkout> {
  const { text, composePath } = await readComposeFile(readDir, dir);
  const checkout: Checkout = {
    dir,
    compose: parseCompose(text, project, composePath, driver),
    updateScript: await exists(`${readDir}/update.sh`),
  };
  if (await exists(`${readDir}/service.json`)) {
    let service: unknown;
    try {
      service = JSON.parse(await Deno.readTextFile(`${readDir}/service.json`));
    } catch (error) {
      throw new Error(`${dir}/service.json: not valid JSON: ${(error as Error).message}`);
    }
    if (service === null || typeof service !== "object" || Array.isArray(service)) {
      throw new Error(`${dir}/service.json: expected a JSON object (a Consul service definition)`);
    }
    checkout.service = service as Record<string, unknown>;
  }
  return checkout;
}

/** A checkout read, or the failed step that should have fetched it. */
export type CheckoutRead = { ok: true; checkout: Checkout } | Outcome & { ok: false };

/**
 * Clones `app` with `runner` into a scratch directory (removed after) and reads it as the
 * checkout `dir`: test mode's view of the new checkout, and the one a leaving master or slave
 * reads before it changes anything.
 */
export async function readScratchCheckout(
  runner: Runner,
  app: AppIdentity,
  dir: string,
  driver?: string,
): Promise<CheckoutRead> {
  const scratch = await Deno.makeTempDir({ prefix: "handler-checkout-" });
  try {
    const argv = clone(app.repo, app.branch, `${scratch}/checkout`).argv as string[];
    const result = await runner.run(argv);
    if (result.code !== 0) {
      return { ok: false, step: describeRun(argv), message: result.stderr.trim() };
    }
    return {
      ok: true,
      checkout: await readCheckout(`${scratch}/checkout`, dir, app.project, driver),
    };
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** What a migrate needs of the target application's checkout on its master. */
export interface TargetCheckout {
  /** Its directory. */
  dir: string;
  /** Whether it has an `update.sh`. */
  updateScript: boolean;
  /** Whether it has a `post_migrate.sh`. */
  postMigrateScript: boolean;
  /** Its volumes a migrate must keep (`<project>_<volume>`). */
  nonMigrable: string[];
}

/** Reads the target's checkout at `dir`; undefined when there is none. */
export async function readTargetCheckout(
  dir: string,
  project: string,
): Promise<TargetCheckout | undefined> {
  if (!await exists(dir)) return undefined;
  const { text, composePath } = await readComposeFile(dir, dir);
  return {
    dir,
    updateScript: await exists(`${dir}/update.sh`),
    postMigrateScript: await exists(`${dir}/post_migrate.sh`),
    nonMigrable: nonMigrableVolumes(text, project, composePath),
  };
}
