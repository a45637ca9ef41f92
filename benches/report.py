#!/usr/bin/env python3
"""Collects the `BENCH {json}` lines of a `./x bench` run into a JSON file and prints the
figures as Markdown tables (the format of BENCHMARKS.md).

usage: report.py LOG... --out target/bench/results.json [--meta KEY=VALUE ...]

Targets are reported, never enforced: the exit status is 0 whatever the figures say.
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import statistics
import sys


def load(paths):
    figures = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as log:
            for line in log:
                match = re.search(r"BENCH (\{.*\})\s*$", line)
                if match:
                    figures.append(json.loads(match.group(1)))
    return figures


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def ms(value):
    return "-" if value is None else f"{value:.2f}"


def median_diff_ci(ours, plain, rounds=2000):
    """95% bootstrap interval of median(ours) - median(plain) (fixed seed: reproducible)."""
    rng = random.Random(8)
    diffs = sorted(
        statistics.median(rng.choices(ours, k=len(ours))) - statistics.median(rng.choices(plain, k=len(plain)))
        for _ in range(rounds)
    )
    return diffs[int(0.025 * rounds)], diffs[int(0.975 * rounds) - 1]


def verdict(figure):
    if "met" not in figure:
        return ""
    return "met" if figure["met"] else "**missed**"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


COMPARED = [
    ("render", "render"),
    ("render_yew", "render through Yew"),
    ("logout", "logout, total"),
    ("logout_server", "- until the pod's answer"),
    ("logout_teardown", "- then until the caller has it"),
    ("logout_removal", "- of that, inside Element.remove()"),
    ("logout_script", "logout script time (own overhead)"),
    ("hidden", "logout until all hidden"),
    ("sdk_render", "over sdk.js: render"),
    ("sdk_logout", "over sdk.js: logout, total"),
    ("sdk_hidden", "over sdk.js: logout until none visible"),
]


def render(figures, meta):
    out = []
    by_name = {}
    for figure in figures:
        by_name.setdefault(figure["bench"], []).append(figure)

    header = ["figure", "n", "ours p50", "ours p95", "plain p50", "plain p95", "ratio p50", "diff p50 ms",
              "diff 95% CI", "target", ""]
    rows = []
    for name, label in COMPARED:
        for figure in sorted(by_name.get(name, []), key=lambda f: f["n"]):
            ours, plain = figure["ours"], figure["plain"]
            extra = ""
            if name in ("hidden", "sdk_hidden"):
                seen = figure.get("visible_next_frame_max", {})
                extra = f" (visible at next frame: {seen.get('ours')})"
            low, high = median_diff_ci(ours["samples"], plain["samples"])
            figure["diff_p50_ci95_ms"] = [round(low, 3), round(high, 3)]
            rows.append([
                label, figure["n"], ms(ours["p50"]), ms(ours["p95"]), ms(plain["p50"]), ms(plain["p95"]),
                f"{figure['ratio_p50']:.3f}", f"{figure['overhead_p50_ms']:+.2f}", f"{low:+.2f} .. {high:+.2f}",
                figure.get("target", "") + extra, verdict(figure),
            ])
    if rows:
        out.append("Times in ms, ours against the plain JavaScript baseline in the same page; n = frames "
                   "(main + n-1 Focus children). diff = ours - plain; its 95% interval is a bootstrap of "
                   "the medians.\n")
        out.append(table(header, rows))

    rows = []
    for figure in sorted(by_name.get("concurrent_logout", []), key=lambda f: f["n"]):
        requests = figure["server_requests"]
        count = requests["min"] if requests["min"] == requests["max"] else f"{requests['min']}-{requests['max']}"
        rows.append([
            figure["n"], figure["answered"]["count"], count, "yes" if figure["all_answered_the_same"] else "NO",
            ms(figure["answered"]["p50"]), ms(figure["answered"]["p95"]), figure["target"], verdict(figure),
        ])
    if rows:
        out.append("\nConcurrent logout requesters through the Yew agent (`SymphonyAgent::logout`):\n")
        out.append(table(["requesters", "runs", "server requests per run", "all answered the same",
                          "all answered p50 ms", "p95 ms", "target", ""], rows))

    for figure in by_name.get("cycles", []):
        out.append(f"\n{figure['n']} render -> logout cycles (one handle, signed in each time):\n")
        out.append(table(
            ["frames left", "message listeners left", "timers left", "logouts answered {}", "memory before",
             "memory after", "growth", "cycle p50 ms", "target", ""],
            [[figure["frames_left"], figure["listeners_left"], figure["timers_left"],
              f"{figure['logouts_ok']}/{figure['n']}", f"{figure['memory_before']:.0f} B",
              f"{figure['memory_after']:.0f} B",
              f"{figure['memory_growth']:+.0f} B", ms(figure["cycle_ms"]["p50"]), figure["target"],
              verdict(figure)]]))

    for figure in by_name.get("size", []):
        demo, hello = figure["demo"], figure["hello_world"]
        out.append("\nRelease wasm size (wasm-bindgen, then wasm-opt -Oz, then gzip -9), bytes:\n")
        out.append(table(
            ["app", "wasm-bindgen", "-Oz", "-Oz + gzip", "JS glue gzip"],
            [["demo (symphony-demo)", demo["bindgen"], demo["opt"], demo["gzip"], demo["js_gzip"]],
             ["Yew hello-world", hello["bindgen"], hello["opt"], hello["gzip"], hello["js_gzip"]],
             ["demo / hello-world", "", f"{figure['ratio_opt']:.2f}", f"{figure['ratio_gzip']:.2f}",
              f"wasm + JS: {figure['ratio_gzip_with_js']:.2f}"]]
            + ([["hello-world + one chat (yew-symphony)", one["bindgen"], one["opt"], one["gzip"], one["js_gzip"]],
                ["(hello-world + one chat) / hello-world", "", f"{one['opt'] / hello['opt']:.2f}",
                 f"{figure['ratio_one_chat_gzip']:.2f}", ""],
                ["demo / (hello-world + one chat)", "", f"{demo['opt'] / one['opt']:.2f}",
                 f"{demo['gzip'] / one['gzip']:.2f}", ""]]
               if (one := figure.get("hello_one_chat")) else [])
            + ([["hello-world + one chat over sdk.js alone (sdk-js, default features off)", sdk["bindgen"], sdk["opt"], sdk["gzip"],
                 sdk["js_gzip"]]]
               if (sdk := figure.get("hello_one_chat_sdk")) else [])))
        if "sdk_extra_gzip" in figure:
            sdk_verdict = "met" if figure["sdk_extra_met"] else "**missed**"
            out.append(f"\nThe app on sdk.js alone over the app on the built-in protocol alone (-Oz + gzip): "
                       f"{figure['sdk_extra_gzip']:+} B, budget 5000 B: {sdk_verdict}; the library's share "
                       f"with it: {figure['library_share_sdk_gzip']} B")
        if "library_share_gzip" in figure:
            share_verdict = "met" if figure["share_met"] else "**missed**"
            ratio_verdict = "met" if figure["ratio_met"] else "**missed**"
            out.append(f"\nLibrary's share (hello-world + one chat, minus hello-world, -Oz + gzip): "
                       f"{figure['library_share_gzip']} B, budget 60000 B: {share_verdict}; "
                       f"demo {figure['ratio_gzip']:.2f} x hello-world, budget 2.5 x: {ratio_verdict}")
        out.append(f"\nTarget: {figure['target']}: {verdict(figure)}")

    missed = [f"{f['bench']} n={f.get('n', '-')}" for f in figures if f.get("met") is False]
    out.append("\nTargets missed: " + (", ".join(missed) if missed else "none"))
    out.append(f"\n{meta['date']}, {meta['cpus']} CPUs ({meta['cpu']}), {meta.get('browser', '')}")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--out", required=True)
    parser.add_argument("--meta", action="append", default=[])
    args = parser.parse_args()
    figures = load(args.logs)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "command": "./x bench",
    }
    for item in args.meta:
        key, _, value = item.partition("=")
        meta[key] = value
    table_text = render(figures, meta)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"meta": meta, "figures": figures}, out, indent=1, sort_keys=True)
    print(table_text)
    print(f"\n{len(figures)} figures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
