/**
 * The sync checkout: URL and branch validation, clone, fetch + reset, and the refusals an
 * operator needs (unreadable repository, a tree dir that belongs to another repository).
 *
 * Covers: lib/proc/fake.ts, lib/proc/real.ts, lib/sync/git.ts.
 */
import { deepEqual, match, rejects, throws } from "node:assert/strict";
import { RealRunner } from "../../lib/proc/real.ts";
import { FakeRunner } from "../../lib/proc/fake.ts";
import { GitError, updateCheckout, validateBranch, validateRepoUrl } from "../../lib/sync/git.ts";
import { makeRepo } from "../support/harness/git_repo.ts";

Deno.test("repository URLs that look like options or hold control characters are refused", () => {
  for (const bad of ["", "-uhack", "--upload-pack=touch /tmp/x", "a b", "url\nx"]) {
    throws(() => validateRepoUrl(bad), GitError, bad);
  }
  deepEqual(
    validateRepoUrl("git@example.com:ops/cluster.git"),
    "git@example.com:ops/cluster.git",
  );
  deepEqual(validateRepoUrl("/srv/git/cluster"), "/srv/git/cluster");
});

Deno.test("branch names are checked like git check-ref-format", () => {
  for (
    const bad of [
      ...["", "-f", "a..b", "a b", "x~1", "a:b", "ref.lock", "/x", "x/", "a@{1}", "a//b"],
      ...["x/.y", "x.", "a;b", "$(reboot)", "`id`", "a|b"],
    ]
  ) {
    throws(() => validateBranch(bad), GitError, bad);
  }
  deepEqual(validateBranch("release/2026-11"), "release/2026-11");
});

Deno.test("git is run with argv arrays and `--` before the URL", async () => {
  const runner = new FakeRunner().on(["git", "-C"], { stdout: "abc123\n" });
  const dir = await Deno.makeTempDir();
  try {
    await updateCheckout(runner, "ssh://git.example.com/cluster", "main", `${dir}/trees`);
    deepEqual(runner.calls[0].argv, [
      "git",
      "clone",
      "--quiet",
      "--branch",
      "main",
      "--",
      "ssh://git.example.com/cluster",
      `${dir}/trees`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("clone, then fetch and hard reset: the checkout follows the branch, even rewritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const repo = await makeRepo(dir);
    await repo.write("a.zk", "/a\n");
    const first = await repo.commit("first");
    const runner = new RealRunner();
    deepEqual(await updateCheckout(runner, repo.path, undefined, `${dir}/trees`), first);
    await Deno.writeTextFile(`${dir}/trees/stray.zk`, "/stray\n");
    await repo.remove("a.zk");
    await repo.write("b.zk", "/b\n");
    const second = await repo.commit("second");
    deepEqual(await updateCheckout(runner, repo.path, "master", `${dir}/trees`), second);
    const names = [...Deno.readDirSync(`${dir}/trees`)].map((e) => e.name).sort();
    deepEqual(names, [".git", "b.zk"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unreadable repository is a GitError that says what git said", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await rejects(
      () => updateCheckout(new RealRunner(), `${dir}/no-such-repo`, undefined, `${dir}/trees`),
      (error: Error) => {
        match(error.message, /^git clone of .*no-such-repo failed \(git exit \d+\): .+/);
        return error instanceof GitError;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a tree dir holding a checkout of another repository is refused, not reused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const one = await makeRepo(dir, "one");
    await one.commit("one");
    const two = await makeRepo(dir, "two");
    await two.commit("two");
    const runner = new RealRunner();
    await updateCheckout(runner, one.path, undefined, `${dir}/trees`);
    await rejects(
      () => updateCheckout(runner, two.path, undefined, `${dir}/trees`),
      (error: Error) =>
        error instanceof GitError &&
        error.message.includes(`is a checkout of ${one.path}, not ${two.path}`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
