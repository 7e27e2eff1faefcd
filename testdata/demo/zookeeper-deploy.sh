#!/bin/sh
# The deploy script of every simulated package of the demo, installed as
# /opt/<pkg>/bin/zookeeper-deploy. It follows the deploy-script contract:
#   zookeeper-deploy [-r SUBTYPE] <path> <n>   creates /etc/<app>/<path with , for />.<n>.deployed
#   zookeeper-deploy -u <path> <n>             removes it
# All paths are below $TEST_ROOT; <app> is the package name (from this script's location)
# without a -<version> suffix.
set -eu
root="${TEST_ROOT:?TEST_ROOT is not set}"
pkg="$(basename "$(dirname "$(dirname "$0")")")"
app="$(echo "$pkg" | sed -E 's/-[0-9]+(\.[0-9]+)*$//')"
undeploy=no
subtype=""
if [ "$1" = "-u" ]; then undeploy=yes; shift; fi
if [ "$1" = "-r" ]; then subtype="$2"; shift 2; fi
stem="$(echo "$1" | sed 's#^/##; s#/#,#g').$2"
mkdir -p "$root/etc/$app"
if [ $undeploy = yes ]; then
  rm -f "$root/etc/$app/$stem.deployed"
  echo "$app: removed instance $2 of $1"
else
  : >"$root/etc/$app/$stem.deployed"
  echo "$app: deployed instance $2 of $1${subtype:+ (role $subtype)}"
fi
