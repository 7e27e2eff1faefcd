/**
 * Run before the test suite: makes sure a ZooKeeper server can be started. On Debian, as root,
 * installs the `zookeeper` package when it is missing; elsewhere says exactly what to install.
 * Tests never silently skip ZooKeeper.
 *
 * @module
 */
import { ensureDebianPackages } from "./debian_packages.ts";
import { INSTALL_HINT, zookeeperClasspath } from "./zookeeper.ts";

function available(): boolean {
  try {
    zookeeperClasspath();
    return true;
  } catch {
    return false;
  }
}

await ensureDebianPackages({
  missing: () => available() ? [] : ["zookeeper"],
  packages: ["zookeeper"],
  hint: INSTALL_HINT,
  installing: () => "ZooKeeper is missing: installing Debian's zookeeper package…",
  stillMissing: () => INSTALL_HINT,
});
try {
  const out = await new Deno.Command("java", { args: ["-version"], stdout: "null", stderr: "null" })
    .output();
  if (!out.success) throw new Error("java -version failed");
} catch {
  console.error(`Java is not on PATH. ${INSTALL_HINT}`);
  Deno.exit(1);
}
