/**
 * packaging/notify-webhook, the sample `--notify` CMD: it POSTs the event from its standard
 * input to the URL it is given (with the headers of an optional file, kept out of argv), fails
 * when the webhook refuses (so serve retries), and refuses what is not an http(s) URL.
 *
 * Covers: packaging/notify-webhook.
 */
import { equal, ok } from "node:assert/strict";

const SCRIPT = new URL("../../../packaging/notify-webhook", import.meta.url).pathname;

async function run(args: string[], stdin: string) {
  const child = new Deno.Command(SCRIPT, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  } catch (error) {
    // A command that refuses its arguments exits before it reads its input.
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
  const out = await child.output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("notify-webhook posts the event, headers from a file; fails on refusal; checks URL", async () => {
  const got: { body: string; type: string | null; auth: string | null; path: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    const path = new URL(r.url).pathname;
    got.push({
      body: await r.text(),
      type: r.headers.get("content-type"),
      auth: r.headers.get("authorization"),
      path,
    });
    return new Response("", { status: path === "/down" ? 503 : 200 });
  });
  const dir = await Deno.makeTempDir({ prefix: "notify-webhook-" });
  try {
    const base = `http://127.0.0.1:${server.addr.port}`;
    const event = JSON.stringify({ kind: "all-stop", key: "0000000003-all-stop" });
    await Deno.writeTextFile(`${dir}/headers`, "Authorization: Bearer t0ken\n");
    const ok1 = await run([`${base}/hook`, `${dir}/headers`], event);
    equal(ok1.code, 0, ok1.stderr);
    equal(got[0].body, event);
    equal(got[0].type, "application/json");
    equal(got[0].auth, "Bearer t0ken");
    const down = await run([`${base}/down`], event);
    ok(down.code !== 0, "a refusal is a failure");
    const bad = await run(["-K/etc/passwd"], event);
    equal(bad.code, 2);
    ok(bad.stderr.includes("expected an http(s) URL"), bad.stderr);
    equal(got.length, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
