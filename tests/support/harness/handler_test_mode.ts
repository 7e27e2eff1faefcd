/**
 * Runs one event on one node in test mode, on a real git repository of the test application
 * (see tests/handler/fixtures_test.ts) and the Consul double, and returns what it printed with
 * paths shown under /deploy and Consul at http://127.0.0.1:8500, as on a real node.
 *
 * @module
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { memoryLogger } from "../../../lib/log.ts";
import { FakeRunner } from "../../../lib/proc/fake.ts";
import { HttpConsul } from "../../../lib/handler/consul.ts";
import { makeEvent } from "../../../lib/handler/event.ts";
import { handleBatch } from "../../../lib/handler/handle.ts";
import { startConsulDouble } from "../servers/consul_double.ts";
import { makeFixtures, MEMBERS, normalize } from "../../handler/fixtures_test.ts";

/** One node receiving one event in test mode. */
export interface TestModeScenario {
  /** The node handling the event. */
  node: string;
  /** The event: its ID, name and payload. */
  event: [string, string, Record<string, unknown>];
  /** KV documents before the event. */
  kv?: Record<string, Record<string, unknown>>;
  /** Checkouts present on the node before the event (directory names under /deploy). */
  checkouts?: string[];
  /** Files present on the node before the event (paths under /deploy → content). */
  files?: Record<string, string>;
}

/** Runs a scenario; returns the printed transcript, the log and the exit status. */
export async function runTestMode(
  s: TestModeScenario,
): Promise<{ transcript: string; log: string[]; code: number }> {
  const fx = await makeFixtures();
  const consul = startConsulDouble(MEMBERS);
  const client = new HttpConsul(consul.url);
  try {
    for (const [key, value] of Object.entries(s.kv ?? {})) consul.kvSet(key, value);
    const deployDir = await fx.deployDir(s.node);
    for (const dir of s.checkouts ?? []) await Deno.mkdir(`${deployDir}/${dir}`);
    for (const [path, text] of Object.entries(s.files ?? {})) {
      await Deno.writeTextFile(`${deployDir}/${path}`, text);
    }
    const printed: string[] = [];
    const logger = memoryLogger();
    const runner = new FakeRunner();
    const [id, name, payload] = s.event;
    const code = await handleBatch(JSON.stringify([makeEvent(id, name, JSON.stringify(payload))]), {
      consul: client,
      runner,
      checkoutRunner: fx.runner,
      logger,
      deployDir,
      node: s.node,
      test: true,
      print: (line) => printed.push(line),
      compose: ["docker", "compose"],
      lockWaitMs: 0,
      transferTimeoutMs: 0,
      pollMs: 10,
    });
    assertEquals(runner.calls, [], "test mode runs nothing");
    assertEquals(consul.requests.filter((r) => r.method !== "GET"), [], "test mode writes nothing");
    const transcript = normalize(printed, {
      [deployDir]: "/deploy",
      [consul.url]: "http://127.0.0.1:8500",
    });
    return { transcript, log: logger.lines, code };
  } finally {
    client.close();
    await consul.close();
    await fx.cleanup();
  }
}
