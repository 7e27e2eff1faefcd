/**
 * The demo's shipped files (under testdata/demo/, embedded by `deno task compile`), and how to
 * copy them into the demo's work directory. Files are read and written (not copied) so that
 * they also come out of a compiled binary's embedded file system.
 *
 * @module
 */

/** The example repository of trees: `*.zk`, `*.zkx` and a note sync ignores. */
export const DEMO_TREES = new URL("../../testdata/demo/cluster/", import.meta.url);

/** The example compose application ("shop"). */
export const DEMO_APP = new URL("../../testdata/demo/shop/", import.meta.url);

/** The simulated yum (a POSIX shell script), also used by the agent's end-to-end tests. */
export const SIMULATED_YUM = new URL("../../testdata/demo/simulated-yum.sh", import.meta.url);

/** The deploy script of every simulated package (`/opt/<pkg>/bin/zookeeper-deploy`). */
export const DEPLOY_SCRIPT = new URL("../../testdata/demo/zookeeper-deploy.sh", import.meta.url);

/** Copies the file `from` to `to`, creating its directory; `executable` sets mode 0755. */
export async function copyResource(from: URL, to: string, executable = false): Promise<void> {
  let text: string;
  try {
    text = await Deno.readTextFile(from);
  } catch (error) {
    throw new Error(
      `The demo's file ${from.pathname} cannot be read (${(error as Error).message}); ` +
        "run the demo from a clusterdeploy checkout or a binary built by `deno task compile`",
    );
  }
  await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(to, text);
  if (executable) await Deno.chmod(to, 0o755);
}

/** Copies every file of the directory `from` (not recursive) into `to`; returns their names. */
export async function copyResourceDir(from: URL, to: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(from)) {
    if (entry.isFile) names.push(entry.name);
  }
  names.sort();
  for (const name of names) {
    const mode = (await Deno.stat(new URL(name, from))).mode ?? 0o644;
    await copyResource(new URL(name, from), `${to}/${name}`, (mode & 0o111) !== 0);
  }
  return names;
}
