/**
 * Generates cluster trees in the tree text format, one `.zk` file per customer.
 *
 * - {@linkcode generateTrees}: C customers × A apps × H hosts, each app with a type, a few
 *   properties, a link and a deploy node per host (the sync benchmark's tree). With
 *   `deployable`, every app index has a package of its own, so no host is given two versions
 *   of one package and every host can deploy it (the fleet benchmark's tree).
 * - {@linkcode generateVariedTrees}: a seeded mix of everything deployments can say, for the
 *   index-equals-walk tests: host ids, host names, roles, `n`, subtypes, versioned package
 *   names, VCS versions, and the error cases (no type, bad type, no version, bad version, bad
 *   `n`, inconsistent versions, a host named by id and by name, a role host named by id).
 *
 * @module
 */

/** The size of a generated cluster. */
export interface ClusterShape {
  /** Customers (one top-level node and one file each). */
  customers: number;
  /** Apps per customer. */
  apps: number;
  /** Hosts each app is deployed to. */
  hosts: number;
}

/** Options of {@linkcode generateTrees}. */
export interface GenerateOptions {
  /** Host ids are `host0 … host<pool-1>` (default 97). */
  pool?: number;
  /** One package per app index (`pkg<a>`), so every host can deploy what it gets. */
  deployable?: boolean;
  /** Property lines added to every app node (a rollout policy: `max_parallel = 10`, …). */
  appProperties?: readonly string[];
}

/** The generated files: name → text. */
export function generateTrees(
  shape: ClusterShape,
  revision = 0,
  options: GenerateOptions = {},
): Map<string, string> {
  const pool = options.pool ?? 97;
  const files = new Map<string, string>();
  for (let c = 0; c < shape.customers; c++) {
    const lines = [`/cust${c} : customer`, `  name = 'Customer ${c}'`];
    for (let a = 0; a < shape.apps; a++) {
      const pkg = options.deployable ? `pkg${a}` : "z4m";
      lines.push(`  /app${a} : ${pkg}${a % 3 === 0 ? " cms" : ""}`);
      lines.push(`    version = '1.${revision}.${a}'`);
      lines.push(`    threads = ${2 + (a % 4)}`);
      lines.push(`    ports = [8080, ${9000 + a}]`);
      lines.push(`    options = {'debug': False, 'workers': ${a}}`);
      lines.push(`    db -> /cust${c}/db`);
      for (const line of options.appProperties ?? []) lines.push(`    ${line}`);
      lines.push(`    /deploy`);
      for (let h = 0; h < shape.hosts; h++) {
        lines.push(`      /host${(c * shape.apps + a + h) % pool}`);
        if (h === 0) lines.push(`        n = 2`);
      }
      lines.push(`    /settings`);
      lines.push(`      timeout = 30`);
      lines.push(`    /monitoring`);
      lines.push(`    /logs`);
      lines.push(`      level = 'info'`);
    }
    lines.push(`  /db : postgres`, `    version = '15'`);
    files.set(`cust${String(c).padStart(3, "0")}.zk`, lines.join("\n") + "\n");
  }
  return files;
}

/** How many nodes a generated tree has. */
export function nodeCount(shape: ClusterShape): number {
  return shape.customers * (1 + 1 + shape.apps * (1 + 1 + 1 + 1 + 1 + shape.hosts));
}

/** A small seeded generator (mulberry32), so a varied tree is the same on every run. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** The names deploy children use in varied trees: ids, host names and roles. */
export const VARIED_KEYS = {
  ids: ["host0", "host1", "host2", "host3"],
  names: ["web0", "web1", "web2"],
  roles: ["db", "cache", "deploy"],
};

/**
 * A varied tree (one file text) from `seed`: `customers` top-level nodes of nested apps whose
 * deploy children mix ids, names and roles; with `errors`, some apps carry the error cases.
 */
export function generateVariedTrees(seed: number, customers = 4, errors = true): string {
  const pick = random(seed);
  const one = <T>(list: readonly T[]) => list[pick(list.length)];
  const keys = [...VARIED_KEYS.ids, ...VARIED_KEYS.names, ...VARIED_KEYS.roles];
  const lines: string[] = [];
  const app = (indent: string, name: string, depth: number) => {
    const broken = errors && pick(12) === 0 ? pick(5) : -1;
    const pkg = one(["z4m", "z4mmonitor", "squid", "z4m-4.0.0", "pkg-1.2"]);
    const type = broken === 0
      ? null
      : broken === 1
      ? `${pkg} a b`
      : pick(3) === 0
      ? `${pkg} cms`
      : pkg;
    lines.push(`${indent}/${name}${type === null ? "" : ` : ${type}`}`);
    const versioned = /-\d+(\.\d+)*$/.test(pkg);
    if (broken === 2 && !versioned) {
      // no version at all
    } else if (broken === 3) {
      lines.push(`${indent}  version = [1, 2]`);
    } else if (!versioned || pick(2) === 0) {
      const version = one([
        "'1.0.0'",
        "'2.0.0'",
        "3",
        "'svn+ssh://svn.example/repos/x/trunk'",
        "'git+https://git.example/x.git'",
      ]);
      lines.push(`${indent}  version = ${version}`);
    }
    lines.push(`${indent}  /deploy`);
    const chosen = new Set(Array.from({ length: 1 + pick(4) }, () => one(keys)));
    for (const key of [...chosen]) {
      lines.push(`${indent}    /${key}`);
      if (broken === 4 && pick(2) === 0) lines.push(`${indent}      n = -1`);
      else if (pick(3) === 0) lines.push(`${indent}      n = ${pick(4)}`);
    }
    if (depth < 2 && pick(3) === 0) app(`${indent}  `, `sub${pick(100)}`, depth + 1);
  };
  for (let c = 0; c < customers; c++) {
    lines.push(`/c${c % 3}${c >= 3 ? "-x" : ""}`);
    const apps = 1 + pick(5);
    for (let a = 0; a < apps; a++) app("  ", `app${a}${pick(4) === 0 ? "-x" : ""}`, 0);
  }
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const [c = "2", a = "2", h = "2"] = Deno.args;
  for (const [name, text] of generateTrees({ customers: +c, apps: +a, hosts: +h })) {
    console.log(`# ${name}\n${text}`);
  }
}
