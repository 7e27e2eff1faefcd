/**
 * Generates a cluster tree of C customers × A apps × H hosts in the tree text format, one
 * `.zk` file per customer: each app has a type, a few properties, a link, and a deploy node
 * per host.
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

/** The generated files: name → text. */
export function generateTrees(shape: ClusterShape, revision = 0): Map<string, string> {
  const files = new Map<string, string>();
  for (let c = 0; c < shape.customers; c++) {
    const lines = [`/cust${c} : customer`, `  name = 'Customer ${c}'`];
    for (let a = 0; a < shape.apps; a++) {
      lines.push(`  /app${a} : z4m${a % 3 === 0 ? " cms" : ""}`);
      lines.push(`    version = '1.${revision}.${a}'`);
      lines.push(`    threads = ${2 + (a % 4)}`);
      lines.push(`    ports = [8080, ${9000 + a}]`);
      lines.push(`    options = {'debug': False, 'workers': ${a}}`);
      lines.push(`    db -> /cust${c}/db`);
      lines.push(`    /deploy`);
      for (let h = 0; h < shape.hosts; h++) {
        lines.push(`      /host${(c * shape.apps + a + h) % 97}`);
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

if (import.meta.main) {
  const [c = "2", a = "2", h = "2"] = Deno.args;
  for (const [name, text] of generateTrees({ customers: +c, apps: +a, hosts: +h })) {
    console.log(`# ${name}\n${text}`);
  }
}
