/**
 * What the tree may name: the rules for every tree value that becomes a file name, a path or a
 * command word on a host. One module, used twice: by `sync`, `tree validate` and `tree import`
 * when a tree file is parsed (a {@linkcode TreeSyntaxError} with file:line:col, nothing
 * written), and by the agent before it acts on what it read from the store (the tree may have
 * been written by another tool).
 *
 * - package name (the type's first word; `/opt/<pkg>`, `/etc/<app>`, a yum/apt operand) and
 *   subtype (the second word; `-r <subtype>`): {@linkcode NAME_PATTERN};
 * - version (a yum/apt operand): {@linkcode VERSION_PATTERN}, or a VCS URL
 *   ({@linkcode vcsUrlProblem}): `svn://`, `svn+ssh://`, `git+https://`, `git+http://`,
 *   `git+ssh://`, `git+git://`, `git+file://`, or `https://….git`, with URL characters only;
 * - deploy-child names (a host id, host name or role): {@linkcode TARGET_PATTERN};
 * - every name on an app node's path: no `,` (the agent writes `/` as `,` in its marker and lock
 *   names, so `/a,b` and `/a/b` would collide);
 * - every node name: ZooKeeper's path rules ({@linkcode nodeNameProblem});
 * - an app node's rollout policy (`max_parallel`, `canary`, `health_url`, …): the rules of
 *   `rollout_values.ts`.
 *
 * @module
 */
import { type SourceLocation, type TreeNode, TreeSyntaxError } from "./model.ts";
import { formatValue } from "./value.ts";
import { rolloutProblems } from "./rollout_values.ts";

/** Package names and subtypes: a letter, digit or `_`, then letters, digits, `. _ + -`. */
export const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;
/** Package versions: a letter, digit or `_`, then letters, digits, `. _ + ~ : -`. */
export const VERSION_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._+~:-]*$/;
/** Deploy-child names: a letter, digit or `_`, then letters, digits, `. _ : @ + -`. */
export const TARGET_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:@+-]*$/;
/** The longest name or version accepted. */
export const MAX_NAME_LENGTH = 200;

const URL_BODY = /^[A-Za-z0-9._~:/@%+=,-]+$/;
const GIT_SCHEMES = ["https://", "http://", "ssh://", "git://", "file://"];

function nameLike(what: string, value: string, pattern: RegExp, allowed: string) {
  if (value === "") return `empty ${what}`;
  if (value.length > MAX_NAME_LENGTH) return `${what} longer than ${MAX_NAME_LENGTH} characters`;
  if (value.startsWith("-")) return `${what} ${formatValue(value)} starts with '-'`;
  if (value.includes("..")) return `${what} ${formatValue(value)} contains '..'`;
  if (!pattern.test(value)) {
    return `${what} ${formatValue(value)} may only hold ${allowed}`;
  }
  return undefined;
}

/** Why `pkg` is not an acceptable package name, or undefined. */
export function packageNameProblem(pkg: string): string | undefined {
  return nameLike("package name", pkg, NAME_PATTERN, "letters, digits and . _ + - (not first)");
}

/** Why `subtype` is not an acceptable subtype, or undefined. */
export function subtypeProblem(subtype: string): string | undefined {
  return nameLike("subtype", subtype, NAME_PATTERN, "letters, digits and . _ + - (not first)");
}

/** Why `name` is not an acceptable deploy-child name (host id, host name, role), or undefined. */
export function deployTargetProblem(name: string): string | undefined {
  return nameLike("deploy target", name, TARGET_PATTERN, "letters, digits and . _ : @ + -");
}

/** True when a version names a VCS location (see the module doc for the forms). */
export function isVcsVersion(version: string): boolean {
  return version.startsWith("svn://") || version.startsWith("svn+ssh://") ||
    version.startsWith("git+") || /^https:\/\/\S+\.git$/.test(version);
}

/** Why a VCS version is not acceptable, or undefined. */
export function vcsUrlProblem(version: string): string | undefined {
  const shown = formatValue(version);
  const url = version.startsWith("git+") ? version.slice(4) : version;
  if (version.startsWith("git+") && !GIT_SCHEMES.some((s) => url.startsWith(s))) {
    return `VCS URL ${shown}: after 'git+' only ${GIT_SCHEMES.join(" ")} URLs are allowed`;
  }
  if (!URL_BODY.test(url)) {
    return `VCS URL ${shown} may only hold letters, digits and . _ ~ : / @ % + = , -`;
  }
  if (url.includes("::")) return `VCS URL ${shown}: remote helper transports are refused`;
  return undefined;
}

/** Why `version` (a string, or a number written as one) is not acceptable, or undefined. */
export function versionProblem(version: string): string | undefined {
  if (isVcsVersion(version)) return vcsUrlProblem(version);
  return nameLike(
    "version",
    version,
    VERSION_PATTERN,
    "letters, digits and . _ + ~ : - (or be a VCS URL)",
  );
}

/** Why the app node path `path` cannot be deployed (a name holding `,`), or undefined. */
export function appPathProblem(path: string): string | undefined {
  const bad = path.split("/").find((part) => part.includes(","));
  if (bad === undefined) return undefined;
  return `node name ${formatValue(bad)} on deployed path ${path} contains ',' ` +
    `(the agent writes '/' as ',' in its file and lock names)`;
}

/**
 * Why `name` is not a valid ZooKeeper node name, or undefined: ZooKeeper refuses `.` and `..`,
 * NUL, control characters (U+0001–U+001F, U+007F–U+009F), U+D800–U+F8FF (which holds every
 * character written with a surrogate pair, emoji included) and U+FFF0–U+FFFF.
 */
export function nodeNameProblem(name: string): string | undefined {
  if (name === "") return "empty node name";
  if (name === "." || name === "..") return `'${name}' is not a valid node name`;
  for (const ch of name) {
    const code = ch.charCodeAt(0);
    if (
      code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0xd800 && code <= 0xf8ff) ||
      code >= 0xfff0
    ) {
      const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      return `node name ${formatValue(name)} holds U+${hex}, which ZooKeeper does not ` +
        `accept in a path`;
    }
  }
  return undefined;
}

/** One deployment's values, as the agent reads them. */
export interface DeploymentValues {
  /** The package. */
  pkg: string;
  /** The subtype, or null. */
  subtype: string | null;
  /** The version (or VCS URL), or null when the package name carries it. */
  version: string | null;
  /** The app node path. */
  path: string;
  /** The child of `deploy` it came from, when known. */
  target?: string;
}

/** Every problem with one deployment's values (empty when it is acceptable). */
export function deploymentProblems(d: DeploymentValues): string[] {
  return [
    packageNameProblem(d.pkg),
    d.subtype === null ? undefined : subtypeProblem(d.subtype),
    d.version === null ? undefined : versionProblem(d.version),
    appPathProblem(d.path),
    d.target === undefined ? undefined : deployTargetProblem(d.target),
  ].filter((p): p is string => p !== undefined);
}

/**
 * Checks the values of every deployment in a parsed tree (nodes with a `type` and a `deploy`
 * child): the type's words, the version, the deploy children's names and the names on the
 * path. Throws a {@linkcode TreeSyntaxError} naming where the first bad value was written.
 */
export function checkTreeValues(root: TreeNode): void {
  const walk = (node: TreeNode, path: string) => {
    const deploy = node.children.get("deploy");
    if (deploy !== undefined && path !== "") checkDeployment(node, path, deploy);
    for (const [name, child] of node.children) walk(child, `${path}/${name}`);
  };
  walk(root, "");
}

function checkDeployment(node: TreeNode, path: string, deploy: TreeNode): void {
  const fail = (where: SourceLocation | undefined, reason: string): never => {
    throw new TreeSyntaxError(where ?? { file: "<tree>", line: 1, column: 1 }, reason);
  };
  const at = (key: string) => node.propertySources?.[key] ?? node.source;
  const pathProblem = appPathProblem(path);
  if (pathProblem !== undefined) fail(node.source, pathProblem);
  const type = node.properties.type;
  if (typeof type === "string") {
    const words = type.trim().split(/\s+/);
    if (words.length > 2) fail(at("type"), `type ${formatValue(type)} has more than two words`);
    const problem = packageNameProblem(words[0]) ??
      (words[1] === undefined ? undefined : subtypeProblem(words[1]));
    if (problem !== undefined) fail(at("type"), `${problem} (in the type of ${path})`);
  }
  const version = node.properties.version;
  if (typeof version === "string" || typeof version === "number") {
    const problem = versionProblem(String(version));
    if (problem !== undefined) fail(at("version"), `${problem} (on ${path})`);
  }
  const [rollout] = rolloutProblems(node.properties);
  if (rollout !== undefined) fail(at(rollout.name), `${rollout.problem} (on ${path})`);
  for (const [name, child] of deploy.children) {
    const problem = deployTargetProblem(name);
    if (problem !== undefined) fail(child.source, `${problem} (under ${path}/deploy)`);
  }
}

/** Thrown when a path the agent would remove does not lie where it may remove things. */
export class UnsafePathError extends Error {
  /** Makes the error. */
  constructor(message: string) {
    super(message);
    this.name = "UnsafePathError";
  }
}

/** Normalises an absolute path: collapses `//`, `.` and `..` (never above `/`). */
export function normalisePath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

/**
 * The real path of the host path `hostPath` below `root`, proven after normalisation to lie
 * strictly inside `<root>/opt/` or, when `app` is given, `<root>/etc/<app>/` (a package's
 * checkout, a deployment's marker files). Throws {@linkcode UnsafePathError} otherwise.
 */
export function removablePath(root: string, hostPath: string, app?: string): string {
  const base = normalisePath(root.startsWith("/") ? root : `${Deno.cwd()}/${root}`);
  const full = normalisePath(`${base}/${hostPath}`);
  const prefix = base === "/" ? "" : base;
  const allowed = [`${prefix}/opt/`];
  if (app !== undefined && packageNameProblem(app) === undefined) {
    allowed.push(`${prefix}/etc/${app}/`);
  }
  if (!allowed.some((dir) => full.startsWith(dir) && full.length > dir.length)) {
    throw new UnsafePathError(
      `Refusing to remove ${full}: it is not inside ${allowed.join(" or ")}`,
    );
  }
  return full;
}

/**
 * The real path of `<root>/etc/<app>` itself (removed, when empty, after an app's last
 * deployment goes), for a valid package name `app` only. Throws {@linkcode UnsafePathError}.
 */
export function removableEtcDir(root: string, app: string): string {
  const problem = packageNameProblem(app);
  if (problem !== undefined) {
    throw new UnsafePathError(`Refusing to remove /etc/${app}: ${problem}`);
  }
  const base = normalisePath(root.startsWith("/") ? root : `${Deno.cwd()}/${root}`);
  return `${base === "/" ? "" : base}/etc/${app}`;
}
