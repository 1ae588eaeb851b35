//! The agent's picture before upload (I/O at the rim): the chosen file is
//! drawn, cropped to its centred square, onto a canvas of
//! `limits::PICTURE_SIDE_PX` and encoded as WebP (what a phone should send:
//! a few KB, whatever the camera made). The edge refuses larger pictures
//! rather than resizing them (`edge::domain::picture`).

use presenza_protocol::limits::PICTURE_SIDE_PX;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, File, HtmlCanvasElement, HtmlImageElement, Url};

/// The largest centred square of `width`×`height`: `(x, y, side)`. Pure.
pub fn centred_square(width: f64, height: f64) -> (f64, f64, f64) {
    let side = width.min(height);
    ((width - side) / 2.0, (height - side) / 2.0, side)
}

/// `file` as a square picture to upload; the error is for the agent.
pub async fn square(file: File) -> Result<Blob, String> {
    const UNREADABLE: &str =
        "This file is not a picture this browser can read: choose a PNG, JPEG or WebP.";
    let url = Url::create_object_url_with_blob(&file).map_err(|_| UNREADABLE.to_string())?;
    let img = HtmlImageElement::new().map_err(|_| UNREADABLE.to_string())?;
    img.set_src(&url);
    let decoded = JsFuture::from(img.decode()).await;
    let _ = Url::revoke_object_url(&url);
    decoded.map_err(|_| UNREADABLE.to_string())?;
    let (x, y, side) = centred_square(
        f64::from(img.natural_width()),
        f64::from(img.natural_height()),
    );
    draw(&img, x, y, side)
        .await
        .map_err(|_| "The picture could not be resized: try another one.".to_string())
}

async fn draw(img: &HtmlImageElement, x: f64, y: f64, side: f64) -> Result<Blob, JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(JsValue::NULL)?;
    let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
    canvas.set_width(PICTURE_SIDE_PX);
    canvas.set_height(PICTURE_SIDE_PX);
    let ctx: CanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or(JsValue::NULL)?.dyn_into()?;
    let to = f64::from(PICTURE_SIDE_PX);
    ctx.draw_image_with_html_image_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
        img, x, y, side, side, 0.0, 0.0, to, to,
    )?;
    // toBlob takes a callback: a promise resolved by it.
    let mut encode = |resolve: js_sys::Function, _reject: js_sys::Function| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        let _ = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            "image/webp",
            &JsValue::from_f64(0.85),
        );
    };
    let blob = JsFuture::from(js_sys::Promise::new(&mut encode)).await?;
    blob.dyn_into::<Blob>()
}

#[cfg(test)]
mod tests {
    use super::centred_square;

    #[test]
    fn the_centred_square_of_a_landscape_and_a_portrait() {
        assert_eq!(centred_square(400.0, 300.0), (50.0, 0.0, 300.0));
        assert_eq!(centred_square(300.0, 500.0), (0.0, 100.0, 300.0));
        assert_eq!(centred_square(256.0, 256.0), (0.0, 0.0, 256.0));
    }
}
