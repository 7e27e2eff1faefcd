/**
 * What a branch name may be, for every tool that passes one to git: git's own ref-name rules
 * (`git check-ref-format`), restricted to characters that are never special to a shell.
 *
 * @module
 */

const ALLOWED = /^[A-Za-z0-9._/+@-]+$/;

/** Why `name` is not an acceptable branch name, or undefined when it is. */
export function branchProblem(name: string): string | undefined {
  if (name === "") return "empty";
  if (name.startsWith("-")) return "must not start with '-'";
  if (!ALLOWED.test(name)) return "only letters, digits and . _ / + @ - are allowed";
  if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) {
    return "misplaced '/'";
  }
  if (name.includes("..") || name.includes("@{") || name === "@") return "'..', '@{' or '@'";
  if (name.endsWith(".lock") || name.endsWith(".")) return "must not end with '.lock' or '.'";
  if (name.split("/").some((part) => part.startsWith("."))) {
    return "a component must not start with '.'";
  }
  return undefined;
}

const URL_CHARACTERS = /^[A-Za-z0-9._~:/@%+=,-]+$/;

/**
 * Why `url` is not an acceptable repository URL or path, or undefined when it is: never
 * option-like, never a remote helper transport (`ext::…` runs a command, `fd::…` reads a file
 * descriptor), and only characters that are never special to a shell.
 */
export function repoUrlProblem(url: string): string | undefined {
  if (url === "") return "empty";
  if (url.startsWith("-")) return "must not start with '-'";
  const helper = /^([A-Za-z0-9+.-]*)::/.exec(url);
  if (helper !== null) {
    return `'${helper[1]}::' remote helper transports are refused (ext:: and fd:: above all)`;
  }
  if (!URL_CHARACTERS.test(url)) return "holds characters not allowed in a repo URL";
  return undefined;
}
