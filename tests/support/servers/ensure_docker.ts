/**
 * Run before the test suite: makes sure the real-engine handler tests have what they need
 * (dockerd, docker-compose 1.29, the registry, a static busybox). On Debian, as root, installs
 * the missing packages with apt-get; elsewhere says exactly what to install. These tests never
 * silently skip.
 *
 * @module
 */
import { ensureDebianPackages } from "./debian_packages.ts";
import { DOCKER_INSTALL_HINT, DOCKER_PACKAGES, missingDockerPrograms } from "./docker_engine.ts";

await ensureDebianPackages({
  missing: missingDockerPrograms,
  packages: DOCKER_PACKAGES,
  hint: DOCKER_INSTALL_HINT,
  installing: (missing) => `Missing ${missing.join(", ")}: installing Debian packages…`,
  stillMissing: (missing) => `Missing ${missing.join(", ")}. ${DOCKER_INSTALL_HINT}`,
});
