#!/usr/bin/env python3
"""Where the library's bytes are: `twiggy` over the wasm-bindgen output (before wasm-opt, which
drops the names) of the Yew hello-world and of the hello-world with one chat.

Usage: breakdown.py HELLO_BG_WASM ONE_CHAT_BG_WASM [--out FILE.json]

Prints two Markdown tables: the code by crate (shallow bytes of every function, grouped by the
crate its demangled name starts with; drop glue counts for the dropped type's crate) in both
builds and what the chat adds, and the largest items of the one-chat build that the
hello-world does not have, with their retained size (`twiggy dominators`: what would go with
them). Data (`.rodata`: strings, tables) is one segment the linker merged, so it is shown as
one row; find its owners by rebuilding without them. Sizes are uncompressed and before
`wasm-opt`: shares, not the shipped size (that is `benches/size.sh`).
"""

import json
import re
import subprocess
import sys
from collections import defaultdict

HASH = re.compile(r"::h[0-9a-f]{16}$")
CRATE_HASH = re.compile(r"\[[0-9a-f]+\]")


def twiggy(*args):
    out = subprocess.run(["twiggy", *args, "--format", "json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def crate_of(name):
    """The crate a function belongs to, from its demangled name; None for what is not code."""
    if name.startswith('"') or name.startswith("data segment") or name.startswith("custom section"):
        return None
    name = CRATE_HASH.sub("", HASH.sub("", name))
    # Drop glue and other generic helpers: the crate of the type they work on.
    for wrapper in ("core::ptr::drop_in_place<", "alloc::rc::Rc<", "core::ptr::drop_in_place::<"):
        if name.startswith(wrapper):
            name = name[len(wrapper):]
    name = name.lstrip("<&*( ")
    for prefix in ("mut ", "dyn ", "const ", "impl "):
        if name.startswith(prefix):
            name = name[len(prefix):]
    head = re.split(r"::|<| |\[|\(|,|>", name, maxsplit=1)[0]
    if re.fullmatch(r"(code|data|elem|table|func|global|memory|type)", head) or not head:
        return "(unnamed)"
    if head == "import":
        return "(imports from JavaScript)"
    if re.fullmatch(r"[A-Z]", head):
        return "(generic impls)"
    if head == "str":
        return "core"
    return head


def by_crate(items):
    totals = defaultdict(int)
    other = {}
    for item in items:
        crate = crate_of(item["name"])
        if crate is None:
            other[item["name"]] = item["shallow_size"]
        else:
            totals[crate] += item["shallow_size"]
    return totals, other


def main():
    args = sys.argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        out = args[i + 1]
        del args[i : i + 2]
    hello_path, chat_path = args
    hello_items = twiggy("top", "-n", "1000000", hello_path)
    chat_items = twiggy("top", "-n", "1000000", chat_path)
    hello, hello_other = by_crate(hello_items)
    chat, chat_other = by_crate(chat_items)
    code_hello, code_chat = sum(hello.values()), sum(chat.values())
    data_hello = sum(v for k, v in hello_other.items() if k.startswith("data segment"))
    data_chat = sum(v for k, v in chat_other.items() if k.startswith("data segment"))
    added_total = (code_chat - code_hello) + (data_chat - data_hello)

    rows = []
    for crate in sorted(set(hello) | set(chat), key=lambda c: -(chat.get(c, 0) - hello.get(c, 0))):
        added = chat.get(crate, 0) - hello.get(crate, 0)
        if added == 0:
            continue
        rows.append({"crate": crate, "hello": hello.get(crate, 0), "one_chat": chat.get(crate, 0), "added": added})
    rows.append({"crate": "data (.rodata)", "hello": data_hello, "one_chat": data_chat, "added": data_chat - data_hello})

    print("Code by crate and data, wasm-bindgen output (uncompressed, before wasm-opt), bytes:\n")
    print("| crate | hello-world | hello-world + one chat | added | share of what the chat adds |")
    print("|---|---|---|---|---|")
    shown = sorted(rows, key=lambda r: -r["added"])
    for row in shown[:25]:
        share = 100.0 * row["added"] / added_total if added_total else 0.0
        print(f"| {row['crate']} | {row['hello']} | {row['one_chat']} | {row['added']:+d} | {share:.1f} % |")
    rest = shown[25:]
    if rest:
        added = sum(r["added"] for r in rest)
        print(f"| {len(rest)} more crates | | | {added:+d} | {100.0 * added / added_total:.1f} % |")
    print(f"| **total (code + data)** | {code_hello + data_hello} | {code_chat + data_chat} | {added_total:+d} | 100 % |")

    hello_names = {HASH.sub("", i["name"]) for i in hello_items}
    dominators = twiggy("dominators", chat_path)
    flat = []

    def walk(node):
        for child in node.get("children", []):
            flat.append(child)
            walk(child)

    for item in dominators.get("items", []):
        walk(item)
    largest = [
        d for d in flat
        if HASH.sub("", d["name"]) not in hello_names and crate_of(d["name"]) not in (None, "(unnamed)")
    ]
    largest.sort(key=lambda d: -d["retained_size"])
    seen, top = set(), []
    for d in largest:
        key = HASH.sub("", d["name"])
        if key in seen:
            continue
        seen.add(key)
        top.append(d)
        if len(top) == 15:
            break
    print("\nLargest items only the one-chat build has, by retained size (what would go with them):\n")
    print("| item | crate | shallow | retained |")
    print("|---|---|---|---|")
    for d in top:
        name = HASH.sub("", d["name"])
        if len(name) > 90:
            name = name[:87] + "..."
        print(f"| `{name}` | {crate_of(d['name'])} | {d['shallow_size']} | {d['retained_size']} |")

    if out:
        with open(out, "w") as f:
            json.dump({"crates": rows, "added_total": added_total, "largest": [
                {"name": HASH.sub("", d["name"]), "shallow": d["shallow_size"], "retained": d["retained_size"]}
                for d in top
            ]}, f, indent=1)


if __name__ == "__main__":
    main()
