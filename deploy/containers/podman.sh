#!/usr/bin/env bash
# podman with Parley's containers.conf (runc, capped ulimits): use it for every podman command.
#   deploy/containers/podman.sh ARGS...
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CONTAINERS_CONF="$HERE/containers.conf"
exec podman "$@"
