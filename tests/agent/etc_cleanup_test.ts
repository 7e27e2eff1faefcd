/**
 * `/etc/<app>` goes with the app's last deployment on this host (issue 8, item 8): removed
 * (rmdir) after the deployment; when something else is left in it, the agent says so and the
 * deployment still succeeds.
 *
 * Covers: lib/fs.ts.
 */
import { deepEqual as assertEquals, equal } from "node:assert/strict";
import { exists } from "../../lib/fs.ts";
import { INITIAL_TREE } from "../support/harness/agent_transcript.ts";
import { withLocalBench } from "../support/harness/agent_local_bench.ts";

/** The seed's tree without the monitor: its only deployment goes. */
const NO_MONITOR = INITIAL_TREE.replace(
  /\n {4}\/monitor : z4mmonitor\n {7}version = '1.1.0'\n {7}\/deploy\n {10}\/424242424242/,
  "",
);

function removeMonitor(extraFile: boolean) {
  return withLocalBench(async (bench, root) => {
    if (extraFile) await Deno.writeTextFile(`${root}/etc/z4mmonitor/notes.txt`, "kept\n");
    await bench.importTree(INITIAL_TREE);
    await bench.start();
    bench.take();
    await bench.importTree(NO_MONITOR);
    const log = await bench.setVersion(2);
    return {
      log,
      left: await exists(`${root}/etc/z4mmonitor`),
      z4m: await exists(`${root}/etc/z4m`),
    };
  });
}

Deno.test("etc cleanup: the app's last deployment gone, /etc/<app> is removed", async () => {
  equal(NO_MONITOR.includes("monitor"), false);
  const { log, left, z4m } = await removeMonitor(false);
  assertEquals(log.slice(-3), [
    "INFO yum -y remove z4mmonitor",
    "yum -y remove z4mmonitor",
    "INFO Done deploying version 2",
  ]);
  equal(left, false);
  equal(z4m, true); // still deployed
});

Deno.test("etc cleanup: a non-empty /etc/<app> is reported and kept; the deployment succeeds", async () => {
  const { log, left } = await removeMonitor(true);
  assertEquals(log.slice(-3), [
    "yum -y remove z4mmonitor",
    "ERROR Removing /etc/z4mmonitor: directory not empty",
    "INFO Done deploying version 2",
  ]);
  equal(left, true);
});
