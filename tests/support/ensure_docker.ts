/**
 * Run before the test suite: makes sure the real-engine handler tests have what they need
 * (dockerd, docker-compose 1.29, the registry, a static busybox). On Debian, as root, installs
 * the missing packages with apt-get; elsewhere says exactly what to install. These tests never
 * silently skip.
 *
 * @module
 */
import { DOCKER_INSTALL_HINT, DOCKER_PACKAGES, missingDockerPrograms } from "./docker_engine.ts";

async function run(argv: string[]): Promise<boolean> {
  const status = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  return status.success;
}

if (missingDockerPrograms().length > 0) {
  let isDebian = false;
  try {
    isDebian = Deno.statSync("/etc/debian_version").isFile;
  } catch { /* not Debian */ }
  if (Deno.uid() === 0 && isDebian) {
    console.error(`Missing ${missingDockerPrograms().join(", ")}: installing Debian packages…`);
    if (
      !await run(["apt-get", "update", "-qq"]) ||
      !await run(["apt-get", "install", "-y", "-qq", ...DOCKER_PACKAGES])
    ) {
      console.error(`apt-get failed. ${DOCKER_INSTALL_HINT}`);
      Deno.exit(1);
    }
  }
  const missing = missingDockerPrograms();
  if (missing.length > 0) {
    console.error(`Missing ${missing.join(", ")}. ${DOCKER_INSTALL_HINT}`);
    Deno.exit(1);
  }
}
