//! A tiny element builder over web-sys, and the few DOM reads the views need.
//!
//! Views build elements with `el("tag").class(..).attr(..).child(..)`.
//! User actions are not wired per element: elements carry `data-action`
//! (and data-* arguments) and one delegated listener per event type turns
//! them into messages (see `view::events`). So re-rendering never leaks or
//! re-binds closures.

use wasm_bindgen::{JsCast, JsValue, UnwrapThrowExt};
use web_sys::{Document, Element, HtmlElement, Node};

pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect_throw("the console runs in a page")
}

/// An element under construction.
pub struct El(Element);

pub fn el(tag: &str) -> El {
    El(document()
        .create_element(tag)
        .expect_throw("valid tag name"))
}

/// An SVG element (in the SVG namespace; [`el`] makes HTML ones).
pub fn svg(tag: &str) -> El {
    El(document()
        .create_element_ns(Some("http://www.w3.org/2000/svg"), tag)
        .expect_throw("valid SVG tag name"))
}

/// A labelled checkbox of a `name` group (`checked_values` reads them):
/// `<label class=check for=id><input type=checkbox ...><span>label</span>`.
pub fn check(id: &str, name: &str, value: &str, label: &str, checked: bool) -> El {
    el("label")
        .class("check")
        .attr("for", id)
        .child(
            el("input")
                .attr("type", "checkbox")
                .attr("id", id)
                .attr("name", name)
                .attr("value", value)
                .flag("checked", checked),
        )
        .child(el("span").text(label))
}

/// A text node.
pub fn text(t: &str) -> Node {
    document().create_text_node(t).into()
}

impl El {
    pub fn class(self, class: &str) -> Self {
        if !class.is_empty() {
            let _ = self.0.class_list().add_1(class);
        }
        self
    }

    pub fn attr(self, name: &str, value: &str) -> Self {
        let _ = self.0.set_attribute(name, value);
        self
    }

    /// The most characters an input takes (`maxlength`): one of the
    /// protocol's limits.
    pub fn maxlength(self, chars: usize) -> Self {
        self.attr("maxlength", &chars.to_string())
    }

    /// Sets `name` when `on` (boolean attributes: hidden, disabled, checked…).
    pub fn flag(self, name: &str, on: bool) -> Self {
        if on {
            let _ = self.0.set_attribute(name, "");
        }
        self
    }

    /// The message this element sends when clicked / submitted / changed.
    pub fn action(self, action: &str) -> Self {
        self.attr("data-action", action)
    }

    /// An argument of the action (`data-{name}`).
    pub fn data(self, name: &str, value: &str) -> Self {
        self.attr(&format!("data-{name}"), value)
    }

    pub fn text(self, t: &str) -> Self {
        let _ = self.0.append_child(&text(t));
        self
    }

    /// Text someone typed (a name, a message): laid out in its own
    /// direction (`dir="auto"`), so right-to-left text never reorders what
    /// surrounds it.
    pub fn user_text(self, t: &str) -> Self {
        self.attr("dir", "auto").text(t)
    }

    pub fn child(self, child: impl Into<Node>) -> Self {
        let _ = self.0.append_child(&child.into());
        self
    }

    pub fn child_if(self, child: Option<impl Into<Node>>) -> Self {
        match child {
            Some(c) => self.child(c),
            None => self,
        }
    }

    pub fn children<N: Into<Node>>(self, children: impl IntoIterator<Item = N>) -> Self {
        for c in children {
            let _ = self.0.append_child(&c.into());
        }
        self
    }

    /// Sets the DOM property `value` (inputs, selects, textareas).
    pub fn value(self, value: &str) -> Self {
        let _ = js_sys::Reflect::set(&self.0, &"value".into(), &value.into());
        self
    }

    pub fn build(self) -> Element {
        self.0
    }
}

impl From<El> for Node {
    fn from(e: El) -> Node {
        e.0.into()
    }
}

impl From<El> for Element {
    fn from(e: El) -> Element {
        e.0
    }
}

/// Replaces all children of `parent` with `child`.
pub fn replace(parent: &Element, child: impl Into<Node>) {
    parent.set_text_content(None);
    let _ = parent.append_child(&child.into());
}

/// The element with this id, if any.
pub fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

/// The first element under `scope` matching `selector`.
pub fn find(scope: &Element, selector: &str) -> Option<Element> {
    scope.query_selector(selector).ok().flatten()
}

/// All elements under `scope` matching `selector`.
pub fn find_all(scope: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = scope.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .collect()
}

/// The `value` property of an input, select or textarea.
pub fn value_of(element: &Element) -> String {
    js_sys::Reflect::get(element, &"value".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The value of the field named `name` under `scope` ("" when absent).
pub fn field(scope: &Element, name: &str) -> String {
    find(scope, &format!("[name=\"{name}\"]"))
        .map(|e| value_of(&e))
        .unwrap_or_default()
}

/// Whether a checkbox is checked.
pub fn checked(element: &Element) -> bool {
    js_sys::Reflect::get(element, &"checked".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The values of the checked boxes named `name` under `scope`.
pub fn checked_values(scope: &Element, name: &str) -> Vec<String> {
    find_all(scope, &format!("input[name=\"{name}\"]"))
        .into_iter()
        .filter(checked)
        .map(|e| value_of(&e))
        .collect()
}

pub fn focus(element: &Element) {
    if let Some(e) = element.dyn_ref::<HtmlElement>() {
        let _ = e.focus();
    }
}

/// The nearest element (self included) matching `selector`.
pub fn closest(target: &JsValue, selector: &str) -> Option<Element> {
    target
        .dyn_ref::<Element>()?
        .closest(selector)
        .ok()
        .flatten()
}
