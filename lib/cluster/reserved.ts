/**
 * The top-level nodes clusterdeploy keeps for itself, defined once. A tree file may name none
 * of them (sync, `tree validate` and `tree import` refuse it at file:line:col); sync never reads
 * them as part of the live tree nor deletes them; the agent's walk never looks for deployments
 * in them.
 *
 * | node                | what it holds                                              | written by       |
 * | ------------------- | ---------------------------------------------------------- | ---------------- |
 * | `/hosts`            | the cluster version and each host's ephemeral node          | sync, the agents |
 * | `/zookeeper`        | ZooKeeper's own node                                        | ZooKeeper        |
 * | `/deployment-index` | the deployment index (host id, name, role → deployments)    | sync             |
 * | `/role-locks`       | the persistent role locks (`/role-locks/<role>`)            | the agents       |
 * | `/agent-locks`      | the per-application locks (`/agent-locks/<app,path>`)       | the agents       |
 * | `/agent-rollouts`   | per app (`<app,path>`): its semaphore and canary records    | the agents       |
 * | `/ZktoolsLocks`     | the cluster lock sync takes (zktools' lock layout)          | sync             |
 * | `/rollouts`         | the rollout records, each host's outcome, and the pin       | sync, agents, CLI |
 * | `/notifications`    | one claim per rollout event notified (the newest kept)       | `serve --notify` |
 *
 * @module
 */
import { LOCKS_ROOT } from "../store/path.ts";
import { ZOOKEEPER_NODE } from "../tree/model.ts";

/** Path of the node whose `version` is the cluster version, and whose children are the hosts. */
export const HOSTS_PATH = "/hosts";

/** The deployment index's top-level node name. */
export const INDEX_NODE = "deployment-index";

/** Where the deployment index lives. */
export const DEPLOYMENT_INDEX = `/${INDEX_NODE}`;

/** Where the persistent role locks live (`/role-locks/<role>`). */
export const ROLE_LOCKS = "/role-locks";

/** Where the agents' per-application locks live (`/agent-locks/cust,someapp,cms`). */
export const AGENT_LOCKS = "/agent-locks";

/** Where the rollout history lives: its records (`/rollouts/<n>`) and, as its data, the pin. */
export const ROLLOUTS_PATH = "/rollouts";

/**
 * Where `serve --notify` claims each event before notifying it (`/notifications/<key>`, one
 * create-if-absent node per event: the one `serve` process whose create succeeds sends it).
 */
export const NOTIFICATIONS = "/notifications";

/**
 * Where the agents keep an app's progressive rollout (issue 18), under `/agent-rollouts/<app,path>`
 * (the app path written as in `/agent-locks`): `leases` (the kazoo `Semaphore` used when
 * `max_parallel` > 1, its lock at `leases-__lock__`) and `canary-<digest>` (the canary record of
 * one version of the app).
 */
export const AGENT_ROLLOUTS = "/agent-rollouts";

/**
 * Every reserved top-level name (see the module doc). The agent's walk skips them (a role named
 * `deploy` would look like a deploy node under `/role-locks`; the index's children are named
 * like `deploy` children), sync leaves them out of the live tree, and tree files may not name
 * them.
 */
export const RESERVED_TOP_LEVEL: ReadonlySet<string> = new Set([
  HOSTS_PATH.slice(1),
  ZOOKEEPER_NODE,
  INDEX_NODE,
  ROLE_LOCKS.slice(1),
  AGENT_LOCKS.slice(1),
  AGENT_ROLLOUTS.slice(1),
  LOCKS_ROOT.slice(1),
  ROLLOUTS_PATH.slice(1),
  NOTIFICATIONS.slice(1),
]);

/** Reserved top-level nodes that `tree export` prints only when asked for by path. */
export const INTERNAL_NODES: ReadonlySet<string> = new Set([
  INDEX_NODE,
  ROLLOUTS_PATH.slice(1),
  NOTIFICATIONS.slice(1),
]);
