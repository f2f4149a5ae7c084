#!/usr/bin/env bash
# Start or stop every production engine privately for tests and benchmarks:
#   deploy/local/engines.sh up|down|status [name ...]   (names: mariadb redis rabbitmq elasticsearch versitygw)
# Each engine script reuses an instance it already started and writes .engines/<name>.env.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
action="${1:-status}"; shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(mariadb redis rabbitmq elasticsearch versitygw)
case "$action" in
    up) verb=start ;;
    down) verb=stop ;;
    status) verb=status ;;
    *) echo "usage: $0 up|down|status [name ...]" >&2; exit 2 ;;
esac
for name in "${names[@]}"; do
    echo "engines: $name $verb"
    if [ "$verb" = status ]; then
        bash "$HERE/engines/$name.sh" status || true  # a stopped engine answers 3
    else
        bash "$HERE/engines/$name.sh" "$verb"
    fi
done
