/**
 * The package backends' commands and how they read installed versions.
 *
 * Covers: lib/agent/packages/mod.ts, lib/agent/packages/yum.ts, lib/agent/packages/apt.ts.
 */
import { deepEqual as assertEquals } from "node:assert/strict";
import { packageManager } from "../../lib/agent/packages/mod.ts";

Deno.test("yum: the seed's commands; versions without epoch and release", () => {
  const yum = packageManager("yum");
  assertEquals(yum.queryCommand("squid"), ["yum", "-q", "list", "installed", "squid"]);
  assertEquals(yum.refreshCommand(), ["yum", "-y", "clean", "all"]);
  assertEquals(yum.installCommand("squid", "2.0"), ["yum", "-y", "install", "squid-2.0"]);
  assertEquals(yum.installCommand("z4m-4.0.0", null), ["yum", "-y", "install", "z4m-4.0.0"]);
  assertEquals(yum.downgradeCommand("squid", "1"), ["yum", "-y", "downgrade", "squid-1"]);
  assertEquals(yum.removeCommand("squid"), ["yum", "-y", "remove", "squid"]);
  assertEquals(
    yum.parseInstalled("squid", "Installed Packages\nsquid \t2.0-1 \tinstalled\n"),
    "2.0",
  );
  assertEquals(
    yum.parseInstalled("squid", "Installed Packages\nsquid.x86_64   7:3.5.20-17.el7   @base\n"),
    "3.5.20",
  );
  assertEquals(yum.parseInstalled("squid", "Installed Packages\nsquidguard.x86_64 1-1 @x\n"), null);
});

Deno.test("dnf: yum's commands under its own name", () => {
  const dnf = packageManager("dnf");
  assertEquals(dnf.installCommand("squid", "2.0"), ["dnf", "-y", "install", "squid-2.0"]);
  assertEquals(dnf.queryCommand("squid"), ["dnf", "-q", "list", "installed", "squid"]);
});

Deno.test("apt: apt-get install pkg=version, dpkg-query to verify, apt-get remove", () => {
  const apt = packageManager("apt");
  assertEquals(apt.installCommand("squid", "2.0-1"), [
    "apt-get",
    "install",
    "-y",
    "--",
    "squid=2.0-1",
  ]);
  assertEquals(apt.removeCommand("squid"), ["apt-get", "remove", "-y", "--", "squid"]);
  assertEquals(apt.queryCommand("squid"), [
    "dpkg-query",
    "-W",
    "-f",
    "${Status} ${Version}\\n",
    "--",
    "squid",
  ]);
  // Operands come after `--`, so a name could never be read as an option.
  assertEquals(apt.downgradeCommand("squid", "1.0").slice(-2), ["--", "squid=1.0"]);
  assertEquals(apt.parseInstalled("squid", "install ok installed 2.0-1\n"), "2.0-1");
  assertEquals(apt.parseInstalled("squid", "deinstall ok config-files 2.0-1\n"), null);
});
