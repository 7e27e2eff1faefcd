/**
 * Versions that are VCS locations: `svn+ssh://…`, `svn://…` (Subversion), `git+…` and
 * `https://….git` (git). Such a package is checked out into `/opt/<pkg>` and built there.
 *
 * @module
 */

/** A VCS location. */
export interface VcsLocation {
  /** The VCS. */
  kind: "svn" | "git";
  /** The URL as the VCS takes it (`git+` removed). */
  url: string;
}

/** The VCS location a version names, or null for a package version. */
export function vcsLocation(version: string | null): VcsLocation | null {
  if (version === null) return null;
  if (version.startsWith("svn+ssh://") || version.startsWith("svn://")) {
    return { kind: "svn", url: version };
  }
  if (version.startsWith("git+")) return { kind: "git", url: version.slice(4) };
  if (/^https:\/\/\S+\.git$/.test(version)) return { kind: "git", url: version };
  return null;
}

/** The URL in `svn info` output (`URL: …` line), or null. */
export function svnInfoUrl(output: string): string | null {
  const line = output.split("\n").find((l) => l.startsWith("URL: "));
  return line === undefined ? null : line.slice(5).trim();
}
