/**
 * `serve`'s JSON API and its guards, against `serve` processes on a real ZooKeeper:
 * `/api/status` is the document `status --json` prints for the same store state (one builder);
 * `/api/history` is the document `history --json` prints and `/api/history/<id>` the one
 * `history show <id> --json` prints (one builder, records damaged or not, the pin);
 * every answer carries the strict CSP; nothing changes the cluster (other methods: 405); a non-loopback `--listen` without
 * `--token-file` is refused at start (exit 2), with it a request without the token gets 401 and
 * a `WWW-Authenticate` challenge; `--tls-cert`/`--tls-key` serve HTTPS.
 *
 * Covers: lib/operator/serve/server.ts, lib/operator/serve/listen.ts,
 *   lib/operator/serve/mod.ts, lib/operator/status_document.ts, lib/operator/fleet_commands.ts,
 *   lib/operator/history_document.ts, lib/operator/history.ts.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { connectZooKeeper } from "../../../lib/store/zookeeper/mod.ts";
import { encodeProperties } from "../../../lib/tree/codec.ts";
import { encodeOutcome, encodePin, encodeRecord } from "../../../lib/cluster/mod.ts";
import { runEntrypoint } from "../../support/harness/cli.ts";
import { ServeProcess } from "../../support/harness/serve_cluster.ts";
import { startZooKeeper } from "../../support/servers/zookeeper.ts";

const TOKEN = "s3cret-token-0123456789";

Deno.test({
  name: "serve API: /api/status is status --json; read-only; CSP; auth off loopback; TLS",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const zk = await startZooKeeper();
    const store = await connectZooKeeper(zk.connect);
    const dir = await Deno.makeTempDir({ prefix: "serve-api-" });
    const servers: ServeProcess[] = [];
    try {
      await store.create("/hosts", encodeProperties({ version: "c0ffee" }));
      await store.create("/hosts/0a0a", encodeProperties({ name: "a", version: "c0ffee" }));
      await store.create(
        "/hosts/0b0b",
        encodeProperties({ name: "b", role: "db", version: "0ld", error: "it <b>broke</b>" }),
      );
      await store.create("/role-locks/db", "", { parents: true });
      await store.create(
        "/role-locks/db/lr-",
        encodeProperties({ hostname: "b", requestor: "0b0b" }),
        { sequential: true },
      );
      // Two rollout records (one damaged) with outcomes, and a pin.
      await store.create(
        "/rollouts",
        encodePin({ version: "c0ffee", by: "ann@h", at: "2026-12-07T10:00:00.000Z", from: "0ld" }),
      );
      await store.create(
        "/rollouts/0000000001",
        encodeRecord({
          version: "c0ffee",
          previous: "0ld",
          syncedAt: "2026-12-07T09:00:00.000Z",
          by: "bob@h",
          subject: "web <b>2.0</b>",
          author: "Bob <bob@example>",
          committedAt: "2026-12-07T08:59:00.000Z",
          changes: 1,
          paths: ["/cust/web"],
          hosts: 2,
          events: [],
        }),
      );
      await store.create(
        "/rollouts/0000000001/0b0b",
        encodeOutcome({
          name: "b",
          started: "2026-12-07T09:00:01.000Z",
          finished: "2026-12-07T09:00:05.000Z",
          result: "failed",
          error: "it <b>broke</b>",
          commands: 2,
          allStop: true,
        }),
      );
      await store.create("/rollouts/0000000002", "{not json");
      const serve = await ServeProcess.start(zk.connect);
      servers.push(serve);

      await t.step("/api/status equals status --json", async () => {
        const cli = await runEntrypoint("main.ts", ["status", "--json", "--store", zk.connect]);
        equal(cli.code, 1, cli.stderr); // a host reports an error: alarming
        const response = await fetch(`${serve.url}/api/status`);
        equal(response.status, 200);
        const api = await response.json();
        deepEqual(api, JSON.parse(cli.stdout));
        equal(api.hosts.length, 2);
        equal(api.roleLocks[0].role, "db");
      });

      await t.step(
        "/api/history equals history --json; /api/history/<id> history show",
        async () => {
          const cli = await runEntrypoint("main.ts", ["history", "--json", "--store", zk.connect]);
          equal(cli.code, 0, cli.stderr);
          const api = await (await fetch(`${serve.url}/api/history`)).json();
          deepEqual(api, JSON.parse(cli.stdout));
          equal(api.records.length, 2);
          equal(api.pin.by, "ann@h");
          for (const id of ["0000000001", "c0ff", "0000000002"]) {
            const show = await runEntrypoint("main.ts", [
              "history",
              "show",
              id,
              "--json",
              "--store",
              zk.connect,
            ]);
            equal(show.code, 0, show.stderr);
            const one = await fetch(`${serve.url}/api/history/${id}`);
            equal(one.status, 200, id);
            deepEqual(await one.json(), JSON.parse(show.stdout), id);
          }
          const none = await fetch(`${serve.url}/api/history/beef`);
          equal(none.status, 404);
          equal((await none.json()).error, "no rollout record for 'beef'");
          const page = await fetch(`${serve.url}/history`);
          equal(page.status, 200);
          ok((await page.text()).includes("/assets/history.js"));
        },
      );

      await t.step("every answer has the CSP; nothing but GET and HEAD", async () => {
        for (const path of ["/", "/history", "/assets/history.js", "/api/history", "/nope"]) {
          const response = await fetch(`${serve.url}${path}`);
          await response.body?.cancel();
          ok(response.headers.get("content-security-policy")?.startsWith("default-src 'self'"));
          equal(response.headers.get("x-content-type-options"), "nosniff");
        }
        for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
          const response = await fetch(`${serve.url}/api/status`, { method, body: "{}" });
          await response.body?.cancel();
          equal(response.status, 405, method);
        }
        for (const path of ["/api/history/7", "/api/history/..%2f", "/apps", "/api/apps"]) {
          const response = await fetch(`${serve.url}${path}`);
          await response.body?.cancel();
          ok(response.status === 404 || response.status === 400, path);
        }
        const info = await (await fetch(`${serve.url}/api/info`)).json();
        deepEqual(info, { apps: false, history: true });
      });

      await t.step("the pages carry no inline script or style", async () => {
        const html = await (await fetch(`${serve.url}/`)).text();
        ok(!/<script(?![^>]*\bsrc=)/.test(html), "inline script");
        ok(!/<style|\sstyle=|\son[a-z]+=/.test(html), "inline style or handler");
        ok(!/https?:\/\//.test(html), "external asset");
      });

      await t.step("a non-loopback --listen without --token-file is refused at start", async () => {
        const out = await runEntrypoint("main.ts", [
          "serve",
          "--store",
          zk.connect,
          "--listen",
          "0.0.0.0:0",
        ]);
        equal(out.code, 2, out.stderr);
        ok(out.stderr.includes("needs --token-file"), out.stderr);
      });

      await t.step(
        "with --token-file: no token → 401 and a challenge; the token → 200",
        async () => {
          await Deno.writeTextFile(`${dir}/token`, `${TOKEN}\n`);
          const open = await ServeProcess.start(
            zk.connect,
            ["--token-file", `${dir}/token`],
            "0.0.0.0:0",
          );
          servers.push(open);
          ok(
            open.process.lines.some((l) => l.includes("without TLS")),
            open.process.lines.join("\n"),
          );
          const url = open.url.replace("0.0.0.0", "127.0.0.1");
          const none = await fetch(`${url}/api/status`);
          await none.body?.cancel();
          equal(none.status, 401);
          ok(none.headers.get("www-authenticate")?.startsWith("Basic realm="));
          const wrong = await fetch(`${url}/api/status`, {
            headers: { authorization: `Basic ${btoa("op:wrong-token-000000")}` },
          });
          await wrong.body?.cancel();
          equal(wrong.status, 401);
          const right = await fetch(`${url}/api/status`, {
            headers: { authorization: `Basic ${btoa(`op:${TOKEN}`)}` },
          });
          equal(right.status, 200);
          equal((await right.json()).hosts.length, 2);
        },
      );

      await t.step("--tls-cert and --tls-key: HTTPS", async () => {
        const made = await new Deno.Command("openssl", {
          args: [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
            `${dir}/key.pem`,
            "-out",
            `${dir}/cert.pem`,
          ],
          stdout: "null",
          stderr: "null",
        }).output();
        ok(made.success, "openssl req");
        const tls = await ServeProcess.start(zk.connect, [
          "--tls-cert",
          `${dir}/cert.pem`,
          "--tls-key",
          `${dir}/key.pem`,
        ]);
        servers.push(tls);
        ok(tls.url.startsWith("https://"), tls.url);
        const client = Deno.createHttpClient({
          caCerts: [await Deno.readTextFile(`${dir}/cert.pem`)],
        });
        const response = await fetch(`${tls.url}/api/status`, { client });
        equal(response.status, 200);
        equal((await response.json()).version, "c0ffee");
        client.close();
      });
    } finally {
      for (const s of servers) await s.stop();
      await store.close();
      await zk.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
