//! The only bridge to JS: five tiny helpers (get, set, call, new, JSON.parse)
//! that take property and method names as Rust strings, instead of one
//! web-sys binding per DOM method. Each helper catches, so a JS exception
//! never unwinds through Wasm (and never reaches the page): a failed call
//! just yields `undefined`. `None`/null as the object means `globalThis`.
//!
//! Each distinct import costs ~150 bytes (a glue function plus its import
//! entry), and each `JsValue` made from a Rust string costs a table slot and
//! a drop; these helpers keep the widget at a dozen imports.
//!
//! String work is left to JS (`concat`, `replace`, `split` through
//! [`call`]): Rust's would cost a kilobyte of Wasm.

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "const G=globalThis;\
export function get(o,k){try{return(o??G)[k]}catch(e){}}\
export function set(o,k,v){try{o[k]=v}catch(e){}}\
export function call(o,m,a,b){try{return(o??G)[m](a,b)}catch(e){}}\
export function make(o,c,a){try{return new(o??G)[c](a)}catch(e){}}\
export function json(t){try{return JSON.parse(t)}catch(e){}}")]
extern "C" {
    /// `o[k]`.
    pub fn get(o: &JsValue, k: &str) -> JsValue;
    /// `o[k]` with a JS key (an array index, a key from `Object.keys`).
    #[wasm_bindgen(js_name = get)]
    pub fn get_v(o: &JsValue, k: &JsValue) -> JsValue;
    /// `o[k] = v`.
    pub fn set(o: &JsValue, k: &str, v: &JsValue);
    /// `o[m](a, b)`; extra `undefined` arguments are harmless to the methods
    /// used here.
    pub fn call(o: &JsValue, m: &str, a: &JsValue, b: &JsValue) -> JsValue;
    /// `o[m](a, b)` with string arguments (`b` only where a second string
    /// argument is harmless: not `split`, whose second is a limit).
    #[wasm_bindgen(js_name = call)]
    pub fn call_s(o: &JsValue, m: &str, a: &str, b: &str) -> JsValue;
    /// `new o[c](a)`.
    pub fn make(o: &JsValue, c: &str, a: &JsValue) -> JsValue;
    /// `JSON.parse(t)`, undefined when `t` is not JSON.
    pub fn json(t: &str) -> JsValue;
}

pub const U: JsValue = JsValue::UNDEFINED;
/// Stands for `globalThis` as the object of the helpers.
pub const G: JsValue = JsValue::NULL;

/// `globalThis[k]`.
pub fn g(k: &str) -> JsValue {
    get(&G, k)
}

pub fn get_str(o: &JsValue, k: &str) -> Option<String> {
    get(o, k).as_string()
}

pub fn call1(o: &JsValue, m: &str, a: &JsValue) -> JsValue {
    call(o, m, a, &U)
}

pub fn call0(o: &JsValue, m: &str) -> JsValue {
    call(o, m, &U, &U)
}

/// `Date.now()`.
pub fn now() -> f64 {
    call0(&g("Date"), "now").as_f64().unwrap_or(0.0)
}

/// `encodeURIComponent(v)`.
pub fn enc(v: &str) -> String {
    call_s(&G, "encodeURIComponent", v, "")
        .as_string()
        .unwrap_or_default()
}

/// Concatenates `parts` (one small function instead of inlined pushes).
#[inline(never)]
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::new();
    for p in parts {
        out.push_str(p);
    }
    out
}
