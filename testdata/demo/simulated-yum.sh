#!/bin/sh
# A simulated yum, for the demo (`clusterdeploy demo`) and the agent's end-to-end tests.
# Packages are directories $SIMULATED_YUM_REPO/<name>/<version>/ (FAKE_YUM_REPO is accepted
# too), installed by copying one to $TEST_ROOT/opt/<name>; the installed version is kept in
# $TEST_ROOT/var/lib/simulated-yum/<name>. Like yum, it reports a package it cannot find and
# still exits 0, so the agent has to verify every install.
set -u
root="${TEST_ROOT:?TEST_ROOT is not set}"
repo="${SIMULATED_YUM_REPO:-${FAKE_YUM_REPO:-}}"
if [ -z "$repo" ]; then
  echo "simulated yum: set SIMULATED_YUM_REPO to the package directory" >&2
  exit 1
fi
db="$root/var/lib/simulated-yum"
mkdir -p "$db"
while [ $# -gt 0 ]; do
  case "$1" in -y | -q) shift ;; *) break ;; esac
done
command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
clean)
  echo "Cleaning repos: simulated"
  ;;
list) # list installed NAME
  name="$2"
  if [ -f "$db/$name" ]; then
    echo "Installed Packages"
    printf '%s.noarch    %s-1    @simulated\n' "$name" "$(cat "$db/$name")"
  else
    echo "Error: No matching Packages to list" >&2
    exit 1
  fi
  ;;
install | downgrade)
  spec="$1"
  name="${spec%-*}"
  version="${spec##*-}"
  if [ "$name" = "$spec" ] || [ ! -d "$repo/$name/$version" ]; then
    echo "No package $spec available."
    echo "Error: Nothing to do"
    exit 0
  fi
  rm -rf "$root/opt/$name"
  mkdir -p "$root/opt"
  cp -R "$repo/$name/$version" "$root/opt/$name"
  echo "$version" >"$db/$name"
  echo "Installed: $name-$version-1.noarch"
  ;;
remove)
  name="$1"
  rm -rf "$root/opt/$name" "$db/$name"
  echo "Removed: $name"
  ;;
*)
  echo "simulated yum: unknown command '$command'" >&2
  exit 1
  ;;
esac
