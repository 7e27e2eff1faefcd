/**
 * Agent scenarios (testdata/agent/*.scenario), each run against both store kinds (a real
 * ZooKeeper server and the embedded local store) on the seed's fake host: the agent and the
 * test use separate clients, as the seed's agent and its `zk` did.
 *
 * Actions (see testdata/agent/seed.scenario for them in use):
 * - `import --trim` + input tree: the seed's `zk.import_tree(tree, trim=True)`;
 * - `start`, `start --run-once`, `close`, `bump`, `set-version VALUE` + the expected transcript
 *   (the agent's log and the fake commands' echo lines, in order; a run-once may end with
 *   `(exit N)`, default 0). `bump` adds one to the scenario's version counter (which starts at
 *   1 and nothing else changes, like the seed's `bump_version`); VALUE is a tree-file value;
 *   `start --after COMMAND ARG…` starts the agent with an after-deployment hook;
 *   `set-version VALUE &` does not wait for the deployment to end: only until the agent has
 *   seen the version and (with a block) logged the block's last line;
 * - the status file: `status-file` + expected `<version> <status>` (its time must be recent and
 *   its pid this process's: the agent runs in the test's process); `write-status AGE VERSION
 *   STATUS…` writes a record AGE seconds old; `monitor [--warn N] [--error N]` + the expected
 *   line and `(exit N)`;
 * - role locks: `request-lock PATH REQUESTOR HOSTNAME` queues another host's request;
 *   `release-lock PATH REQUESTOR` + transcript removes it and waits for the agent;
 * - `verbose on|off`: the running agent's verbose flag;
 * - `agent`, `deployments`, `installed-deployments`, `print PATH` + the expected output;
 * - on the host root: `write FILE` + input, `cat FILE` + expected (its exact text: a last line
 *   without a newline is followed by `\ No newline at end of file`, as diff shows it),
 *   `mkdir DIR`, `touch FILE`, `rm FILE`; in the tree: `delete PATH`.
 *
 * Every action checks the whole transcript it produced: actions without an expected transcript
 * must log nothing.
 *
 * Covers: lib/agent/deployments.ts, lib/agent/identity.ts, lib/agent/installed.ts,
 *   lib/agent/status_file.ts, lib/cluster/mod.ts, lib/operator/monitor.ts,
 *   lib/store/recipe/persistent_lock.ts, lib/store/tree_io.ts, lib/tree/codec.ts,
 *   lib/tree/format.ts, lib/tree/value.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import { deploymentsForHost } from "../../lib/agent/deployments.ts";
import { readIdentity } from "../../lib/agent/identity.ts";
import { scanInstalled } from "../../lib/agent/installed.ts";
import { formatStatus, parseStatus, STATUS_FILE } from "../../lib/agent/status_file.ts";
import { runMonitor } from "../../lib/operator/monitor.ts";
import { readLockRequests } from "../../lib/store/recipe/persistent_lock.ts";
import { deleteRecursive, readTree } from "../../lib/store/tree_io.ts";
import { encodeProperties } from "../../lib/tree/codec.ts";
import { formatTree } from "../../lib/tree/format.ts";
import { formatValue, parseValue } from "../../lib/tree/value.ts";
import { HOST_NAME, makeSeedRoot } from "../support/harness/agent_fake_host.ts";
import { AgentBench } from "../support/harness/agent_harness.ts";
import {
  expectedOutput,
  inputText,
  parseScenario,
  type ScenarioStep,
  scenarioTests,
} from "../support/harness/scenario.ts";
import type { StoreFixture } from "../support/harness/stores.ts";
import { waitFor } from "../support/harness/wait.ts";
import { INTERNAL_NODES } from "../../lib/cluster/mod.ts";

const DIR = new URL("../../testdata/agent/", import.meta.url).pathname;

/** Compares output lines with a step's block; the message shows the actual output. */
function expectLines(actual: string[], step: ScenarioStep, where: string, what: string) {
  deepEqual(actual, step.block, `${where}: ${what} was\n${actual.join("\n")}`);
}

/** Splits printed text (ending with a newline, or empty) into lines. */
function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/** How `cat` shows a file that does not end with a newline (as diff does). */
const NO_EOL = "\\ No newline at end of file";

/** Actions that take no block. */
const NO_BLOCK = new Set([
  "verbose",
  "mkdir",
  "touch",
  "rm",
  "delete",
  "request-lock",
  "write-status",
]);

async function runScenario(file: string, fixture: StoreFixture) {
  const root = await makeSeedRoot();
  const bench = new AgentBench(await fixture.open(), root, await fixture.open());
  const control = bench.control;
  const hostPath = (path: string) => `${root}/${path.replace(/^\/+/, "")}`;
  let version = 1;
  try {
    for (const step of parseScenario(await Deno.readTextFile(DIR + file))) {
      const [action, ...args] = step.words;
      const where = `${file}:${step.line}`;
      if (NO_BLOCK.has(action) && step.block.length > 0) {
        throw new Error(`${where}: ${action} takes no block`);
      }
      const transcript = (got: string[]) => expectLines(got, step, where, "transcript");
      switch (action) {
        case "import":
          if (!args.includes("--trim")) throw new Error(`${where}: only import --trim is known`);
          await bench.importTree(inputText(step));
          break;
        case "start":
          if (args.includes("--run-once")) {
            const ok = await bench.runOnce();
            const want = expectedOutput(step);
            const got = bench.take();
            deepEqual(got, want.lines, `${where}: transcript was\n${got.join("\n")}`);
            equal(ok ? 0 : 1, want.code, `${where}: exit code`);
          } else {
            const at = args.indexOf("--after");
            await bench.start(at === -1 ? {} : { after: args.slice(at + 1) });
            transcript(bench.take());
          }
          break;
        case "close":
          await bench.close();
          transcript(bench.take());
          break;
        case "bump":
          if (args[0] === "&") {
            const last = step.block.at(-1);
            await bench.setVersion(++version, { wait: false });
            if (last !== undefined) {
              await waitFor(`${where}: the line ${last}`, () => bench.logger.lines.at(-1) === last);
            }
            transcript(bench.take());
          } else {
            transcript(await bench.setVersion(++version));
          }
          break;
        case "set-version":
          if (args.at(-1) === "&") {
            const last = step.block.at(-1);
            await bench.setVersion(parseValue(args.slice(0, -1).join(" ")), { wait: false });
            if (last !== undefined) {
              await waitFor(`${where}: the line ${last}`, () => bench.logger.lines.at(-1) === last);
            }
            transcript(bench.take());
          } else {
            transcript(await bench.setVersion(parseValue(args.join(" "))));
          }
          break;
        case "status-file": {
          const record = parseStatus(await Deno.readTextFile(hostPath(STATUS_FILE)), STATUS_FILE);
          const age = Date.now() / 1000 - record.time;
          if (!(age >= -1 && age < 60)) throw new Error(`${where}: status time ${record.time}`);
          equal(record.pid, Deno.pid, `${where}: status pid`);
          expectLines([`${record.version} ${record.status}`], step, where, "status");
          break;
        }
        case "write-status": {
          const [age, recordVersion, ...status] = args;
          const time = Date.now() / 1000 - Number(age);
          const text = formatStatus({
            time,
            pid: 42,
            version: recordVersion,
            status: status.join(" "),
          });
          await Deno.writeTextFile(hostPath(STATUS_FILE), text);
          break;
        }
        case "monitor": {
          const flag = (name: string, fallback: number) =>
            args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback;
          const result = await runMonitor(control, {
            root,
            warn: flag("--warn", 200),
            error: flag("--error", 600),
          });
          const want = expectedOutput(step, new Map([["root", root], ["age", "{age}"]]));
          // `age={age}s` in the expected line stands for any age (a live agent's record).
          const line = want.lines[0]?.includes("age={age}s")
            ? result.line.replace(/age=\d+s/, "age={age}s")
            : result.line;
          deepEqual([line], want.lines, `${where}: monitor said ${result.line}`);
          equal(result.code, want.code, `${where}: monitor exit code`);
          break;
        }
        case "request-lock": {
          const [path, requestor, hostname] = args;
          const data = encodeProperties({ hostname, requestor });
          await control.create(`${path}/lr-`, data, { sequential: true });
          break;
        }
        case "release-lock": {
          const [path, requestor] = args;
          for (const request of (await readLockRequests(control, path)) ?? []) {
            if (request.requestor === requestor) await control.delete(`${path}/${request.name}`);
          }
          await bench.caughtUp();
          transcript(bench.take());
          break;
        }
        case "verbose": {
          const agent = bench.agent;
          if (agent === undefined) throw new Error(`${where}: no agent is running`);
          if (args[0] !== "on" && args[0] !== "off") throw new Error(`${where}: verbose on|off`);
          agent.verbose = args[0] === "on";
          break;
        }
        case "agent": {
          const agent = bench.agent;
          if (agent === undefined) throw new Error(`${where}: no agent is running`);
          expectLines(
            [
              `host_identifier = ${formatValue(agent.host.id)}`,
              `name = ${formatValue(agent.host.name)}`,
              `role = ${formatValue(agent.host.role)}`,
              `version = ${formatValue(agent.version)}`,
              `cluster_version = ${formatValue(agent.clusterVersion)}`,
            ],
            step,
            where,
            "agent",
          );
          break;
        }
        case "deployments": {
          const host = await readIdentity(root, HOST_NAME);
          const printed = deploymentsForHost(await readTree(control), host).map((d) =>
            `Deployment(app=${formatValue(d.app)}, subtype=${formatValue(d.subtype)}, ` +
            `version=${formatValue(d.version)}, rpm_name=${formatValue(d.pkg)}, ` +
            `path=${formatValue(d.path)}, n=${d.n})`
          );
          expectLines(printed.sort(), step, where, "deployments");
          break;
        }
        case "installed-deployments": {
          const printed = (await scanInstalled(root)).deployments.map((d) =>
            `UnversionedDeployment(app=${formatValue(d.app)}, rpm_name=${formatValue(d.pkg)}, ` +
            `path=${formatValue(d.path)}, n=${d.n})`
          );
          expectLines(printed, step, where, "installed deployments");
          break;
        }
        case "print": {
          const path = args[0] ?? "/";
          const printed = path === "/"
            ? formatTree(await readTree(control, "/"), { ephemeral: true, hidden: INTERNAL_NODES })
            : await bench.print(path);
          expectLines(lines(printed), step, where, "tree");
          break;
        }
        case "write":
          await Deno.writeTextFile(hostPath(args[0]), inputText(step));
          break;
        case "cat": {
          const text = await Deno.readTextFile(hostPath(args[0]));
          const printed = text.endsWith("\n") || text === ""
            ? lines(text)
            : [...lines(text), NO_EOL];
          expectLines(printed, step, where, args[0]);
          break;
        }
        case "mkdir":
          await Deno.mkdir(hostPath(args[0]), { recursive: true });
          break;
        case "touch":
          await Deno.writeTextFile(hostPath(args[0]), "");
          break;
        case "rm":
          await Deno.remove(hostPath(args[0]));
          break;
        case "delete":
          await deleteRecursive(control, args[0]);
          break;
        default:
          throw new Error(`${where}: unknown action ${action}`);
      }
      const stray = bench.take();
      deepEqual(stray, [], `${where}: unexpected transcript after ${action}:\n${stray.join("\n")}`);
    }
  } finally {
    await bench.close();
    await Deno.remove(root, { recursive: true });
  }
}

scenarioTests("agent", DIR, runScenario);
