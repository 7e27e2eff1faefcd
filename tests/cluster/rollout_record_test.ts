/**
 * The rollout record's format (issue 19), pure: a record, an outcome and a pin round-trip; the
 * changed paths are capped at 200 (the count kept whole) and each path cut to a bounded size;
 * data that is not ours (not JSON, another format, a field missing or of the wrong type) is a
 * problem naming what is wrong, never a throw; record names are the 10-digit `/hosts` data
 * version.
 *
 * Covers: lib/cluster/rollout_record.ts.
 */
import { deepEqual, equal } from "node:assert/strict";
import {
  decodeOutcome,
  decodePin,
  decodeRecord,
  encodeOutcome,
  encodePin,
  encodeRecord,
  isRecordName,
  MAX_RECORD_PATHS,
  recordName,
  type RolloutRecord,
} from "../../lib/cluster/mod.ts";

const record: RolloutRecord = {
  version: "4e4109a2",
  subject: "web 2.0",
  author: "test <test@example.invalid>",
  committedAt: "2026-12-07T15:00:00Z",
  previous: null,
  syncedAt: "2026-12-07T15:01:00Z",
  by: "alice@ops1",
  changes: 250,
  paths: Array.from({ length: 250 }, (_, i) => `/app/n${i}`),
  hosts: 3,
  events: [{ what: "resume", by: "bob@ops2", at: "2026-12-07T15:02:00Z", to: false }],
};

Deno.test("rollout record: round trip, paths capped, long paths cut", () => {
  const decoded = decodeRecord(encodeRecord(record));
  equal(decoded.ok, true);
  if (!decoded.ok) return;
  equal(decoded.value.paths.length, MAX_RECORD_PATHS);
  equal(decoded.value.changes, 250);
  deepEqual({ ...decoded.value, paths: [] }, { ...record, paths: [] });
  const long = decodeRecord(encodeRecord({ ...record, paths: ["/" + "x".repeat(5000)] }));
  equal(long.ok && long.value.paths[0].length, 512);
});

Deno.test("rollout record: damaged or foreign data is a problem naming what is wrong", () => {
  const problem = (data: string) => {
    const d = decodeRecord(data);
    return d.ok ? "ok" : d.problem;
  };
  equal(problem("{not json"), "not JSON");
  equal(problem("[1]"), "not a JSON object");
  equal(
    problem(JSON.stringify({ format: "someone-else/1" })),
    "format is not clusterdeploy-rollout/1",
  );
  const data = JSON.parse(encodeRecord(record));
  equal(problem(JSON.stringify({ ...data, changes: -1 })), "field changes is missing or invalid");
  equal(
    problem(JSON.stringify({ ...data, events: [{ what: "x" }] })),
    "field events is missing or invalid",
  );
  delete data.by;
  equal(problem(JSON.stringify(data)), "field by is missing or invalid");
});

Deno.test("outcome and pin: round trip; bad ones are problems", () => {
  const outcome = {
    name: "host-b",
    started: "a",
    finished: "b",
    result: "failed" as const,
    error: "boom",
    commands: 2,
    allStop: true,
  };
  deepEqual(decodeOutcome(encodeOutcome(outcome)), { ok: true, value: outcome });
  const bad = decodeOutcome(JSON.stringify({ ...JSON.parse(encodeOutcome(outcome)), result: "?" }));
  deepEqual(bad, { ok: false, problem: "field result is missing or invalid" });
  const pin = { version: "5d27", by: "alice@ops1", at: "now", from: null };
  deepEqual(decodePin(encodePin(pin)), { ok: true, value: pin });
  deepEqual(decodePin(encodePin(null)), { ok: true, value: null });
  equal(decodePin("garbage").ok, false);
});

Deno.test("record names: the /hosts data version, 10 digits", () => {
  equal(recordName(42), "0000000042");
  equal(isRecordName("0000000042"), true);
  equal(isRecordName("junk"), false);
  equal(isRecordName("42"), false);
});
