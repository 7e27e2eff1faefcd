/**
 * A host as the cluster layout knows it: the id its `/hosts/<id>` node is named by, its name and
 * its role, the three names a tree's `deploy` children may use for it.
 *
 * @module
 */

/** This host as deployments name it. */
export interface HostIdentity {
  /** The host id (first line of `etc/zmh/pxemac`). */
  id: string;
  /** The host name. */
  name: string;
  /** The role (first line of `etc/zim/role`), or null. */
  role: string | null;
}
