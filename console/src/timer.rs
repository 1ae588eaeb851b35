//! A repeating timer that stops when dropped.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub struct Interval {
    id: i32,
    _tick: Closure<dyn FnMut()>,
}

impl Interval {
    /// Calls `f` every `ms` milliseconds until dropped.
    pub fn new(ms: u32, f: impl FnMut() + 'static) -> Option<Interval> {
        let tick = Closure::<dyn FnMut()>::new(f);
        let id = web_sys::window()?
            .set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                ms as i32,
            )
            .ok()?;
        Some(Interval { id, _tick: tick })
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(window) = web_sys::window() {
            window.clear_interval_with_handle(self.id);
        }
    }
}
