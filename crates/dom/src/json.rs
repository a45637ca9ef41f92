//! JSON values from what `postMessage` and `BroadcastChannel` deliver.
//!
//! A message's data is a structured clone (objects, arrays, strings, numbers), not JSON
//! text. It is read here straight into a [`serde_json::Value`], member by member, as
//! `JSON.stringify` would write it, without producing the text and parsing it again: that
//! way costs every app serde_json's text parser and its tables (about 6 KB gzip), and
//! `serde-wasm-bindgen` was larger still when measured (see BENCHMARKS.md).
//!
//! What is read, as `JSON.stringify` has it: `null`, booleans, strings; finite numbers
//! (safe integers as integers, as serde_json would parse their digits; beyond 2^53, where
//! JavaScript has no exact integers, floats), `NaN` and infinities as `null`; arrays, with `undefined`, functions and symbols as `null`; other objects by
//! their own enumerable string keys, leaving out members that are `undefined`, functions
//! or symbols. What makes the whole value unreadable (`None`), as it makes
//! `JSON.stringify` throw or return nothing: a `BigInt`, a cycle, nesting deeper than
//! [`MAX_DEPTH`], and at the top level `undefined`, a function or a symbol. Unlike
//! `JSON.stringify`, `toJSON` methods are not called (a `Date` reads as `{}`), boxed
//! primitives (`new String("a")`) read as the objects they are, a lone UTF-16 surrogate in
//! a string reads as U+FFFD, and typed arrays and more than [`MAX_VALUES`] values in one
//! message make it unreadable; none of these occurs in the protocol.

use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

/// The deepest nesting read (about serde_json's own recursion limit).
pub(crate) const MAX_DEPTH: usize = 128;

/// The most values read from one message: structured clones keep shared references, so a
/// small message can stand for an exponentially large JSON text.
pub(crate) const MAX_VALUES: usize = 100_000;

/// The JSON value `data` stands for, or `None` when it has none (see the module docs).
pub(crate) fn from_js(data: &JsValue) -> Option<Value> {
    let mut budget = MAX_VALUES;
    read(data, 0, &mut budget)?
}

/// `Some(None)`: a value `JSON.stringify` leaves out (or writes as `null` in an array).
/// `depth` counts the arrays and objects around `value`; a cycle ends at [`MAX_DEPTH`].
fn read(value: &JsValue, depth: usize, budget: &mut usize) -> Option<Option<Value>> {
    *budget = budget.checked_sub(1)?;
    if value.is_null() {
        return Some(Some(Value::Null));
    }
    if value.is_undefined() || value.is_function() || value.is_symbol() {
        return Some(None);
    }
    if let Some(flag) = value.as_bool() {
        return Some(Some(Value::Bool(flag)));
    }
    if let Some(number) = value.as_f64() {
        return Some(Some(from_number(number)));
    }
    if let Some(text) = value.as_string() {
        return Some(Some(Value::String(text)));
    }
    if !value.is_object() || depth >= MAX_DEPTH || js_sys::ArrayBuffer::is_view(value) {
        // A BigInt, too deep, or a typed array (read element by element it could cost far
        // more than its size in the message).
        return None;
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        // The length is the sender's word (a sparse array is small to send): no more room
        // than the budget allows is taken on it.
        let mut items = Vec::with_capacity((array.length() as usize).min(*budget));
        for item in array.iter() {
            items.push(read(&item, depth + 1, budget)?.unwrap_or(Value::Null));
        }
        return Some(Some(Value::Array(items)));
    }
    let mut members = Map::new();
    for entry in js_sys::Object::entries(value.unchecked_ref()).iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let key = entry.get(0).as_string()?;
        if let Some(member) = read(&entry.get(1), depth + 1, budget)? {
            members.insert(key, member);
        }
    }
    Some(Some(Value::Object(members)))
}

/// A number: an integer when it is one JavaScript holds exactly (a safe integer, at most
/// 2^53 - 1 either side of zero), as serde_json parses the digits `JSON.stringify` writes for
/// it; any other finite number as a float.
fn from_number(number: f64) -> Value {
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if number.fract() == 0.0 && number.abs() <= SAFE {
        return if number >= 0.0 {
            Value::from(number as u64)
        } else {
            Value::from(number as i64)
        };
    }
    // None for NaN and the infinities, which JSON writes as null.
    Number::from_f64(number).map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wasm_bindgen_test::wasm_bindgen_test;

    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    /// The old way: the text `JSON.stringify` writes, parsed by serde_json.
    fn through_text(data: &JsValue) -> Option<Value> {
        let text = js_sys::JSON::stringify(data).ok()?.as_string()?;
        serde_json::from_str(&text).ok()
    }

    fn js(text: &str) -> JsValue {
        js_sys::JSON::parse(text).expect("valid JSON")
    }

    fn set(object: &JsValue, key: &str, value: &JsValue) {
        js_sys::Reflect::set(object, &key.into(), value).expect("an object");
    }

    #[wasm_bindgen_test]
    fn json_reads_as_serde_json_parses_it() {
        for text in [
            "null",
            "true",
            "\"caf\\u00e9 \\ud83d\\ude00 \\\" \\\\\"",
            "0",
            "-0",
            "7",
            "-7",
            "1.5",
            "-2.25e-8",
            "9007199254740991",
            "-9007199254740991",
            "18446744073709551616",
            "1e21",
            "1e300",
            "[]",
            "{}",
            "[1, [2, [3, {}]], \"x\", null, false]",
            r#"{"eventType":"sdk-resolve","payload":{"id":"a-1","data":{"error":{"type":"ERROR","message":"m","data":{"n":[1,2]}}}}}"#,
            r#"{"b":1,"a":{"d":[{"e":null}],"c":2.5}}"#,
        ] {
            let data = js(text);
            assert_eq!(from_js(&data), through_text(&data), "{text}");
            assert!(from_js(&data).is_some(), "{text}");
        }
    }

    #[wasm_bindgen_test]
    fn integers_javascript_cannot_hold_exactly_are_floats() {
        for (text, expected) in [
            ("9007199254740992", 9_007_199_254_740_992.0),
            ("-9007199254740992", -9_007_199_254_740_992.0),
            ("18446744073709551615", 18_446_744_073_709_551_616.0),
        ] {
            assert_eq!(from_js(&js(text)), Some(json!(expected)), "{text}");
        }
    }

    #[wasm_bindgen_test]
    fn what_json_leaves_out_is_left_out() {
        let function = js_sys::Function::new_no_args("return 1");
        let object = js_sys::Object::new();
        set(&object, "kept", &JsValue::from(1));
        set(&object, "undefined", &JsValue::UNDEFINED);
        set(&object, "function", &function);
        set(&object, "symbol", &js_sys::Symbol::for_("s").into());
        set(&object, "nan", &JsValue::from(f64::NAN));
        set(&object, "infinity", &JsValue::from(f64::NEG_INFINITY));
        let array = js_sys::Array::of3(&JsValue::UNDEFINED, &function, &JsValue::from("x"));
        set(&object, "array", &array);
        let expected = json!({"kept": 1, "nan": null, "infinity": null, "array": [null, null, "x"]});
        assert_eq!(from_js(&object), Some(expected.clone()));
        assert_eq!(through_text(&object), Some(expected));
        for nothing in [JsValue::UNDEFINED, function.into()] {
            assert_eq!(from_js(&nothing), None);
            assert_eq!(through_text(&nothing), None);
        }
    }

    #[wasm_bindgen_test]
    fn cycles_bigints_and_depth_make_a_value_unreadable() {
        let outer = js("{\"a\":{}}");
        let inner = js_sys::Reflect::get(&outer, &"a".into()).unwrap();
        set(&inner, "back", &outer);
        assert_eq!(from_js(&outer), None, "a cycle");
        let twice = js_sys::Object::new();
        set(&twice, "x", &twice);
        set(&twice, "y", &twice);
        assert_eq!(from_js(&twice), None, "a cycle at every member, and fast");
        assert_eq!(through_text(&outer), None);

        let big = js_sys::BigInt::from(5u64);
        let holder = js_sys::Object::new();
        set(&holder, "n", &big.into());
        assert_eq!(from_js(&holder), None, "a BigInt");
        assert_eq!(through_text(&holder), None);

        let deep = |levels: usize| js(&format!("{}{}", "[".repeat(levels), "]".repeat(levels)));
        assert!(from_js(&deep(MAX_DEPTH)).is_some());
        assert_eq!(from_js(&deep(MAX_DEPTH + 1)), None, "too deep");
    }

    #[wasm_bindgen_test]
    fn huge_sparse_arrays_and_typed_arrays_are_unreadable_without_allocating_them() {
        // A tiny message whose length claims 2^32 - 1 items: no capacity is taken on trust.
        let sparse = js_sys::Array::new();
        sparse.set_length(u32::MAX);
        assert_eq!(from_js(&sparse), None);
        let holder = js_sys::Object::new();
        set(&holder, "ids", &sparse);
        assert_eq!(from_js(&holder), None);
        // Typed arrays (and their views) would be read element by element: refused whole.
        let bytes = js_sys::Uint8Array::new_with_length(8);
        assert_eq!(from_js(&bytes), None);
        set(&holder, "ids", &bytes);
        assert_eq!(from_js(&holder), None);
    }

    #[wasm_bindgen_test]
    fn shared_references_are_read_where_they_appear_within_a_budget() {
        // Not a cycle: the same object twice.
        let shared = js("{\"x\":1}");
        let pair = js_sys::Array::of2(&shared, &shared);
        assert_eq!(from_js(&pair), Some(json!([{"x": 1}, {"x": 1}])));
        // 2^40 values as JSON text, in 40 small objects.
        let mut level: JsValue = js("[]");
        for _ in 0..40 {
            level = js_sys::Array::of2(&level, &level).into();
        }
        assert_eq!(from_js(&level), None, "over the budget, and fast");
    }

    /// A small random generator for the property below (no proptest in the browser build).
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn value(&mut self, depth: u32) -> Value {
            match self.next() % if depth == 0 { 5 } else { 7 } {
                0 => Value::Null,
                1 => Value::Bool(self.next() % 2 == 0),
                // Numbers JavaScript holds exactly: safe integers, and non-integral floats.
                2 => match self.next() % 3 {
                    0 => json!(self.next() >> (11 + self.next() % 53)),
                    1 => json!(-((self.next() >> 12) as i64)),
                    _ => {
                        // Below 2^52, where adding a half is exact.
                        let float = (self.next() >> 12) as f64 / (1u64 << (self.next() % 60)) as f64;
                        json!(if float.fract() == 0.0 { float + 0.5 } else { float })
                    }
                },
                3 | 4 => {
                    let chars = ['a', 'é', '"', '\\', '\n', '\u{0}', '😀', '中'];
                    let len = self.next() % 6;
                    Value::String((0..len).map(|_| chars[(self.next() % 8) as usize]).collect())
                }
                5 => Value::Array((0..self.next() % 4).map(|_| self.value(depth - 1)).collect()),
                _ => Value::Object(
                    (0..self.next() % 4)
                        .map(|i| (format!("k{}", (self.next() % 3) + i), self.value(depth - 1)))
                        .collect(),
                ),
            }
        }
    }

    #[wasm_bindgen_test]
    fn any_json_value_reads_back_as_itself() {
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        for _ in 0..500 {
            let value = random.value(4);
            let data = js(&serde_json::to_string(&value).unwrap());
            assert_eq!(from_js(&data), Some(value.clone()), "{value}");
        }
    }
}
