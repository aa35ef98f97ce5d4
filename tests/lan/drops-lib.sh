# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers shared by the LAN tests of sending files to a colleague
# (test-drops.sh, test-drops-resume.sh). Sourced after lib.sh.

OFFER1=io.github.hallwaylan.Hallway.Offer1
OFFERS_PATH=/io/github/hallwaylan/Hallway/offers

# set_receiver HOST KEY=VALUE...: the GSettings HOST's hallwayd reads at its
# next start (keyfile backend; values in GVariant text form).
set_receiver() {
  local host=$1 dir
  shift
  dir="$("$L" xdg "$host")/config/glib-2.0/settings"
  mkdir -p "$dir"
  {
    echo '[io/github/hallwaylan/Hallway]'
    printf '%s\n' "$@"
  } >"$dir/keyfile"
}

transfer_field() {   # HOST ID FIELD
  ctl "$1" transfers --json | jq -r --arg i "$2" --arg f "$3" '.[] | select(.id == $i) | .[$f]'
}
transfer_is() {      # HOST ID FIELD VALUE
  [ "$(transfer_field "$1" "$2" "$3")" = "$4" ]
}
transfer_mid_file() {   # HOST ID: delivering, some bytes, not all
  ctl "$1" transfers --json |
    jq -e --arg i "$2" \
      '.[] | select(.id == $i) | .bytes > 0 and .bytes < .total and .state == "running"'
}
transfer_ended() {   # HOST ID: done, failed or cancelled
  ctl "$1" transfers --json |
    jq -e --arg i "$2" \
      '.[] | select(.id == $i) | .state == "done" or .state == "failed" or .state == "cancelled"'
}

# pending_offer HOST PEER_NAME: the id of a pending offer from PEER_NAME.
pending_offer() {
  ctl "$1" offers --json |
    jq -r --arg n "$2" 'map(select(.state == "pending" and
      ([.peer, .peer_name, .name] | map(select(. != null) | tostring) | any(contains($n))))) |
      .[0].id // empty'
}
has_pending_offer() {
  [ -n "$(pending_offer "$1" "$2")" ]
}
offer_field() {      # HOST ID FIELD
  ctl "$1" offers --json | jq -r --arg i "$2" --arg f "$3" '.[] | select(.id == $i) | .[$f]'
}
offer_is() {         # HOST ID FIELD VALUE
  [ "$(offer_field "$1" "$2" "$3")" = "$4" ]
}

# accept_some HOST ID INDEX...: accepts only those files of the offer
# (Offer1.Accept with indexes; hallwayctl accept takes the whole offer).
accept_some() {
  local host=$1 id=$2 list
  shift 2
  list=$(IFS=,; echo "$*")
  "$L" exec "$host" -- gdbus call --session --dest io.github.hallwaylan.Hallway.Daemon \
    --object-path "$OFFERS_PATH/$id" --method "$OFFER1.Accept" "[uint32 $list]" ""
}

no_part_files() {    # DIR
  [ -z "$(find "$1" -name '*.hallway-part' 2>/dev/null)" ]
}

# A notification server (tests/lan/fake-notifications.c) or another
# stand-in on a's session bus.
FAKE="$BUILD_DIR/tests/fake-notifications"
# fake NAME LOG [ARGS...]: a stand-in owning NAME on a's session bus.
declare -A FAKE_PID=()
fake() {
  local name=$1 log=$2
  shift 2
  "$L" exec a -- "$FAKE" --name "$name" "$@" >"$log" 2>&1 &
  FAKE_PID[$name]=$!
  wait_until 10 grep -q '^ready$' "$log"
}
unfake() {
  kill "${FAKE_PID[$1]}" 2>/dev/null
  wait "${FAKE_PID[$1]}" 2>/dev/null
  return 0   # it ends by SIGTERM, as asked
}

export -f transfer_field transfer_is transfer_mid_file transfer_ended pending_offer \
  has_pending_offer offer_field offer_is no_part_files
