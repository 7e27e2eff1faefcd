/**
 * The agent's check before acting: every deployment it read from the store is checked against
 * what the tree may name (`lib/tree/safe_values.ts`, the rules `sync` and `tree validate` apply
 * at parse time; the rollout policy's rules are `lib/tree/rollout_values.ts`), since the tree may have been written by another tool. A bad value fails the
 * deployment before any command runs or any file is touched, which stops the cluster (ALL STOP)
 * like any other failure.
 *
 * @module
 */
import { deploymentProblems } from "../tree/safe_values.ts";
import { type Deployment, DeploymentError } from "./deployments.ts";
import { policyProblem } from "./rollout_policy.ts";

/** Throws a {@linkcode DeploymentError} naming the first deployment with a bad value. */
export function checkDeployments(deployments: readonly Deployment[]): void {
  for (const d of deployments) {
    const [problem = policyProblem(d)] = deploymentProblems(d);
    if (problem !== undefined) {
      throw new DeploymentError(`Refusing to deploy ${JSON.stringify(d.path)}: ${problem}`);
    }
  }
}
