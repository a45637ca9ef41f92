#!/usr/bin/env bash
# Release wasm sizes of the demo, of a Yew hello-world, of that hello-world with one chat
# through yew-symphony (both in benches/hello-world) and of the same over Symphony's sdk.js
# alone (benches/hello-sdk: `sdk-js` on, `built-in` off), built the same way: cargo build --release for wasm32, wasm-bindgen --target web, wasm-opt -Oz (npm
# package binaryen, installed under target/tools), gzip -9. Prints one `BENCH {json}` line.
# Called by `./x bench`; needs cargo, wasm-bindgen, npm and the wasm32 target.
set -euo pipefail
cd "$(dirname "$0")/.."

BINARYEN_VERSION=132.0.0
TOOLS=target/tools
WASM_OPT=$TOOLS/node_modules/.bin/wasm-opt
OUT=target/bench/size

if ! "$WASM_OPT" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    echo "installing binaryen $BINARYEN_VERSION (wasm-opt) under $TOOLS" >&2
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >&2
fi

size() { stat -c %s "$1"; }
gz() { gzip -9 -c "$1" | wc -c; }

# Prints {"bindgen":..,"opt":..,"gzip":..,"js_gzip":..} for one binary of a package.
measure() {
    local package=$1 bin=$2 dir=$OUT/$2
    cargo build --release --target wasm32-unknown-unknown -p "$package" --bin "$bin" --locked >&2
    rm -rf "$dir"
    mkdir -p "$dir"
    wasm-bindgen --target web --no-typescript --out-dir "$dir" \
        "target/wasm32-unknown-unknown/release/$bin.wasm" >&2
    "$WASM_OPT" -Oz "$dir/${bin}_bg.wasm" -o "$dir/${bin}_opt.wasm" >&2
    printf '{"bindgen":%d,"opt":%d,"gzip":%d,"js_gzip":%d}' \
        "$(size "$dir/${bin}_bg.wasm")" "$(size "$dir/${bin}_opt.wasm")" \
        "$(gz "$dir/${bin}_opt.wasm")" "$(gz "$dir/$bin.js")"
}

demo=$(measure symphony-demo symphony-demo)
hello=$(measure bench-hello-world bench-hello-world)
one_chat=$(measure bench-hello-world bench-hello-symphony)
one_chat_sdk=$(measure bench-hello-sdk bench-hello-sdk)
python3 - "$demo" "$hello" "$one_chat" "$one_chat_sdk" "$("$WASM_OPT" --version)" <<'PY'
import json, sys
demo, hello, one_chat, one_chat_sdk = (json.loads(a) for a in sys.argv[1:5])
tool = sys.argv[5]
ratio = demo["gzip"] / hello["gzip"]
total = (demo["gzip"] + demo["js_gzip"]) / (hello["gzip"] + hello["js_gzip"])
# The budget: what the library costs an app (one chat minus the hello-world), and the demo.
share = one_chat["gzip"] - hello["gzip"]
# The sdk.js backend's extra over the built-in protocol alone (both are built in with it).
sdk_extra = one_chat_sdk["gzip"] - one_chat["gzip"]
SDK_EXTRA_BUDGET = 5_000
SHARE_BUDGET, RATIO_BUDGET = 60_000, 2.5
print("BENCH " + json.dumps({
    "bench": "size", "unit": "bytes", "demo": demo, "hello_world": hello, "hello_one_chat": one_chat,
    "hello_one_chat_sdk": one_chat_sdk, "library_share_sdk_gzip": one_chat_sdk["gzip"] - hello["gzip"],
    "sdk_extra_gzip": sdk_extra, "sdk_extra_met": sdk_extra <= SDK_EXTRA_BUDGET,
    "ratio_one_chat_gzip": round(one_chat["gzip"] / hello["gzip"], 3),
    "ratio_gzip": round(ratio, 3), "ratio_opt": round(demo["opt"] / hello["opt"], 3),
    "ratio_gzip_with_js": round(total, 3), "wasm_opt": tool,
    "library_share_gzip": share,
    "share_met": share <= SHARE_BUDGET, "ratio_met": ratio <= RATIO_BUDGET,
    "target": f"library's share <= {SHARE_BUDGET} B, demo <= {RATIO_BUDGET} x hello-world, "
              f"the app on sdk.js alone <= {SDK_EXTRA_BUDGET} B over the app on the built-in protocol alone (wasm, -Oz, gzip -9)",
    "met": share <= SHARE_BUDGET and ratio <= RATIO_BUDGET and sdk_extra <= SDK_EXTRA_BUDGET,
}, sort_keys=True))
PY
