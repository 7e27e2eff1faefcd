/**
 * Sync's go/no-go rule, as a table: cluster version × hosts × force → what sync does.
 *
 * Covers: lib/sync/decide.ts.
 */
import { deepEqual } from "node:assert/strict";
import { decideSync } from "../../lib/sync/decide.ts";

const hosts = [
  { id: "1.2.3.4", version: "feed1234" },
  { id: "1.2.3.5", version: "0defaced" },
];

Deno.test("decideSync follows the seed's rules", () => {
  const cases: [string, Parameters<typeof decideSync>, ReturnType<typeof decideSync>][] = [
    ["no /hosts yet: resync", ["c1", undefined, []], { kind: "resync" }],
    ["None: ALL STOP, even with force", ["c1", null, hosts, true], { kind: "all-stop" }],
    ["same version: nothing to do", ["feed1234", "feed1234", hosts], { kind: "up-to-date" }],
    ["numbers and strings are opaque", ["21", 21, []], { kind: "resync" }],
    [
      "a lagging host refuses",
      ["cafecafe", "feed1234", hosts],
      { kind: "not-converged", host: hosts[1] },
    ],
    ["force ignores lagging hosts", ["cafecafe", "feed1234", hosts, true], { kind: "resync" }],
    ["False lets sync run without waiting", ["cafecafe", false, hosts], { kind: "resync" }],
    [
      "a host with no version has not converged",
      ["c2", "c1", [{ id: "h", version: undefined }]],
      { kind: "not-converged", host: { id: "h", version: undefined } },
    ],
  ];
  for (const [what, args, want] of cases) deepEqual(decideSync(...args), want, what);
});
