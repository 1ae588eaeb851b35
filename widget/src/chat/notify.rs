//! A new message for the visitor: the page's `presenza('on', 'message')`
//! listeners hear it; a reply while the panel is closed or the tab hidden
//! plays the soft sound (unless the page turned it off or the visitor has
//! not interacted yet) and, while the tab is hidden, flashes its title.

use super::*;

impl Chat {
    /// Tells the page's `presenza('on', 'message', fn)` listeners.
    pub(super) fn emit(&self, m: &JsValue) {
        js::call(&js::get(&self.cx, "e"), "call", &js::U, m);
    }

    /// A soft two-note chime (Web Audio), unless the page turned it off or
    /// the visitor has not interacted with the page yet.
    pub(super) fn ding(&mut self) {
        let active = js::get(
            &js::get(&js::g("navigator"), "userActivation"),
            "hasBeenActive",
        );
        if js::get(&self.cx, "n") == JsValue::FALSE || !active.is_truthy() {
            return;
        }
        if !self.audio.is_object() {
            self.audio = js::make(&js::G, "AudioContext", &js::U);
        }
        let ctx = &self.audio;
        let t = js::get(ctx, "currentTime").as_f64().unwrap_or(0.0);
        let at = |dt: f64| JsValue::from_f64(t + dt);
        let gain = js::call0(ctx, "createGain");
        let g = js::get(&gain, "gain");
        js::call(&g, "setValueAtTime", &JsValue::from_f64(0.0001), &at(0.0));
        js::call(
            &g,
            "exponentialRampToValueAtTime",
            &JsValue::from_f64(0.12),
            &at(0.02),
        );
        js::call(
            &g,
            "exponentialRampToValueAtTime",
            &JsValue::from_f64(0.0001),
            &at(0.5),
        );
        js::call1(&gain, "connect", &js::get(ctx, "destination"));
        for (hz, from) in [(880.0, 0.0), (1320.0, 0.12)] {
            let osc = js::call0(ctx, "createOscillator");
            js::set(&js::get(&osc, "frequency"), "value", &JsValue::from_f64(hz));
            js::call1(&osc, "connect", &gain);
            js::call1(&osc, "start", &at(from));
            js::call1(&osc, "stop", &at(0.5));
        }
    }

    /// Flashes the tab's title with `news` until the visitor comes back.
    pub(super) fn flash(&mut self, news: JsValue) {
        let doc = js::g("document");
        let (own, timer) = match self.flash.take() {
            Some([own, _, timer]) => (own, timer),
            None => (
                js::get(&doc, "title"),
                js::call(
                    &js::G,
                    "setInterval",
                    &self.hook(K_FLASH),
                    &JsValue::from(FLASH_MS),
                ),
            ),
        };
        js::set(&doc, "title", &news);
        self.flash = Some([own, news, timer]);
    }

    /// The tab is seen again: its own title back.
    pub(super) fn unflash(&mut self) {
        if let Some([own, _, timer]) = self.flash.take() {
            js::call1(&js::G, "clearInterval", &timer);
            js::set(&js::g("document"), "title", &own);
        }
    }
}
