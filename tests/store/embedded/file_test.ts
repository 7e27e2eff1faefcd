/**
 * The embedded store's file: a store in the former JSON format (testdata/store/json-store-v1.json,
 * written by that version's code) is converted once, on the first writable open, and says so;
 * files that are not a store or hold bad data are refused the same way by every command
 * (`error: FILE is not a valid clusterdeploy store: NODE: PROBLEM`, exit 1) and left untouched;
 * read-only commands never write the file.
 *
 * Covers: lib/store/embedded/mod.ts, lib/store/types.ts, agent.ts, main.ts, sync.ts.
 *
 * @module
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openLocalStore } from "../../../lib/store/embedded/mod.ts";
import { runEntrypoint } from "../../support/harness/cli.ts";
import { makeRepo } from "../../support/harness/git_repo.ts";
import { withTempDir } from "../../support/harness/temp_dir.ts";
import { StoreFileError } from "../../../lib/store/types.ts";

const FIXTURE = new URL("../../../testdata/store/json-store-v1.json", import.meta.url).pathname;
const options = { sanitizeOps: false, sanitizeResources: false };

/**
 * The file's bytes, its write-ahead log's (when not empty) and the other names in its directory,
 * to show nothing was written. (SQLite's shared-memory index `-shm`, and an empty `-wal`, appear
 * when any connection reads a WAL database; they are not the store's content.)
 */
async function snapshot(file: string): Promise<string> {
  const dir = file.slice(0, file.lastIndexOf("/"));
  const wal = await Deno.readFile(`${file}-wal`).catch(() => new Uint8Array());
  const names = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith("-shm") || (entry.name.endsWith("-wal") && wal.length === 0)) continue;
    names.push(entry.name);
  }
  return `${names.sort().join(",")} ${await digest(await Deno.readFile(file))} ${await digest(
    wal,
  )}`;
}

async function digest(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test(
  "a JSON store file is converted once, on first open, and says so",
  options,
  () =>
    withTempDir("clusterdeploy-file-", async (dir) => {
      const file = `${dir}/store.json`;
      const original = await Deno.readTextFile(FIXTURE);
      await Deno.writeTextFile(file, original);
      const logged: string[] = [];
      const store = await openLocalStore(file, { log: (line) => logged.push(line) });
      try {
        deepEqual(logged, [
          `Converted the embedded store ${file} from the JSON format to SQLite (14 nodes); ` +
          `the JSON file is kept as ${file}.json-backup`,
        ]);
        const head = new TextDecoder().decode((await Deno.readFile(file)).subarray(0, 15));
        equal(head, "SQLite format 3");
        equal(await Deno.readTextFile(`${file}.json-backup`), original);
        // Data, versions and sequence counters carried over (times are not in the JSON format:
        // unknown, 0).
        deepEqual(await store.get("/cust/web"), {
          data: '{"type":"webapp","version":"2.0","ports":[80,443]}',
          version: 1,
          ephemeral: false,
          children: ["deploy"],
          ctime: 0,
          mtime: 0,
        });
        equal((await store.get("/text"))?.data, 'héllo ✓ {"k": 1}');
        deepEqual((await store.get("/queue"))?.children, ["item-0000000000", "item-0000000001"]);
        equal(
          await store.create("/queue/item-", "third", { sequential: true }),
          "/queue/item-0000000002",
        );
        // The dead process's ephemeral host node and lock are gone.
        deepEqual((await store.get("/hosts"))?.children, []);
        const lock = await store.tryLock("cluster");
        ok(lock, "the dead holder's lock is free");
        equal(
          await store.create("/ZktoolsLocks/cluster/x-", "", { sequential: true }),
          "/ZktoolsLocks/cluster/x-0000000002",
          "the lock directory's counter went on",
        );
        await lock.release();
      } finally {
        await store.close();
      }
      // Once: the next open finds an SQLite store.
      const again = await openLocalStore(file, { log: (line) => logged.push(line) });
      equal((await again.get("/queue/item-0000000002"))?.data, "third");
      await again.close();
      equal(logged.length, 1);
    }),
);

Deno.test(
  "a read-only command reads a JSON store file without converting it",
  options,
  () =>
    withTempDir("clusterdeploy-file-", async (dir) => {
      const file = `${dir}/store.json`;
      await Deno.copyFile(FIXTURE, file);
      const before = await snapshot(file);
      const run = await runEntrypoint("main.ts", [
        "tree",
        "export",
        "/cust",
        "--store",
        `file:${file}`,
      ]);
      equal(run.code, 0, run.stderr);
      equal(
        run.stdout,
        "/cust\n  /web : webapp\n    ports = [80, 443]\n    version = '2.0'\n    /deploy\n      /host-a\n",
      );
      equal(await snapshot(file), before);
      // The first command that writes converts it, with the log line on standard error.
      const resume = await runEntrypoint("main.ts", [
        "resume",
        "8",
        "--force",
        "--store",
        `file:${file}`,
      ]);
      equal(resume.code, 0, resume.stderr);
      match(
        resume.stderr,
        /^INFO Converted the embedded store .*store\.json from the JSON format/m,
      );
    }),
);

Deno.test(
  "read-only tree export, status and monitor never rewrite an SQLite store file",
  options,
  () =>
    withTempDir("clusterdeploy-file-", async (dir) => {
      const file = `${dir}/store.db`;
      // A store with the ephemerals of an owner that died without closing (no process, no orphan).
      const store = await openLocalStore(file);
      await store.create("/a/b", '{"x":1}', { parents: true });
      await store.close();
      const db = new DatabaseSync(file);
      db.exec(
        `INSERT INTO owners VALUES ('gone', 999999999, 'x', 'then');
       INSERT INTO nodes VALUES ('/a/e', '/a', '', 0, 'gone', 9, 0);
       PRAGMA wal_checkpoint(TRUNCATE);`,
      );
      db.close();
      const before = await snapshot(file);
      const monitor = ["monitor", "--status-file", `${dir}/status`];
      for (const args of [["tree", "export", "--ephemeral"], ["status"], monitor]) {
        const run = await runEntrypoint("main.ts", [...args, "--store", `file:${file}`]);
        equal(await snapshot(file), before, `${args.join(" ")}: ${run.stderr}`);
        if (args[0] === "tree") {
          equal(run.code, 0, run.stderr);
          equal(run.stdout, "/a\n  /b\n    x = 1\n");
        }
      }
    }),
);

/** Bad files: name → how to make it in `file`, and the error after `FILE is not a valid clusterdeploy store: `. */
const BAD_FILES: Record<string, { make: (file: string) => Promise<void>; problem: string }> = {
  "JSON: data missing": {
    make: (file) => jsonWith(file, "/hosts", { version: 0, created: 1 }),
    problem: "/hosts: data is missing, not text",
  },
  "JSON: data a number": {
    make: (file) => jsonWith(file, "/hosts", { data: 7, version: 0, created: 1 }),
    problem: "/hosts: data is the number 7, not text",
  },
  "JSON: version not a number": {
    make: (file) => jsonWith(file, "/hosts", { data: "", version: "1", created: 1 }),
    problem: '/hosts: version is the text "1", not a whole number',
  },
  "JSON: owner not an owner id": {
    make: (file) => jsonWith(file, "/hosts/h", { data: "", version: 0, created: 1, owner: 12 }),
    problem: "/hosts/h: owner is the number 12, not an owner id",
  },
  "not a store at all": {
    make: (file) => Deno.writeTextFile(file, "hello\n"),
    problem: "neither an SQLite database nor a store file of the former JSON format",
  },
  "SQLite database of another program": {
    make: (file) => {
      const db = new DatabaseSync(file);
      db.exec("CREATE TABLE songs (title TEXT)");
      db.close();
      return Promise.resolve();
    },
    problem: "an SQLite database without clusterdeploy's meta, nodes, owners table",
  },
  "SQLite store with a negative version": {
    make: async (file) => {
      const store = await openLocalStore(file);
      await store.create("/hosts", "");
      await store.close();
      const db = new DatabaseSync(file);
      db.exec("PRAGMA ignore_check_constraints = ON");
      db.exec("UPDATE nodes SET version = -1 WHERE path = '/hosts'");
      db.close();
    },
    problem: "/hosts: version is the number -1, not a whole number",
  },
  "SQLite store, damaged": {
    make: async (file) => {
      const store = await openLocalStore(file);
      for (let i = 0; i < 200; i++) await store.create(`/n${i}`, "x".repeat(200));
      await store.close();
      const bytes = await Deno.readFile(file);
      bytes.fill(0xff, 4096, bytes.length - 4096); // pages past the first overwritten
      await Deno.writeFile(file, bytes);
    },
    problem: "database disk image is malformed",
  },
};

async function jsonWith(file: string, path: string, node: unknown): Promise<void> {
  const doc = JSON.parse(await Deno.readTextFile(FIXTURE));
  doc.nodes[path] = node;
  await Deno.writeTextFile(file, JSON.stringify(doc, null, 1));
}

Deno.test(
  "a bad store file: the same error, exit 1, file untouched, for every command",
  options,
  () =>
    withTempDir("clusterdeploy-file-", async (dir) => {
      const repo = await makeRepo(`${dir}/repo`);
      await repo.write("a.zk", "/a\n");
      await repo.commit("a");
      await Deno.writeTextFile(`${dir}/t.zk`, "/a\n");
      await Deno.writeTextFile(`${dir}/pxemac`, "0a0a0a0a0a0a\n");
      const commands: [string, string[]][] = [
        ["main.ts", ["tree", "export"]],
        ["main.ts", ["status"]],
        ["main.ts", ["resume", "3"]],
        ["main.ts", ["tree", "import", `${dir}/t.zk`]],
        ["sync.ts", [repo.path, "--tree-dir", `${dir}/trees`]],
        ["agent.ts", ["--run-once", "--root", `${dir}/root`, "--host-name", "h"]],
      ];
      for (const [name, bad] of Object.entries(BAD_FILES)) {
        const file = `${dir}/${name.replace(/\W+/g, "-")}/store`;
        await Deno.mkdir(file.slice(0, file.lastIndexOf("/")));
        await bad.make(file);
        const before = await snapshot(file);
        // Every command for the first case; export and sync for the others.
        const which = name === "JSON: data missing" ? commands : [commands[0], commands[4]];
        for (const [entrypoint, args] of which) {
          const run = await runEntrypoint(entrypoint, [...args, "--store", `file:${file}`]);
          const what = `${name}, ${entrypoint} ${args[0]}`;
          equal(run.code, 1, `${what}: ${run.stderr}`);
          equal(
            run.stderr.trim().split("\n").at(-1),
            `error: ${file} is not a valid clusterdeploy store: ${bad.problem}`,
            what,
          );
          equal(await snapshot(file), before, `${what}: the file was touched`);
        }
      }
    }),
);

Deno.test(
  "openLocalStore throws a StoreFileError naming node and problem",
  options,
  () =>
    withTempDir("clusterdeploy-file-", async (dir) => {
      const file = `${dir}/s.json`;
      await jsonWith(file, "/x", { data: "", version: 0, created: 1 }); // fine
      const doc = JSON.parse(await Deno.readTextFile(file));
      doc.nodes["/orphan/child"] = { data: "", version: 0, created: 1 };
      await Deno.writeTextFile(file, JSON.stringify(doc));
      const error = await openLocalStore(file).then(() => undefined, (e) => e);
      ok(error instanceof StoreFileError, String(error));
      equal(error.code, "INVALID");
      equal(error.node, "/orphan/child");
      equal(error.problem, "its parent /orphan is missing");
    }),
);

Deno.test(
  "a JSON store still open in a process of the former version is not converted",
  options,
  () =>
    withTempDir("clusterdeploy-file-", async (dir) => {
      const file = `${dir}/store.json`;
      await Deno.copyFile(FIXTURE, file);
      // The former version held an exclusive lock on its owner file while the store was open.
      await Deno.mkdir(`${file}.owners`);
      const owner = await Deno.open(`${file}.owners/old-agent`, { create: true, write: true });
      await owner.lock(true);
      try {
        const error = await openLocalStore(file).then(() => undefined, (e) => e);
        match(
          String(error),
          /still open in a process of an older clusterdeploy \(owner old-agent\)/,
        );
        equal(await Deno.readTextFile(file), await Deno.readTextFile(FIXTURE));
      } finally {
        owner.close();
      }
      const store = await openLocalStore(file, { log: () => {} });
      equal((await store.get("/hosts"))?.data, '{"version":7}');
      await store.close();
    }),
);
