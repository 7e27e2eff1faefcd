/**
 * What the tree may name: the shared rules accept what real trees use (the seeds' packages,
 * versions and URLs) and refuse traversal, option-like words, metacharacters and odd transports.
 *
 * Covers: lib/tree/safe_values.ts.
 */
import { equal, notEqual } from "node:assert/strict";
import {
  appPathProblem,
  deploymentProblems,
  deployTargetProblem,
  nodeNameProblem,
  packageNameProblem,
  subtypeProblem,
  versionProblem,
} from "../../lib/tree/safe_values.ts";

const ok = (problem: string | undefined, what: string) => equal(problem, undefined, what);
const bad = (problem: string | undefined, what: string) => notEqual(problem, undefined, what);

Deno.test("package names and subtypes", () => {
  for (const name of ["z4m", "z4m-4.0.0", "z4mmonitor", "libstdc++", "python3.11", "_x"]) {
    ok(packageNameProblem(name), name);
  }
  ok(subtypeProblem("cms"), "cms");
  for (const name of ["", "..", "../../victim", "a/b", "-rf", "--installroot=/x", "a b", "a;b"]) {
    bad(packageNameProblem(name), name);
    bad(subtypeProblem(name), name);
  }
  bad(packageNameProblem("x".repeat(201)), "too long");
  bad(packageNameProblem(".hidden"), ".hidden");
  bad(packageNameProblem("a\nb"), "newline");
});

Deno.test("versions: package versions and the documented VCS URLs", () => {
  for (
    const v of [
      "1.0.0",
      "2.0-1",
      "1:2.0-3.el9",
      "1.0~rc1",
      "svn+ssh://svn.zope.com/repos/main/pywrite/trunk",
      "svn://svn.example.com/x/trunk",
      "git+https://git.example.com/x.git",
      "git+ssh://git@git.example.com/x.git",
      "git+file:///srv/git/x.git",
      "https://git.example.com/proxy.git",
    ]
  ) {
    ok(versionProblem(v), v);
  }
  for (
    const v of [
      "",
      "-1.0",
      "1.0 beta",
      "1.0\n",
      "1/2",
      "$(x)",
      "git+ext::sh -c x",
      "git+ext::sh",
      "git+fd::0",
      "git+--upload-pack=x",
      "git+https://x/y.git --upload-pack=z",
      "git+https://x/$(y).git",
      "svn://x/y;z",
      "http://example.com/x",
    ]
  ) {
    bad(versionProblem(v), v);
  }
});

Deno.test("deploy targets, deployed paths and node names", () => {
  for (const t of ["424242424242", "host42", "1.2.3.4:8080", "cache", "web@dc1"]) {
    ok(deployTargetProblem(t), t);
  }
  for (const t of ["-x", "a b", "a,b", "a/b", ""]) bad(deployTargetProblem(t), t);
  ok(appPathProblem("/cust/someapp/cms"), "plain");
  bad(appPathProblem("/a,b/c"), "comma");
  for (const n of ["a", "1.2.3.4:80", "a,b", "é", "a b"]) ok(nodeNameProblem(n), n);
  for (
    const n of ["", ".", "..", "a\x00", "a\x1fb", "a\x7f", "a\u0085", "😀", "\ue000", "\ufff0"]
  ) {
    bad(nodeNameProblem(n), JSON.stringify(n));
  }
  // The agent checks a deployment's values the same way, the deploy child included.
  const d = { pkg: "z4m", subtype: "cms", version: "1.0", path: "/cust/app", target: "host42" };
  equal(deploymentProblems(d).length, 0);
  equal(deploymentProblems({ ...d, target: "-x", path: "/a,b" }).length, 2);
});
