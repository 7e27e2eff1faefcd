/**
 * The role a node plays for an application.
 *
 * @module
 */

/** A node is the master, the slave or nothing for an application. */
export type Role = "master" | "slave" | "nothing";

/** This node's role given the application's master and slave. */
export function roleOf(node: string, master?: string | null, slave?: string | null): Role {
  if (master === node) return "master";
  if (slave === node) return "slave";
  return "nothing";
}
