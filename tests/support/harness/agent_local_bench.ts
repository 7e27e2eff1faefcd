/**
 * An agent bench on a fresh embedded store (a file in a temporary directory) and a seeded host
 * root, both removed after the test.
 *
 * @module
 */
import { openLocalStore } from "../../../lib/store/embedded/mod.ts";
import { makeSeedRoot } from "./agent_fake_host.ts";
import { AgentBench } from "./agent_harness.ts";

/**
 * Runs `test` with a bench (not started), its host root and the store's file; closes the agent
 * and the store and removes both directories after. Resolves to what `test` resolves to.
 */
export async function withLocalBench<T>(
  test: (bench: AgentBench, root: string, storeFile: string) => Promise<T>,
): Promise<T> {
  const root = await makeSeedRoot();
  const dir = await Deno.makeTempDir({ prefix: "agent-store-" });
  const store = await openLocalStore(`${dir}/tree.json`);
  const bench = new AgentBench(store, root);
  try {
    return await test(bench, root, `${dir}/tree.json`);
  } finally {
    await bench.close();
    await store.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
}
