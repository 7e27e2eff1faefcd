/**
 * The test task: `deno task test [PATH ...] [-- DENO_TEST_ARGS]`. Makes sure the machine has
 * what the suite needs (ZooKeeper, the Docker engine and friends, Chromium; see tests/support/servers/),
 * then runs `deno test -A` on the paths given, or on all of tests/ when none is:
 *
 * ```sh
 * deno task test                      # everything
 * deno task test tests/agent/         # one area
 * deno task test tests/tree/ tests/sync/decide_test.ts --filter round
 * ```
 *
 * Every argument goes to `deno test` as it is; when none names a file or folder, tests/ is added.
 * The exit status is `deno test`'s.
 *
 * @module
 */

const HERE = new URL(".", import.meta.url).pathname;

async function run(args: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args, stdin: "null" }).spawn();
  return (await child.status).code;
}

const ENSURE = [
  "support/servers/ensure_zookeeper.ts",
  "support/servers/ensure_docker.ts",
  "support/servers/ensure_chromium.ts",
];
for (const ensure of ENSURE) {
  const code = await run(["run", "-A", `${HERE}${ensure}`]);
  if (code !== 0) Deno.exit(code);
}
const given = Deno.args.filter((arg) => arg !== "--");
// No path among the arguments (none at all, or only flags such as `--filter NAME`): all of tests/.
const namesPath = (arg: string) => {
  try {
    Deno.statSync(arg);
    return true;
  } catch {
    return false;
  }
};
const args = given.some((arg) => !arg.startsWith("-") && namesPath(arg)) ? given : [...given, HERE];
Deno.exit(await run(["test", "-A", ...args]));
