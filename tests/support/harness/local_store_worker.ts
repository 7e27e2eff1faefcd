/**
 * A second process for the local store tests.
 *
 * - `deno run -A local_store_worker.ts hold FILE PATH LOCK`: keeps an ephemeral node at PATH and
 *   the lock LOCK, prints `ready`, then waits to be killed.
 * - `deno run -A local_store_worker.ts count FILE PATH N`: increments property `count` of PATH
 *   N times (read-modify-write) and creates one child per increment, then prints `done`.
 *
 * @module
 */
import { openLocalStore } from "../../../lib/store/embedded/mod.ts";
import { updateProperties } from "../../../lib/store/tree_io.ts";

const [mode, file, path, arg] = Deno.args;
const store = await openLocalStore(file);
if (mode === "hold") {
  await store.ephemeral(path, JSON.stringify({ pid: Deno.pid }));
  const lock = await store.tryLock(arg);
  if (lock === null) throw new Error(`lock ${arg} is taken`);
  console.log("ready");
  setInterval(() => {}, 60_000); // stay alive until killed
} else if (mode === "count") {
  for (let i = 0; i < Number(arg); i++) {
    await updateProperties(store, path, (p) => ({ ...p, count: Number(p.count ?? 0) + 1 }));
    await store.multi([{ op: "create", path: `${path}/p${Deno.pid}-${i}`, data: "" }]);
  }
  await store.close();
  console.log("done");
} else {
  throw new Error(`unknown mode ${mode}`);
}
