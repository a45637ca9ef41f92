//! The crate's modules import each other as a tree (no cycles): read from the `use crate::`
//! and `use super::` lines of `src/` (test modules left out), with names re-exported by
//! `lib.rs` traced to the module that defines them.
//!
//! A module directory (`src/x/`) is one module: its files' `use super::` lines stay inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The crate's modules and their source files: `src/x.rs`, or every file under `src/x/`.
/// `src/tests/` is test code.
fn modules() -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in fs::read_dir(src()).expect("src/ is readable") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if name == "lib" || name == "tests" {
            continue;
        }
        if path.is_dir() {
            let files = fs::read_dir(&path)
                .expect("a module directory")
                .map(|e| e.expect("an entry").path());
            modules
                .entry(name)
                .or_default()
                .extend(files.filter(|p| p.extension().is_some_and(|e| e == "rs")));
        } else if path.extension().is_some_and(|e| e == "rs") {
            modules.entry(name).or_default().push(path);
        }
    }
    modules
}

/// A file's text without its test module (by this crate's convention, the last item).
fn code(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("a source file");
    match text.find("\n#[cfg(test)]\nmod tests") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The `use` statements naming the crate's root (`crate::` or, from a top-level module
/// file, `super::`), each as the text after that prefix.
fn uses(text: &str, top_level: bool) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices("use ") {
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let before = text[line_start..at].trim();
        if !(before.is_empty() || before == "pub" || before.starts_with("pub(")) {
            continue;
        }
        let rest = &text[at + 4..];
        let Some(path) = rest
            .strip_prefix("crate::")
            .or_else(|| rest.strip_prefix("super::").filter(|_| top_level))
        else {
            continue;
        };
        if let Some(end) = path.find(';') {
            found.push(path[..end].to_owned());
        }
    }
    found
}

/// The first segments of a use tree: `a::b` -> `a`; `{a::b, C, d::{e, f}}` -> `a`, `C`, `d`.
fn heads(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect();
    let Some(inner) = tree.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
        return vec![tree.split("::").next().unwrap_or_default().to_owned()];
    };
    let (mut depth, mut start, mut items) = (0, 0, Vec::new());
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|i| !i.is_empty())
        .map(|i| i.split("::").next().unwrap_or_default().to_owned())
        .collect()
}

/// The names `lib.rs` re-exports, with the module each comes from.
fn re_exports() -> BTreeMap<String, String> {
    let lib = fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    let mut names = BTreeMap::new();
    for line in lib.split(';') {
        let Some(at) = line.find("pub use ") else { continue };
        let path: String = line[at + 8..].split_whitespace().collect();
        let Some((module, tree)) = path.split_once("::") else {
            continue;
        };
        for name in heads(tree) {
            names.insert(name, module.to_owned());
        }
    }
    names
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let exports = re_exports();
    let mut graph = BTreeMap::new();
    for (name, files) in &modules {
        let mut targets = BTreeSet::new();
        for file in files {
            let top_level = file.parent() == Some(src().as_path());
            for tree in uses(&code(file), top_level) {
                for head in heads(&tree) {
                    let target = if modules.contains_key(&head) {
                        Some(head)
                    } else {
                        exports.get(&head).cloned()
                    };
                    targets.extend(target.filter(|t| t != name));
                }
            }
        }
        graph.insert(name.clone(), targets);
    }
    graph
}

/// A cycle of `graph`, if it has one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_modules_import_each_other_as_a_tree() {
    let graph = graph();
    assert_eq!(cycle(&graph), None, "a cycle of imports in {graph:#?}");
    // The leaves stay leaves.
    for leaf in ["time", "resolved", "weburl"] {
        assert_eq!(
            graph.get(leaf),
            Some(&BTreeSet::new()),
            "{leaf} imports nothing of the crate"
        );
    }
}

#[test]
fn the_scan_reads_use_trees_and_finds_cycles() {
    assert_eq!(heads("a::b::C"), ["a"]);
    assert_eq!(heads("{a::b, C,\n    d::{e, f}, }"), ["a", "C", "d"]);
    let text = "use crate::a::B;\npub(crate) use super::{c, d::E};\n// use crate::x;\nlet y = 1;";
    assert_eq!(uses(text, true), ["a::B", "{c, d::E}"]);
    // In a module directory's file, `super::` is that module.
    assert_eq!(uses(text, false), ["a::B"]);
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), BTreeSet::from([to.to_owned()])))
        .collect();
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let mut tree = graph.clone();
    tree.insert("c".into(), BTreeSet::new());
    assert_eq!(cycle(&tree), None);
}
