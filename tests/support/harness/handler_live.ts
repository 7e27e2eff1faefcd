/**
 * The handler for real (not test mode) in process, as the handler tests drive it: the options
 * of a live run, a fake runner that lets git (and `rm`) run for real, and a cluster of fixtures
 * with the Consul API double.
 *
 * @module
 */
import { HttpConsul } from "../../../lib/handler/consul.ts";
import type { HandlerOptions } from "../../../lib/handler/handle.ts";
import { memoryLogger } from "../../../lib/log.ts";
import { FakeRunner } from "../../../lib/proc/fake.ts";
import { RealRunner } from "../../../lib/proc/real.ts";
import { type ConsulDouble, startConsulDouble } from "../servers/consul_double.ts";
import { type Fixtures, makeFixtures, MEMBERS } from "../../handler/fixtures_test.ts";

/** What a live run needs to be told; the rest has a default (see {@linkcode liveOptions}). */
export type LiveOptions =
  & Pick<HandlerOptions, "consul" | "runner" | "logger" | "deployDir" | "node">
  & Partial<HandlerOptions>;

/**
 * The options of a live run: `runner` also does the checkouts, nothing is printed, compose is
 * `docker compose`, no wait for a busy lock or a transfer, polls every 10 ms; `o` overrides.
 */
export function liveOptions(o: LiveOptions): HandlerOptions {
  return {
    checkoutRunner: o.runner,
    test: false,
    print: () => {},
    compose: ["docker", "compose"],
    lockWaitMs: 0,
    transferTimeoutMs: 0,
    pollMs: 10,
    ...o,
  };
}

/** A fake runner whose git commands run for real (the fixtures' repository). */
export function gitRunner(fx: Fixtures): FakeRunner {
  return new FakeRunner().on(["git"], (argv, o) => fx.runner.run(argv, o));
}

/**
 * A fake runner for one node: git really clones, `rm` really removes when `realRm`, and
 * `buttervolume snapshot V` answers `V@1`.
 */
export function nodeRunner(fx: Fixtures, { realRm = false } = {}): FakeRunner {
  const runner = gitRunner(fx);
  if (realRm) {
    const real = new RealRunner();
    runner.on(["rm"], (argv, o) => real.run(argv, o));
  }
  return runner.on(["buttervolume", "snapshot"], (argv) => ({ stdout: `${argv[2]}@1\n` }));
}

/** Runs `fn` with fresh fixtures and a Consul double of {@linkcode MEMBERS}, removed after. */
export async function withCluster(
  fn: (fx: Fixtures, double: ConsulDouble) => Promise<void>,
): Promise<void> {
  const fx = await makeFixtures();
  const double = startConsulDouble(MEMBERS);
  try {
    await fn(fx, double);
  } finally {
    await double.close();
    await fx.cleanup();
  }
}

/** What {@linkcode handleOnNepri} saw. */
export interface NepriRun {
  /** The exit status. */
  code: number;
  /** The `ERROR` lines logged. */
  errors: string[];
  /** The commands run. */
  commands: string[];
  /** The Consul KV keys afterwards. */
  kv: string[];
}

/**
 * Handles events live on nepri, with git for real and every other command faked, on a fresh
 * cluster: `handle` is given the options and calls the handler (`handleEvents`, `handleBatch`).
 */
export async function handleOnNepri(
  handle: (options: HandlerOptions) => Promise<number>,
): Promise<NepriRun> {
  let run: NepriRun | undefined;
  await withCluster(async (fx, double) => {
    const consul = new HttpConsul(double.url);
    const runner = gitRunner(fx);
    const logger = memoryLogger();
    try {
      const deployDir = await fx.deployDir("nepri");
      const code = await handle(liveOptions({ consul, runner, logger, deployDir, node: "nepri" }));
      run = {
        code,
        errors: logger.lines.filter((l) => l.startsWith("ERROR")),
        commands: runner.commandLines,
        kv: [...double.kv.keys()],
      };
    } finally {
      consul.close();
    }
  });
  return run!;
}
