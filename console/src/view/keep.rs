//! Keeps what the owner typed across a redraw of an owner page: fields are
//! matched by their form (`data-action[:data-id]`), name (and value, for
//! check boxes) and position, and focus and caret come back too.

use std::collections::HashMap;

use wasm_bindgen::JsValue;
use web_sys::Element;

use super::dom::{checked, document, find_all, focus, value_of};
use super::Fresh;

enum Kept {
    Value(String),
    Checked(bool),
}

/// The fields of a page as they were before a redraw.
#[derive(Default)]
pub struct Typed {
    fields: HashMap<String, Kept>,
    focused: Option<(String, JsValue, JsValue)>,
}

fn form_key(form: &Element) -> String {
    let action = form.get_attribute("data-action").unwrap_or_default();
    match form.get_attribute("data-id") {
        Some(id) => format!("{action}:{id}"),
        None => action,
    }
}

/// Calls `f` with each named field of the forms to keep and its key.
fn each_field(region: &Element, fresh: Fresh, mut f: impl FnMut(String, &Element, bool)) {
    if fresh == Fresh::All {
        return;
    }
    for form in find_all(region, "form[data-action]") {
        let key = form_key(&form);
        if fresh == Fresh::Form(&key) {
            continue;
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for field in find_all(&form, "input[name], select[name], textarea[name]") {
            let name = field.get_attribute("name").unwrap_or_default();
            let kind = field.get_attribute("type").unwrap_or_default();
            let is_box = kind == "checkbox" || kind == "radio";
            let base = if is_box {
                format!("{key}|{name}|{}", value_of(&field))
            } else {
                format!("{key}|{name}")
            };
            let n = seen.entry(base.clone()).or_insert(0);
            let full = format!("{base}|{n}");
            *n += 1;
            f(full, &field, is_box);
        }
    }
}

pub fn snapshot(region: &Element, fresh: Fresh) -> Typed {
    let mut typed = Typed::default();
    let active = document().active_element();
    each_field(region, fresh, |key, field, is_box| {
        let kept = if is_box {
            Kept::Checked(checked(field))
        } else {
            Kept::Value(value_of(field))
        };
        if active.as_ref() == Some(field) {
            let get = |p: &str| js_sys::Reflect::get(field, &p.into()).unwrap_or(JsValue::NULL);
            typed.focused = Some((key.clone(), get("selectionStart"), get("selectionEnd")));
        }
        typed.fields.insert(key, kept);
    });
    typed
}

pub fn restore(region: &Element, fresh: Fresh, typed: Typed) {
    if typed.fields.is_empty() {
        return;
    }
    each_field(region, fresh, |key, field, _| {
        let (property, value) = match typed.fields.get(&key) {
            Some(Kept::Value(v)) => ("value", JsValue::from_str(v)),
            Some(Kept::Checked(c)) => ("checked", JsValue::from_bool(*c)),
            None => return,
        };
        let _ = js_sys::Reflect::set(field, &property.into(), &value);
        if let Some((_, start, end)) = typed.focused.as_ref().filter(|(k, _, _)| *k == key) {
            focus(field);
            if !start.is_null() {
                // Only text fields have a caret; others throw, harmlessly.
                let _ = js_sys::Reflect::set(field, &"selectionStart".into(), start);
                let _ = js_sys::Reflect::set(field, &"selectionEnd".into(), end);
            }
        }
    });
}
