/**
 * Another process holding a lock: `deno run -A lock_holder.ts CONNECT LOCK` takes LOCK in the
 * store at CONNECT (a short ZooKeeper session, so a crash frees it quickly), prints `ready`, and
 * waits to be killed.
 *
 * @module
 */
import { openStore } from "../../../lib/store/open.ts";

const [connect, name] = Deno.args;
const store = await openStore(connect, { sessionTimeoutMs: 1500 });
const lock = await store.tryLock(name);
if (lock === null) throw new Error(`lock ${name} is taken`);
console.log("ready");
setInterval(() => {}, 60_000); // stay alive until killed
