/**
 * The cluster layout sync and the agents share: the reserved top-level nodes, `/hosts` and the
 * cluster version, a host's identity, the deployment keys a tree's `deploy` children give and
 * the deployment index sync writes for the agents. `lib/sync` and `lib/agent` both import this
 * module, never each other.
 *
 * @module
 */
export * from "./reserved.ts";
export * from "./version.ts";
export * from "./host.ts";
export * from "./deployment_keys.ts";
export * from "./deployment_index.ts";
export * from "./rollout_record.ts";
