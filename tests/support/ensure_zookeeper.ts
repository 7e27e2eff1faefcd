/**
 * Run before the test suite: makes sure a ZooKeeper server can be started. On Debian, as root,
 * installs the `zookeeper` package when it is missing; elsewhere says exactly what to install.
 * Tests never silently skip ZooKeeper.
 *
 * @module
 */
import { INSTALL_HINT, zookeeperClasspath } from "./zookeeper_server.ts";

function available(): boolean {
  try {
    zookeeperClasspath();
    return true;
  } catch {
    return false;
  }
}

async function run(argv: string[]): Promise<boolean> {
  const status = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  return status.success;
}

if (!available()) {
  const isRoot = Deno.uid() === 0;
  let isDebian = false;
  try {
    isDebian = Deno.statSync("/etc/debian_version").isFile;
  } catch { /* not Debian */ }
  if (isRoot && isDebian) {
    console.error("ZooKeeper is missing: installing Debian's zookeeper package…");
    if (
      !await run(["apt-get", "update", "-qq"]) ||
      !await run(["apt-get", "install", "-y", "-qq", "zookeeper"])
    ) {
      console.error(`apt-get failed. ${INSTALL_HINT}`);
      Deno.exit(1);
    }
  }
  if (!available()) {
    console.error(INSTALL_HINT);
    Deno.exit(1);
  }
}
try {
  const out = await new Deno.Command("java", { args: ["-version"], stdout: "null", stderr: "null" })
    .output();
  if (!out.success) throw new Error("java -version failed");
} catch {
  console.error(`Java is not on PATH. ${INSTALL_HINT}`);
  Deno.exit(1);
}
