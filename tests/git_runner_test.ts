/**
 * The shared git runner: every `git` command gets the timeout, the low-speed limits, no prompts
 * and only the allowed transports; other commands pass through unchanged; an expired timeout says
 * which option set it.
 *
 * Covers: lib/git_runner.ts, lib/proc/fake.ts, lib/proc/real.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { GIT_PROTOCOLS, GitRunner } from "../lib/git_runner.ts";
import { FakeRunner } from "../lib/proc/fake.ts";
import { RealRunner } from "../lib/proc/real.ts";

Deno.test("git commands are bounded; other commands pass unchanged", async () => {
  const fake = new FakeRunner();
  const runner = new GitRunner(fake, { timeoutS: 300 });
  await runner.run(["git", "fetch", "origin"], { cwd: "/x", env: { A: "1" } });
  await runner.run(["docker", "ps"], { cwd: "/y" });
  const [git, docker] = fake.calls;
  equal(git.options.timeoutMs, 300_000);
  equal(git.options.cwd, "/x");
  deepEqual(git.options.env, {
    GIT_TERMINAL_PROMPT: "0",
    GIT_ALLOW_PROTOCOL: GIT_PROTOCOLS,
    GIT_HTTP_LOW_SPEED_LIMIT: "1000",
    GIT_HTTP_LOW_SPEED_TIME: "60",
    A: "1",
  });
  deepEqual(docker.options, { cwd: "/y" });
});

Deno.test("an expired git timeout says which option set it; ext:: is refused by git too", async () => {
  const dir = await Deno.makeTempDir({ prefix: "git-runner-" });
  try {
    const bin = `${dir}/git`;
    await Deno.writeTextFile(bin, "#!/bin/sh\nsleep 30\n");
    await Deno.chmod(bin, 0o755);
    const slow = new GitRunner(
      { run: (argv, o) => new RealRunner().run([bin, ...argv.slice(1)], o) },
      { timeoutS: 0.5, optionName: "--git-timeout" },
    );
    const result = await slow.run(["git", "fetch"]);
    equal(result.timedOut, true);
    equal(result.code, 124);
    equal(result.stderr, "git timed out after 0.5 s (--git-timeout)\n");
    // Even past URL validation, git itself refuses the ext:: transport under this runner.
    const real = new GitRunner(new RealRunner(), { timeoutS: 20 });
    const ext = await real.run(["git", "ls-remote", "--", `ext::touch ${dir}/pwned`]);
    equal(ext.code !== 0, true);
    equal(await Deno.stat(`${dir}/pwned`).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
