#!/bin/bash
# bash completion for irrigctl (completion/irrigctl): commands, zones from a
# stub irrigctl and from a running irrigd --sim, durations, numbers, options.
set -eu
fail() { echo "test_units_completion: $*" >&2; exit 1; }
top=$(pwd)
build=${IRRIGD_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
[ -x "$build/irrigctl" ] && [ -x "$build/irrigd" ] || make -s all >/dev/null
[ -x "$build/irrigctl" ] || build=$top/build
tmp=$(mktemp -d /tmp/irrigd-completion-XXXXXX)
daemon=""
cleanup() {
	[ -z "$daemon" ] || { kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT

# Every command of the protocol's table, the static list, and irrigctl --help.
table=$(sed -n 's/^COMMAND([A-Z_]*, *\([a-z-]*\),.*/\1/p' \
	include/core/commands.def | sort)
[ -n "$table" ] || fail "no commands found in include/core/commands.def"
static=$(bash -c 'source completion/irrigctl; printf "%s\n" $_irrigctl_commands_static' | sort)
[ "$table" = "$static" ] || fail "the static command list differs from include/core/commands.def:
$(diff <(echo "$table") <(echo "$static"))"
help=$(bash -c "source completion/irrigctl; _irrigctl_commands '$build/irrigctl'" | sort)
[ "$table" = "$help" ] || fail "the commands of irrigctl --help differ from include/core/commands.def:
$(diff <(echo "$table") <(echo "$help"))"

# A stub irrigctl: two zones, and a log of how it was called.
mkdir "$tmp/stub"
cat >"$tmp/stub/irrigctl" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/stub.log"
case "\$*" in
*"--json zones") echo '{"ok":true,"zones":[{"name":"front-lawn","flow_lpm":20.80,"max_run_s":3600},{"name":"beds2","flow_lpm":0,"max_run_s":600}]}' ;;
*"--json schedule --days 60") echo '{"ok":true,"days":60,"runs":[{"at":1,"program":"morning","zone":"beds2","duration_s":60,"skip":null},{"at":2,"program":"evening","zone":"beds2","duration_s":60,"skip":null},{"at":3,"program":"morning","zone":"beds2","duration_s":60,"skip":null}]}' ;;
--help) exec "$build/irrigctl" --help ;;
*) exit 3 ;;
esac
EOF
chmod +x "$tmp/stub/irrigctl"

# complete PATH LINE: what TAB offers at the end of LINE, one line of words.
# The line is split as readline does: at blanks, and "=" apart after --opt.
complete() {
	PATH="$1:$PATH" bash -c '
		source completion/irrigctl
		line=$1
		read -ra words <<<"$line"
		[[ $line == *" " ]] && words+=("")
		COMP_WORDS=()
		for w in "${words[@]}"; do
			if [[ $w == --*=* ]]; then
				COMP_WORDS+=("${w%%=*}" "=")
				[[ -n ${w#*=} ]] && COMP_WORDS+=("${w#*=}")
			else
				COMP_WORDS+=("$w")
			fi
		done
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line
		COMP_POINT=${#line}
		_irrigctl irrigctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		echo "${COMPREPLY[*]}"' complete "$2"
}
words() { printf '%s\n' $1 | sort | tr '\n' ' '; }
expect() {	# PATH LINE WANTED (in any order)
	got=$(complete "$1" "$2")
	[ "$(words "$got")" = "$(words "$3")" ] ||
		fail "'$2<TAB>' offers '$got', not '$3'"
}
stub=$tmp/stub
expect "$stub" "irrigctl wa" "water watch"
expect "$stub" "irrigctl s" "stop skip schedule status sensors sim"
expect "$stub" "irrigctl water " "front-lawn beds2"
expect "$stub" "irrigctl water f" "front-lawn"
expect "$stub" "irrigctl --json water b" "beds2"
expect "$stub" "irrigctl water front-lawn 1" "1 10 15 1h"
expect "$stub" "irrigctl water 1" "1 10 15 1h"
expect "$stub" "irrigctl water front-lawn 5 --n" "--no-wait --now"
expect "$stub" "irrigctl water 5 " "--no-wait --now --force"
expect "$stub" "irrigctl history " "5 10 20 50"
expect "$stub" "irrigctl schedule " "--days"
expect "$stub" "irrigctl schedule --days " "1 2 3 7 14 30"
expect "$stub" "irrigctl pause 1" "12h 1d 120d"
expect "$stub" "irrigctl pause u" "until"
expect "$stub" "irrigctl program " "morning evening"
expect "$stub" "irrigctl program morning " "enable disable skip-next"
expect "$stub" "irrigctl status " ""
expect "$stub" "irrigctl help wa" "water watch"
expect "$stub" "irrigctl help s" "stop skip schedule status sensors sim"
expect "$stub" "irrigctl help water " ""
expect "$stub" "irrigctl --so" "--socket"
expect "$stub" "irrigctl --j" "--json"
# The zones come from the daemon on the socket the line names.
: >"$tmp/stub.log"
expect "$stub" "irrigctl -s /some/where.sock water " "front-lawn beds2"
expect "$stub" "irrigctl --socket=/else/where.sock water " "front-lawn beds2"
grep -qx -- "-s /some/where.sock --json zones" "$tmp/stub.log" ||
	fail "zones not asked of -s's socket: $(cat "$tmp/stub.log")"
grep -qx -- "-s /else/where.sock --json zones" "$tmp/stub.log" ||
	fail "zones not asked of --socket='s socket: $(cat "$tmp/stub.log")"
# The socket's path: files.
touch "$tmp/irrigd.sock"
expect "$stub" "irrigctl -s $tmp/irrigd.s" "$tmp/irrigd.sock"
expect "$stub" "irrigctl --socket=$tmp/irrigd.s" "$tmp/irrigd.sock"
rm "$tmp/irrigd.sock"

# The real thing: irrigd --sim's zones through the real irrigctl.
mkdir "$tmp/bin"
ln -s "$build/irrigctl" "$tmp/bin/irrigctl"
"$build/irrigd" --sim -c etc/irrigd.conf -s "$tmp/irrigd.sock" \
	--state-dir "$tmp/state" >"$tmp/irrigd.log" 2>&1 &
daemon=$!
for _ in $(seq 100); do
	"$build/irrigctl" -s "$tmp/irrigd.sock" version >/dev/null 2>&1 && break
	sleep 0.1
done
"$build/irrigctl" -s "$tmp/irrigd.sock" version >/dev/null 2>&1 ||
	fail "irrigd --sim did not start: $(cat "$tmp/irrigd.log")"
expect "$tmp/bin" "irrigctl -s $tmp/irrigd.sock water " "garden"
IRRIGD_SOCKET=$tmp/irrigd.sock expect "$tmp/bin" "irrigctl water g" "garden"
kill "$daemon"
wait "$daemon" || fail "irrigd --sim did not stop cleanly: $(cat "$tmp/irrigd.log")"
daemon=""
# No daemon: water's first word may be a duration.
expect "$tmp/bin" "irrigctl -s $tmp/irrigd.sock water " "1 5 10 15 20 30 45 90s 2m30s 1h"
echo "test_units_completion: ok"
