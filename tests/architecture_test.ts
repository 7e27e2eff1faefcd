/**
 * The layering of `lib/`, checked on its import graph (static and dynamic imports, read from the
 * source text): sync and the agent never import each other (both sit on `lib/cluster/`); no
 * module imports the layers above it; no import circle; and outside `lib/store/` nothing reaches
 * into a store folder (`zookeeper/`, `embedded/`, `recipe/`) but through its `mod.ts`.
 *
 * Covers: every module of lib/ (its imports).
 */
import { deepEqual } from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;
const LIB = join(ROOT, "lib");

/** Every `.ts` file below `dir`, repo-relative. */
async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...await sources(path));
    else if (entry.name.endsWith(".ts")) out.push(relative(ROOT, path));
  }
  return out.sort();
}

/** The relative imports of a file (static, re-exports and dynamic), repo-relative. */
async function importsOf(file: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(ROOT, file));
  const found = new Set<string>();
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)"(\.{1,2}\/[^"]+)"/gm;
  for (const match of text.matchAll(pattern)) {
    found.add(relative(ROOT, resolve(dirname(join(ROOT, file)), match[1])));
  }
  return [...found].sort();
}

/** The whole graph of lib/: file → the lib files it imports. */
async function libGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of await sources(LIB)) {
    graph.set(file, (await importsOf(file)).filter((target) => target.startsWith("lib/")));
  }
  return graph;
}

/** The folder a lib module belongs to (`lib/agent`, `lib/store/zookeeper`, `lib` for top files). */
function folderOf(file: string): string {
  return dirname(file);
}

/** Layers from the bottom: a module may import its own layer and those below, never above. */
const LAYERS: string[][] = [
  ["lib/tree", "lib/proc", "lib"],
  ["lib/store", "lib/store/zookeeper", "lib/store/embedded", "lib/store/recipe"],
  ["lib/cluster", "lib/cli"],
  ["lib/sync", "lib/agent", "lib/agent/packages", "lib/handler"],
  ["lib/operator", "lib/operator/serve", "lib/operator/serve/pages"],
  ["lib/demo"],
];

function layerOf(folder: string): number {
  const index = LAYERS.findIndex((layer) => layer.includes(folder));
  if (index < 0) throw new Error(`${folder} is in no layer: add it to LAYERS`);
  return index;
}

Deno.test("lib/sync and lib/agent do not import each other", async () => {
  const crossings: string[] = [];
  for (const [file, targets] of await libGraph()) {
    for (const target of targets) {
      const [from, to] = [folderOf(file), folderOf(target)];
      if (
        (from === "lib/sync" && to === "lib/agent") || (from === "lib/agent" && to === "lib/sync")
      ) crossings.push(`${file} → ${target}`);
    }
  }
  deepEqual(crossings, []);
});

Deno.test("no lib module imports a layer above its own", async () => {
  const upward: string[] = [];
  for (const [file, targets] of await libGraph()) {
    for (const target of targets) {
      if (layerOf(folderOf(target)) > layerOf(folderOf(file))) upward.push(`${file} → ${target}`);
    }
  }
  deepEqual(upward, []);
});

Deno.test("the handler and the agent do not import each other", async () => {
  const crossings: string[] = [];
  for (const [file, targets] of await libGraph()) {
    for (const target of targets) {
      const pair = `${folderOf(file)} ${folderOf(target)}`;
      if (pair === "lib/handler lib/agent" || pair === "lib/agent lib/handler") {
        crossings.push(`${file} → ${target}`);
      }
      if (pair === "lib/handler lib/sync" || pair === "lib/sync lib/handler") {
        crossings.push(`${file} → ${target}`);
      }
    }
  }
  deepEqual(crossings, []);
});

Deno.test("no import circle in lib/", async () => {
  const graph = await libGraph();
  const circles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const target of graph.get(file) ?? []) {
      if (state.get(target) === "open") {
        circles.push([...stack.slice(stack.indexOf(target)), target].join(" → "));
      } else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  deepEqual(circles, []);
});

Deno.test("outside lib/store, a store folder is reached through its mod.ts only", async () => {
  const reaching: string[] = [];
  for (const [file, targets] of await libGraph()) {
    if (file.startsWith("lib/store/")) continue;
    for (const target of targets) {
      if (/^lib\/store\/[a-z_]+\/(?!mod\.ts$)/.test(target)) reaching.push(`${file} → ${target}`);
    }
  }
  deepEqual(reaching, []);
});

Deno.test("a store recipe uses the Store contract only, never a client", async () => {
  const clients: string[] = [];
  for (const [file, targets] of await libGraph()) {
    if (!file.startsWith("lib/store/recipe/")) continue;
    for (const target of targets) {
      if (/^lib\/store\/(zookeeper|embedded)\//.test(target)) clients.push(`${file} → ${target}`);
    }
  }
  deepEqual(clients, []);
});

Deno.test("outside lib/cluster, the cluster layout is reached through lib/cluster/mod.ts", async () => {
  const reaching: string[] = [];
  for (const [file, targets] of await libGraph()) {
    if (file.startsWith("lib/cluster/")) continue;
    for (const target of targets) {
      if (target.startsWith("lib/cluster/") && target !== "lib/cluster/mod.ts") {
        reaching.push(`${file} → ${target}`);
      }
    }
  }
  deepEqual(reaching, []);
});

Deno.test("every module of lib/ stays under 400 lines", async () => {
  const long: string[] = [];
  for (const file of await sources(LIB)) {
    const lines = (await Deno.readTextFile(join(ROOT, file))).split("\n").length - 1;
    if (lines > 400) long.push(`${file}: ${lines} lines`);
  }
  deepEqual(long, []);
});
