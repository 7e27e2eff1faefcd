/**
 * The real process runner: argv only, output captured, exit codes, a missing program, and a
 * timeout that kills the whole process tree (a shell script's own children included).
 *
 * Covers: lib/proc/kill_tree.ts, lib/proc/real.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { RealRunner } from "../../lib/proc/real.ts";
import { descendants } from "../../lib/proc/kill_tree.ts";

const runner = new RealRunner();

Deno.test("argv is passed as it is: no shell, no word splitting, no globbing", async () => {
  const result = await runner.run(["printf", "%s|", "a b", "*", "$HOME", "; rm -rf /"]);
  equal(result.code, 0);
  equal(result.stdout, "a b|*|$HOME|; rm -rf /|");
});

Deno.test("stdout, stderr, exit code and stdin", async () => {
  const result = await runner.run(["sh", "-c", "cat; echo oops >&2; exit 3"], { stdin: "in\n" });
  deepEqual([result.code, result.stdout, result.stderr, result.timedOut], [
    3,
    "in\n",
    "oops\n",
    false,
  ]);
});

Deno.test("a program that does not exist gives 127 and says why", async () => {
  const result = await runner.run(["/no/such/program", "x"]);
  equal(result.code, 127);
  equal(result.stderr.startsWith("/no/such/program: "), true);
});

Deno.test("a timeout kills the script and the children it started, and returns what it printed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The script's `sleep` child inherits the output pipes; killing only the shell would hang.
    const script = `${dir}/slow.sh`;
    await Deno.writeTextFile(script, `#!/bin/sh\necho started\nsleep 30\necho never\n`);
    await Deno.chmod(script, 0o755);
    const result = await runner.run([script], { timeoutMs: 300 });
    deepEqual([result.code, result.timedOut, result.stdout], [124, true, "started\n"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("descendants finds children and grandchildren", async () => {
  const child = new Deno.Command("sh", { args: ["-c", "sleep 5 & sleep 5 & wait"], stdout: "null" })
    .spawn();
  try {
    let found: number[] = [];
    for (let i = 0; i < 50 && found.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      found = descendants(child.pid);
    }
    equal(found.length, 2);
  } finally {
    for (const pid of [child.pid, ...descendants(child.pid)]) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await child.status;
  }
});
