#!/bin/sh
# TURN with coturn's REST-API credentials: the backend signs `<expiry>:<user>` with the same secret.
set -eu
: "${TURN_SECRET:?set PARLEY_TURN_SECRET}"
exec turnserver -n --log-file=stdout --no-cli --fingerprint \
  --use-auth-secret --static-auth-secret="$TURN_SECRET" --realm="${TURN_REALM:-parley}" \
  --listening-port=3478 --min-port=49160 --max-port=49200 \
  --no-multicast-peers --denied-peer-ip=10.0.0.0-10.255.255.255 \
  --denied-peer-ip=172.16.0.0-172.31.255.255 --denied-peer-ip=192.168.0.0-192.168.255.255 \
  --denied-peer-ip=127.0.0.0-127.255.255.255 \
  ${TURN_EXTERNAL_IP:+--external-ip="$TURN_EXTERNAL_IP"}
