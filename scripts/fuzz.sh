#!/usr/bin/env bash
# Fuzzes warden's loader with cargo-fuzz (libFuzzer, nightly toolchain).
#
#   scripts/fuzz.sh [seconds] [target]
#
# seconds: how long to run (default 600); target: `loader` (whole executables, default),
# `intern` (raw marshalled data) or `run` (generated executables, verified, then run in the
# hardened build with an instruction budget). The loader and intern corpora are seeded from
# executables built with the stock ocamlc (scripts/ocaml-toolchain.sh installs it); `run`
# starts from nothing (its input only steers a generator). Corpora are kept in
# fuzz/corpus/<target>; crashes land in fuzz/artifacts/<target>.
set -eu

seconds=${1:-600}
target=${2:-loader}
root=$(cd "$(dirname "$0")/.." && pwd)
ocaml_bin=${WARDEN_OCAML_BIN:-$HOME/.cache/warden/ocaml-5.3.0/bin}

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo +nightly install cargo-fuzz
fi

corpus="$root/fuzz/corpus/$target"
mkdir -p "$corpus"
if [ "$target" != run ] && [ -z "$(ls -A "$corpus")" ]; then
    if [ ! -x "$ocaml_bin/ocamlc" ]; then
        echo "fuzz.sh: no stock ocamlc in $ocaml_bin; starting from an empty corpus" >&2
    else
        seeds=$(mktemp -d)
        trap 'rm -rf "$seeds"' EXIT
        cat > "$seeds/hello.ml" <<'EOF'
let () = print_endline "hello"
EOF
        cat > "$seeds/mixed.ml" <<'EOF'
type r = { a : float; b : int64; c : string list }
let consts = ({ a = 1.5; b = 7L; c = ["x"; "y"] }, [| 1.0; 2.0 |], 3l, 4n, `Tag "v")
class c = object method m = 1 end
let f x = if x > 2 then raise Exit else x + 1
let rec g x = if x = 0 then 0 else h (x - 1) and h x = g x + 1
let () =
  let s = Marshal.to_string (consts, f, g) [Marshal.Closures] in
  let (_, f', _) : _ * (int -> int) * (int -> int) = Marshal.from_string s 0 in
  print_int (f' 1 + (new c)#m + h 3)
EOF
        for ml in "$seeds"/*.ml; do
            name=$(basename "$ml" .ml)
            (cd "$seeds" && "$ocaml_bin/ocamlc" -o "$name.byte" "$name.ml" \
                && "$ocaml_bin/ocamlc" -g -o "$name.g.byte" "$name.ml")
        done
        if [ "$target" = loader ]; then
            cp "$seeds"/*.byte "$corpus/"
        else
            # Marshalled values: some written by the stock runtime (closures included) ...
            cat > "$seeds/values.ml" <<'EOF'
let write name v =
  let oc = open_out_bin name in
  Marshal.to_channel oc v [Marshal.Closures];
  close_out oc
let rec f x = if x = 0 then 0 else g (x - 1) and g x = f x + 1
let () =
  write "v1.bin" (f, g, [1; 2; 3], "str", 2.5, [| 1.0; 2.0 |]);
  write "v2.bin" (1L, 2l, 3n, Some (ref 4), `Poly (5, "x"), lazy 6);
  write "v3.bin" (let rec l = 1 :: 2 :: l in l);
  write "v4.bin" (object method m = 1 end, Exit, Not_found);
  write "v5.bin" (Array.init 300 (fun i -> (i, string_of_int i)))
EOF
            (cd "$seeds" && "$ocaml_bin/ocamlc" -o values.byte values.ml && "$ocaml_bin/ocamlrun" ./values.byte)
            cp "$seeds"/v*.bin "$corpus/"
            # ... and the DATA sections of the executables.
            for exe in "$seeds"/*.byte; do
                python3 - "$exe" "$corpus/$(basename "$exe").data" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
n = struct.unpack('>I', d[-16:-12])[0]
toc = d[-16 - 8 * n:-16]
end = len(d) - 16 - 8 * n
secs = []
for i in reversed(range(n)):
    name, ln = toc[8 * i:8 * i + 4], struct.unpack('>I', toc[8 * i + 4:8 * i + 8])[0]
    secs.append((name, end - ln, ln))
    end -= ln
for name, start, ln in secs:
    if name == b'DATA':
        open(sys.argv[2], 'wb').write(d[start:start + ln])
EOF
            done
        fi
    fi
fi

cd "$root/fuzz"
# `run`: inputs steer a generator, so long ones from the start; the domain the target reuses
# keeps its major heap's pools until exit, which LeakSanitizer would report.
extra=()
if [ "$target" = run ]; then
    extra=(-max_len=1024 -len_control=0 -detect_leaks=0)
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
fi
exec cargo +nightly fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=4096 \
    -timeout=20 "${extra[@]}"
