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
//! `JSON.stringify`, `toJSON` methods are not called (a `Date` reads as `{}`), a lone UTF-16
//! surrogate in a string reads as U+FFFD, and these make the value unreadable: boxed
//! primitives (`new String("a")`), typed arrays, more than [`MAX_VALUES`] values, and more
//! than [`MAX_TEXT`] UTF-16 units of strings and keys in one message; none of these occurs
//! in the protocol.
//!
//! A message is the sender's to shape, so nothing is sized on its word: no room is reserved
//! from an array's length (an array longer than the values left is refused before its first
//! item), and a string's length is checked against the text left before it is copied into
//! this module's memory.

use serde_json::{Map, Number, Value};
use wasm_bindgen::{JsCast, JsValue};

/// The deepest nesting read (about serde_json's own recursion limit).
pub(crate) const MAX_DEPTH: usize = 128;

/// The most values read from one message: structured clones keep shared references, so a
/// small message can stand for an exponentially large JSON text. (The protocol's largest,
/// an unread count over thousands of streams, is a few thousand; reading this many takes
/// about 25 ms in a debug build.)
pub(crate) const MAX_VALUES: usize = 50_000;

/// The most UTF-16 units of strings and object keys read from one message (1 Mi: the
/// protocol's messages are a few hundred).
pub(crate) const MAX_TEXT: usize = 1 << 20;

/// What is left to read of one message.
struct Budget {
    values: usize,
    text: usize,
}

impl Budget {
    /// A string, copied only when its length fits what is left.
    fn text(&mut self, text: &js_sys::JsString) -> Option<String> {
        self.text = self.text.checked_sub(text.length() as usize)?;
        Some(String::from(text))
    }
}

/// The JSON value `data` stands for, or `None` when it has none (see the module docs).
pub(crate) fn from_js(data: &JsValue) -> Option<Value> {
    let mut budget = Budget {
        values: MAX_VALUES,
        text: MAX_TEXT,
    };
    read(data, 0, &mut budget)?
}

/// A boxed primitive (`new String("a")`, `Object(1n)`): as an object it would be read
/// member by member (a boxed string by its characters).
fn is_boxed(value: &JsValue) -> bool {
    value.is_instance_of::<js_sys::JsString>()
        || value.is_instance_of::<js_sys::Number>()
        || value.is_instance_of::<js_sys::Boolean>()
        || value.is_instance_of::<js_sys::BigInt>()
}

/// `Some(None)`: a value `JSON.stringify` leaves out (or writes as `null` in an array).
/// `depth` counts the arrays and objects around `value`; a cycle ends at [`MAX_DEPTH`].
fn read(value: &JsValue, depth: usize, budget: &mut Budget) -> Option<Option<Value>> {
    budget.values = budget.values.checked_sub(1)?;
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
    if let Some(text) = value.dyn_ref::<js_sys::JsString>() {
        return Some(Some(Value::String(budget.text(text)?)));
    }
    if !value.is_object() || depth >= MAX_DEPTH || js_sys::ArrayBuffer::is_view(value) || is_boxed(value) {
        // A BigInt, too deep, a typed array (read element by element it could cost far
        // more than its size in the message), or a boxed primitive.
        return None;
    }
    if js_sys::Array::is_array(value) {
        let array: &js_sys::Array = value.unchecked_ref();
        // The length is the sender's word (a sparse array is small to send): an array
        // longer than the values left is refused at once, and no room is taken on it.
        if array.length() as usize > budget.values {
            return None;
        }
        let mut items = Vec::new();
        for item in array.iter() {
            items.push(read(&item, depth + 1, budget)?.unwrap_or(Value::Null));
        }
        return Some(Some(Value::Array(items)));
    }
    let mut members = Map::new();
    for entry in js_sys::Object::entries(value.unchecked_ref()).iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let key = budget.text(entry.get(0).dyn_ref::<js_sys::JsString>()?)?;
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

    #[wasm_bindgen_test]
    fn boxed_primitives_and_long_texts_are_unreadable() {
        let make = |body: &str| {
            js_sys::Function::new_no_args(body)
                .call0(&JsValue::NULL)
                .expect("made")
        };
        for body in [
            "return new String('ab')",
            "return new Number(1)",
            "return new Boolean(false)",
            "return Object(BigInt(1))",
            "return {id: new String('1')}",
            "return 'x'.repeat(1048577)",
            "return ['x'.repeat(524288), 'y'.repeat(524289)]",
            "const o = {}; o['k'.repeat(1048577)] = 1; return o",
        ] {
            assert_eq!(from_js(&make(body)), None, "{body}");
        }
        // Up to the budget, text reads.
        let at_the_limit = make("return ['x'.repeat(524288), 'y'.repeat(524288)]");
        assert!(from_js(&at_the_limit).is_some());
    }

    /// The wasm module's memory, in bytes.
    fn memory_bytes() -> f64 {
        let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
        memory
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length() as f64
    }

    /// Hostile messages, generated: boxed primitives, nested sparse arrays, strings over
    /// 1 MB, typed arrays, deep nesting, text spread over many strings, each bare or inside
    /// the protocol's envelope. None traps, each read takes under 50 ms (the fastest of three,
    /// so that a busy machine does not decide), and the module's
    /// memory grows by under 8 MB over the whole run.
    #[wasm_bindgen_test]
    fn hostile_messages_are_refused_quickly_and_cheaply() {
        let make = js_sys::Function::new_with_args(
            "kind, n, d",
            "switch (kind) {
              case 0: return new String('x'.repeat(n));
              case 1: return new Number(n);
              case 2: return new Boolean(n % 2);
              case 3: return Object(BigInt(n));
              case 4: { let v = null; for (let i = 0; i < d; i++) { const a = []; a.length = n; a[0] = v; v = a; } return v; }
              case 5: return 'x'.repeat(1048577 + n);
              case 6: return new Uint8Array(n);
              case 7: return new DataView(new ArrayBuffer(n));
              case 8: { let v = []; for (let i = 0; i < d; i++) v = [v]; return v; }
              default: { const s = 'y'.repeat(131072 + n); return Array.from({length: 8}, () => s); }
            }",
        );
        let wrap = js_sys::Function::new_with_args(
            "data",
            "return {eventType: 'sdk-resolve', payload: {id: '1', data: {streamId: data}}}",
        );
        let mut random = Random(0x2545_f491_4f6c_dd1d);
        let before = memory_bytes();
        let mut slowest = 0.0f64;
        for round in 0..200 {
            let kind = random.next() % 10;
            let (n, d) = match kind {
                // Sparse arrays: each level longer than the budget left, or nested so that
                // the levels together exceed it.
                4 => match random.next() % 2 {
                    0 => (
                        50_001 + random.next() % (u64::from(u32::MAX) - 50_001),
                        1 + random.next() % 4,
                    ),
                    _ => (25_001 + random.next() % 25_000, 2 + random.next() % 3),
                },
                8 => (0, 129 + random.next() % 20_000),
                6 | 7 => (random.next() % 4_000_000, 0),
                _ => (random.next() % 2_000_000, 0),
            };
            let value = make
                .call3(
                    &JsValue::NULL,
                    &(kind as f64).into(),
                    &(n as f64).into(),
                    &(d as f64).into(),
                )
                .expect("a hostile value");
            let value = if random.next() % 2 == 0 {
                wrap.call1(&JsValue::NULL, &value).expect("wrapped")
            } else {
                value
            };
            // The fastest of three reads: what the read costs, not what a busy machine
            // (other tests, other processes) adds to one of them.
            let mut took = f64::INFINITY;
            let mut read = None;
            for _ in 0..3 {
                let started = js_sys::Date::now();
                read = from_js(&value);
                took = took.min(js_sys::Date::now() - started);
            }
            slowest = slowest.max(took);
            assert_eq!(read, None, "round {round}: kind {kind}, n {n}, d {d}");
            assert!(took < 50.0, "round {round}: kind {kind}, n {n}, d {d}: {took} ms");
        }
        let grown = memory_bytes() - before;
        assert!(grown < 8.0 * 1024.0 * 1024.0, "memory grew by {grown} bytes");
        web_sys::console::log_1(
            &format!("hostile reads: slowest {slowest} ms, memory +{grown} bytes").into(),
        );
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
