/**
 * What each kind of handler event does on this node: `deploy`, `destroy` and `migrate` read
 * their payload, then, under the applications' locks ({@linkcode runLocked}), gather the facts
 * (the application records, the new checkout, a site another application serves) and plan.
 *
 * @module
 */
import { type AppIdentity, appIdentity, checkoutDir } from "./app.ts";
import { exists } from "../fs.ts";
import {
  type CheckoutRead,
  readCheckout,
  readScratchCheckout,
  readTargetCheckout,
} from "./checkout.ts";
import { EventError, RefusedError } from "./errors.ts";
import type { DecodedEvent } from "./event.ts";
import { type EventContext, type EventSettings, runLocked } from "./event_run.ts";
import { parseDeploy, parseDestroy, parseMigrate } from "./payload.ts";
import { projectCollision, urlCollision } from "./collisions.ts";
import { removeCheckout } from "./step_builders.ts";
import { type ComposeFacts } from "./compose.ts";
import {
  type Checkout,
  deployRoles,
  oldDeployId,
  planCheckout,
  planDeploy,
} from "./plan_deploy.ts";
import { planDestroy } from "./plan_destroy.ts";
import { planMigrate } from "./plan_migrate.ts";
import { type AppRecord, parseRecord } from "./record.ts";
import { appKey } from "./steps.ts";

/** Handles a `deploy` event; false when it was refused or failed. */
export async function deployEvent(context: EventContext, event: DecodedEvent): Promise<boolean> {
  const payload = parseDeploy(event.id, event.payload);
  const app = appIdentity(payload.repo, payload.branch);
  const members = await context.options.consul.members();
  for (const field of ["master", "slave"] as const) {
    const name = payload[field];
    if (name !== undefined && members[name] === undefined) {
      const known = Object.keys(members).join(", ");
      throw new EventError(event.id, `Payload.${field}`, `'${name}' is not a member (${known})`);
    }
  }
  return await runLocked(context, event, [app], async (node) => {
    const o = context.options;
    await refuseSharedProject(o, [app]);
    const old = await readRecord(o, app.name);
    let checkout: Checkout | undefined;
    const [was, becomes] = deployRoles({ node, old, payload });
    if (becomes !== "nothing") {
      const fetched = await fetchCheckout(context, app, event.id);
      if (!fetched.ok) return fetched;
      checkout = fetched.checkout;
      await refuseCollision(o, app, checkout.compose, async () => {
        await context.execute([removeCheckout(o.deployDir, app.name, event.id)]);
      });
    } else if (was !== "nothing") {
      // A leaving master or slave changes nothing if the new master will refuse the deploy.
      const read = await scratchCheckout(o, app, checkoutDir(o.deployDir, app.name, event.id));
      if (!read.ok) return read;
      await refuseCollision(o, app, read.checkout.compose, () => Promise.resolve());
    }
    const oldId = oldDeployId(old, event.id);
    const oldDir = oldId ? checkoutDir(o.deployDir, app.name, oldId) : "";
    return planDeploy({
      node,
      eventId: event.id,
      app,
      payload,
      old,
      members,
      deployDir: o.deployDir,
      compose: o.compose,
      oldCheckoutExists: oldDir !== "" && await exists(oldDir),
      checkout,
    });
  });
}

/** Handles a `destroy` event; false when it failed. */
export async function destroyEvent(context: EventContext, event: DecodedEvent): Promise<boolean> {
  const payload = parseDestroy(event.id, event.payload);
  const app = appIdentity(payload.repo, payload.branch);
  return await runLocked(context, event, [app], async (node) => {
    const o = context.options;
    await refuseSharedProject(o, [app]);
    const old = await readRecord(o, app.name);
    const dir = old?.deploy_id ? checkoutDir(o.deployDir, app.name, old.deploy_id) : "";
    return planDestroy({
      node,
      app,
      old,
      members: await o.consul.members(),
      deployDir: o.deployDir,
      compose: o.compose,
      checkoutExists: dir !== "" && await exists(dir),
    });
  });
}

/** Handles a `migrate` event (the target's lock taken first); false when it failed. */
export async function migrateEvent(context: EventContext, event: DecodedEvent): Promise<boolean> {
  const payload = parseMigrate(event.id, event.payload);
  const source = appIdentity(payload.repo, payload.branch);
  const target = appIdentity(payload.target.repo, payload.target.branch);
  if (source.name === target.name) {
    throw new EventError(event.id, "Payload.target", `is the source application ${source.name}`);
  }
  return await runLocked(context, event, [target, source], async (node) => {
    const o = context.options;
    await refuseSharedProject(o, [target, source]);
    const targetRecord = await readRecord(o, target.name);
    const dir = targetRecord?.deploy_id
      ? checkoutDir(o.deployDir, target.name, targetRecord.deploy_id)
      : "";
    const onTarget = dir !== "" && targetRecord?.master === node;
    return planMigrate({
      node,
      eventId: event.id,
      source,
      target,
      sourceRecord: await readRecord(o, source.name),
      targetRecord,
      members: await o.consul.members(),
      deployDir: o.deployDir,
      compose: o.compose,
      update: payload.update,
      targetCheckout: onTarget ? await readTargetCheckout(dir, target.project) : undefined,
    });
  });
}

/**
 * Fetches the new checkout into `dir` and reads it. In test mode the clone is printed, and
 * made for real in a scratch directory so its docker-compose.yml can be read.
 */
async function fetchCheckout(
  context: EventContext,
  app: AppIdentity,
  eventId: string,
): Promise<CheckoutRead> {
  const o = context.options;
  const dir = checkoutDir(o.deployDir, app.name, eventId);
  const outcome = await context.execute(planCheckout(app, o.deployDir, eventId, await exists(dir)));
  if (!outcome.ok) return outcome;
  if (!o.test) {
    return { ok: true, checkout: await readCheckout(dir, dir, app.project, o.volumeDriver) };
  }
  return await scratchCheckout(o, app, dir);
}

/** Refuses the deploy of `app` (after `undo`) when another application serves one of its sites. */
async function refuseCollision(
  o: EventSettings,
  app: AppIdentity,
  compose: ComposeFacts,
  undo: () => Promise<unknown>,
): Promise<void> {
  const collision = urlCollision(app.name, compose.urls, await o.consul.kvList("app/"));
  if (collision === undefined) return;
  await undo();
  throw new RefusedError(collision);
}

/** Refuses the event (before anything runs) when one of `apps` shares another's compose project. */
async function refuseSharedProject(o: EventSettings, apps: AppIdentity[]): Promise<void> {
  const records = await o.consul.kvList("app/");
  for (const app of apps) {
    const collision = projectCollision(app, records);
    if (collision === undefined) continue;
    throw new RefusedError(app === apps[0] ? collision : `${app.name}: ${collision}`);
  }
}

/** The new checkout `dir` of `app` read from a scratch clone (removed after). */
function scratchCheckout(o: EventSettings, app: AppIdentity, dir: string): Promise<CheckoutRead> {
  return readScratchCheckout(o.checkoutRunner, app, dir, o.volumeDriver);
}

/** The record of application `name` in its KV document, if there is one. */
async function readRecord(o: EventSettings, name: string): Promise<Partial<AppRecord> | undefined> {
  const entry = await o.consul.kvGet(appKey(name));
  return entry === undefined ? undefined : parseRecord(name, entry.value);
}
