/**
 * How the embedded store tells live owners from dead ones: the owner file's lock, and the
 * processes that carry an owner's token in their environment, found through /proc and through
 * `ps` (what the agent binary, without access to /proc, uses).
 *
 * Covers: lib/store/embedded/owners.ts.
 *
 * @module
 */
import { deepEqual, equal } from "node:assert/strict";
import {
  OWNER_ENV,
  ownerFileHeld,
  OwnerLiveness,
  tokenBearers,
} from "../../../lib/store/embedded/owners.ts";

Deno.test("a process carrying an owner's token is found through /proc and through ps", async () => {
  const token = crypto.randomUUID();
  const child = new Deno.Command("sleep", {
    args: ["30"],
    env: { [OWNER_ENV]: token },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    deepEqual(tokenBearers(token, "proc"), [child.pid]);
    deepEqual(tokenBearers(token, "ps"), [child.pid]);
    deepEqual(tokenBearers(crypto.randomUUID(), "ps"), []);
    // Liveness: no owner file, but a descendant runs.
    const dir = await Deno.makeTempDir();
    try {
      const liveness = new OwnerLiveness(dir);
      equal(liveness.alive({ id: "gone", pid: 1, token }), true);
      child.kill("SIGKILL");
      await child.status;
      deepEqual(tokenBearers(token, "proc"), []);
      deepEqual(tokenBearers(token, "ps"), []);
      const fresh = new OwnerLiveness(dir);
      equal(fresh.alive({ id: "gone", pid: 1, token }), false);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* ended */ }
    await child.status;
  }
});

Deno.test("an owner file is held while a process has it locked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/owner`;
    equal(ownerFileHeld(path), false, "missing");
    const handle = await Deno.open(path, { create: true, write: true });
    await handle.lock(true);
    equal(ownerFileHeld(path), true, "locked");
    handle.close();
    equal(ownerFileHeld(path), false, "released");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
