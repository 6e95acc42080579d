#!/bin/bash
# The HTML timeline (kvmscope report --format html, and timeline.html of
# kvmscope ci) rendered by headless Chromium: the page is self-contained, its
# script builds a swimlane per thread plus the run-state lane and lists the
# findings with links to their evidence, a #finding-N-M address zooms onto
# that evidence, and the screenshot shows the colours of each kind of event.
. "$(dirname "$0")/../lib.sh"
KVMSCOPE=$BUILD/kvmscope
# shellcheck source=tests/integration/ci-lib.bash
. "$(dirname "$0")/ci-lib.bash"
if ! [ -x "$KVMSCOPE" ]; then skip "ci-html: $KVMSCOPE not built"; exit 0; fi
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then skip "ci-html: chromium not installed"; exit 0; fi
need_recording ci-html

chromium_run() { # chromium_run ARGS... URL: headless, offline, a fresh profile
	timeout -s KILL 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$(mktemp -d "$T_TMP/profile.XXXXXX")" "$@" 2>>"$T_TMP/chromium.err"
}

A=$T_TMP/art
ci_confidential_reboot "$A" "$T_TMP/ci.err"
expect_eq "ci run of a confidential guest reboot: status 0" "$?" 0
check "ci left timeline.html" test -s "$A/timeline.html"

"$KVMSCOPE" report "$A/kvmscope.capture" --format html -o "$T_TMP/report.html" 2>"$T_TMP/report.err"
expect_eq "kvmscope report --format html: status 0" "$?" 0
check "report --format html writes the same page as ci" cmp -s "$T_TMP/report.html" "$A/timeline.html"
"$KVMSCOPE" report /nonexistent.capture --format html >/dev/null 2>"$T_TMP/bad.err"
expect_eq "a missing capture: status 1" "$?" 1
expect_grep "... naming it" "$T_TMP/bad.err" "/nonexistent.capture"

P=$A/timeline.html
check "self-contained: no external src/href/url() and no http(s) loads" \
	bash -c "! grep -Eiq '(src|href)=\"(https?:)?//|url\\((https?:)?//|<link |<script src|import\\(' '$P'"
check "the data are embedded: trace events and the diagnosis" \
	grep -q '"traceEvents"' "$P"
check "embedded data cannot end the script block (no raw </ inside the data)" \
	bash -c "[ \$(grep -c '</script>' '$P') -eq 3 ]"

# ---- the DOM the page's script builds ----
chromium_run --dump-dom "file://$P" >"$T_TMP/dom.html"
expect_grep "the script ran to the end (data-ready)" "$T_TMP/dom.html" '<body data-ready="1"'
check "no data error shown" grep -q '<div id="error" hidden' "$T_TMP/dom.html"
lanes=$(grep -o 'class="lane[" ]' "$T_TMP/dom.html" | wc -l)
check "a swimlane per thread plus the run-state lane (got $lanes, want >= 3)" test "$lanes" -ge 3
expect_grep "the run-state lane" "$T_TMP/dom.html" '<span class="thread">VMM run state</span>'
expect_grep "the vCPU thread's lane, by its name" "$T_TMP/dom.html" '<span class="thread">CPU 0/KVM</span>'
expect_grep "the main thread's lane" "$T_TMP/dom.html" '<span class="thread">kvmscope-vmm</span>'
expect_grep "the summary counts events and threads" "$T_TMP/dom.html" '[0-9]+ events on [0-9]+ threads over'
expect_grep "the legend counts failed ioctls (the injected one)" "$T_TMP/dom.html" 'KVM ioctl failed \(errno\) \([1-9][0-9]*\)'
expect_grep "finding 1 with its title" "$T_TMP/dom.html" \
	'id="finding-1".*guest reboot became a shutdown: cpus are not resettable'
expect_grep "the injected ioctl failure is a finding" "$T_TMP/dom.html" \
	'KVM ioctl failed: KVM_CHECK_EXTENSION -&gt; ENOTTY'
links=$(grep -o 'class="evidence-link"' "$T_TMP/dom.html" | wc -l)
check "evidence linked to the timeline ($links links)" test "$links" -ge 4
expect_grep "the reset request evidence is a link" "$T_TMP/dom.html" \
	'class="evidence-link"[^>]*>▶ [^<]*qemu_system_reset_request reason=7'
expect_grep "rules table: a passing rule" "$T_TMP/dom.html" '<td class="pass">pass</td><td>pmu-set-attr</td>'
expect_grep "rules table: a failing rule" "$T_TMP/dom.html" '<td class="fail">found 1</td><td>cpus-not-resettable</td>'

# ---- an address that opens on one piece of evidence ----
# the reset request's place among finding 1's evidence (1-based)
n=$(jq -r '[.findings[0].evidence[].text] | map(test("qemu_system_reset_request")) | index(true) + 1' \
	"$A/diagnosis.json" 2>/dev/null)
chromium_run --dump-dom "file://$P#finding-1-$n" >"$T_TMP/dom-focus.html"
expect_grep "#finding-1-$n selects the reset request" "$T_TMP/dom-focus.html" \
	'data-focused="qemu_system_reset_request @'
full=$(sed -n 's/.*<span id="view">view [^(]*(\([^)]*\)).*/\1/p' "$T_TMP/dom.html")
zoomed=$(sed -n 's/.*<span id="view">view [^(]*(\([^)]*\)).*/\1/p' "$T_TMP/dom-focus.html")
check "... and zooms in (whole $full, zoomed $zoomed)" test -n "$zoomed" -a "$zoomed" != "$full"

# ---- the picture ----
pngcheck() { # pngcheck FILE COLOURS...: distinct colours, then which of COLOURS appear
	python3 - "$@" <<'EOF'
import struct, sys, zlib
path, want = sys.argv[1], sys.argv[2:]
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), "unexpected PNG type"
        bpp = 3 if ctype == 2 else 4
    elif typ == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride = zlib.decompress(idat), w * bpp
prev, colours = bytearray(stride), {}
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        k = bytes(line[x:x + 3])
        colours[k] = colours.get(k, 0) + 1
    prev = line
print(w, h, len(colours), max(colours.values()) * 100 // (w * h))
for hexc in want:
    k = bytes.fromhex(hexc)
    print(hexc, colours.get(k, 0))
EOF
}
chromium_run --screenshot="$T_TMP/shot.png" --window-size=1400,900 "file://$P" >/dev/null
check "screenshot taken" test -s "$T_TMP/shot.png"
# run state green, ioctl blue, failed ioctl red, kvm event orange, probe grey
pngcheck "$T_TMP/shot.png" 4f9d69 5b8def d0342c e39b2d 7a8699 >"$T_TMP/png.txt" 2>&1
read -r w h ncol dominant <"$T_TMP/png.txt"
expect_eq "screenshot is 1400x900" "$w x $h" "1400 x 900"
check "not a blank page: $ncol distinct colours (want >= 50)" test "${ncol:-0}" -ge 50
check "no single colour covers it all ($dominant% is the commonest)" test "${dominant:-100}" -le 90
for kind in "4f9d69 run-state spans" "5b8def ioctl slices" "d0342c the failed ioctl and evidence marks" \
	"e39b2d kvm events" "7a8699 VMM probes"; do
	px=$(awk -v c="${kind%% *}" '$1 == c { print $2 }' "$T_TMP/png.txt")
	check "drawn: ${kind#* } (#${kind%% *}, $px px)" test "${px:-0}" -ge 20
done
[ -n "${KEEP_SHOT:-}" ] && cp "$T_TMP/shot.png" "$KEEP_SHOT"
true
