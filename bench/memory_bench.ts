/**
 * Memory benchmark: the peak RSS of real `sync.ts` processes importing generated trees into a
 * real ZooKeeper — by default 44, 176 and 878 customers × 10 apps × 3 hosts (3 608, 14 432 and
 * 71 996 nodes) — per node, and above the peak of an empty `deno run` (what the tree costs, not
 * the runtime); a fresh sync (the import into an empty cluster) and an unchanged one at each
 * size. Then the refusal of a file with one 100 MB line by `tree validate`, `tree import
 * --dry-run` and sync (`--no-line` skips it). Peak RSS is GNU time's maximum resident set size,
 * which the load on a shared machine does not change much (unlike the times).
 *
 * Run: `deno run -A bench/memory_bench.ts [CUSTOMERS...] [--no-line]`. Not a test: figures depend
 * on the machine.
 *
 * @module
 */
import { makeRepo } from "../tests/support/harness/git_repo.ts";
import { startZooKeeper } from "../tests/support/servers/zookeeper.ts";
import { machine } from "./conditions.ts";
import { generateTrees, nodeCount } from "./tree_gen.ts";

const flags = Deno.args.filter((arg) => arg.startsWith("--"));
const sizes = Deno.args.filter((arg) => !arg.startsWith("--")).map(Number);
const customers = sizes.length > 0 ? sizes : [44, 176, 878];
const root = new URL("../", import.meta.url).pathname;

/** Runs `deno run -A args` under GNU time: its peak RSS in KB, its exit code. */
async function peakKb(args: string[], mustSucceed = true): Promise<number> {
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "peak-kb %M", Deno.execPath(), "run", "-A", "--quiet", ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  if (mustSucceed && !out.success) throw new Error(`deno run ${args.join(" ")} failed:\n${text}`);
  return Number(/peak-kb (\d+)/.exec(text)![1]);
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

const server = await startZooKeeper({ maxHeap: "1g" });
const work = await Deno.makeTempDir({ prefix: "clusterdeploy-memory-" });
try {
  const empty = `${work}/empty.ts`;
  await Deno.writeTextFile(empty, "");
  const base = await peakKb([empty]);
  console.log(`memory: ${(await machine()).summary}`);
  console.log(`empty deno run: ${mb(base)} peak RSS`);
  console.log("");
  console.log("| nodes | run | peak RSS | per node | per node above an empty deno run |");
  console.log("|---|---|---|---|---|");
  for (const c of customers) {
    const shape = { customers: c, apps: 10, hosts: 3 };
    const nodes = nodeCount(shape);
    const dir = `${work}/c${c}`;
    await Deno.mkdir(dir);
    const repo = await makeRepo(dir);
    for (const [name, text] of generateTrees(shape)) await repo.write(name, text);
    await repo.commit("initial");
    // Each size in a cluster of its own (a chroot, created by the store): a fresh sync imports
    // into an empty one.
    const store = `${server.connect}/c${c}`;
    const sync = [`${root}sync.ts`, "--store", store, "--tree-dir", `${dir}/trees`, repo.path];
    const row = (label: string, kb: number) =>
      console.log(
        `| ${nodes} | ${label} | ${mb(kb)} | ${(kb * 1024 / nodes).toFixed(0)} B | ` +
          `${((kb - base) * 1024 / nodes).toFixed(0)} B |`,
      );
    row("fresh sync", await peakKb(sync));
    await repo.commit("nothing changed");
    row("unchanged sync", await peakKb(sync));
  }
  if (!flags.includes("--no-line")) {
    console.log("");
    console.log("| a file with one 100 MB line, refused by | peak RSS | above an empty deno run |");
    console.log("|---|---|---|");
    const dir = `${work}/line`;
    await Deno.mkdir(dir);
    const repo = await makeRepo(dir);
    const file = await Deno.open(`${dir}/big.zk`, { write: true, create: true });
    const line = new TextEncoder().encode("y".repeat(1 << 20));
    await file.write(new TextEncoder().encode("/a\n  x = '"));
    for (let i = 0; i < 100; i++) await file.write(line);
    await file.write(new TextEncoder().encode("'\n"));
    file.close();
    const text = await Deno.readFile(`${dir}/big.zk`);
    await repo.write("big.zk", new TextDecoder().decode(text));
    await repo.commit("one huge line");
    const store = `file:${dir}/store.json`;
    const runs: [string, string[]][] = [
      ["tree validate", [`${root}main.ts`, "tree", "validate", `${dir}/big.zk`]],
      ["tree import --dry-run", [
        `${root}main.ts`,
        "tree",
        "import",
        "--dry-run",
        "--store",
        store,
        `${dir}/big.zk`,
      ]],
      ["sync", [
        `${root}sync.ts`,
        "--store",
        `${server.connect}/line`,
        "--tree-dir",
        `${dir}/trees`,
        repo.path,
      ]],
    ];
    for (const [label, args] of runs) {
      const kb = await peakKb(args, false);
      console.log(`| ${label} | ${mb(kb)} | ${mb(kb - base)} |`);
    }
  }
} finally {
  await server.close();
  await Deno.remove(work, { recursive: true });
}
