/**
 * One contender of the mixed store benchmark (`store_mixed_bench.ts`), as its own process:
 *
 * - `import STORE I ROUNDS`: writes a 100-node tree under `/bench/import<I>` ROUNDS times, each
 *   round with other values (writeTree: read, compare, multi);
 * - `count STORE I ROUNDS`: increments `/bench/counter` ROUNDS times by check-and-set;
 * - `agent STORE I`: an agent's store traffic: an ephemeral `/hosts/agent<I>`, a watch on
 *   `/hosts`; on every cluster version it reads the whole tree and reports the version in its
 *   host node (registered once `/hosts` exists). Ends when `/bench/stop` exists.
 *
 * Prints `done <ms>` when finished.
 *
 * @module
 */
import { openStore } from "../lib/store/open.ts";
import type { EphemeralHandle } from "../lib/store/types.ts";
import { readTree, updateProperties, writeTree } from "../lib/store/tree_io.ts";
import { decodeProperties, encodeProperties } from "../lib/tree/codec.ts";
import { emptyNode, type TreeNode } from "../lib/tree/model.ts";

const [mode, connect, index, rounds = "0"] = Deno.args;
const store = await openStore(connect);
const t0 = performance.now();

function importTree(round: number): TreeNode {
  const root = emptyNode("", { round });
  for (let a = 0; a < 10; a++) {
    const app = emptyNode(`app${a}`, { type: "z4m", version: `1.${round}.${a}` });
    for (let n = 0; n < 9; n++) app.children.set(`n${n}`, emptyNode(`n${n}`, { n, round }));
    root.children.set(app.name, app);
  }
  return root;
}

if (mode === "import") {
  for (let r = 0; r < Number(rounds); r++) {
    await writeTree(store, importTree(r), `/bench/import${index}`);
  }
} else if (mode === "count") {
  for (let r = 0; r < Number(rounds); r++) {
    await updateProperties(store, "/bench/counter", (p) => ({
      ...p,
      count: Number(p.count ?? 0) + 1,
    }));
  }
} else if (mode === "agent") {
  let host: EphemeralHandle | undefined;
  let busy = Promise.resolve();
  await new Promise<void>((resolve) => {
    const stopWatch = store.watch("/bench/stop", (node) => {
      if (node === null) return;
      queueMicrotask(() => stopWatch());
      resolve();
    });
    store.watch("/hosts", (node) => {
      if (node === null) return;
      const version = decodeProperties(node.data).version ?? null;
      busy = busy.then(async () => {
        await readTree(store, "/");
        const data = encodeProperties({ version });
        if (host === undefined) host = await store.ephemeral(`/hosts/agent${index}`, data);
        else await host.update(data);
      });
    });
  });
  await busy;
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(`done ${(performance.now() - t0).toFixed(0)}`);
await store.close();
Deno.exit(0);
