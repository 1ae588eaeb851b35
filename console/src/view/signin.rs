//! The first screens: pick a site (when the URL has none), then sign in with
//! an agent token or the owner key.

use super::dom::{el, El};
use crate::store::Store;
use web_sys::Element;

fn card(parts: Vec<Element>) -> Element {
    el("div")
        .class("center")
        .child(
            el("div")
                .class("card")
                .class("signin")
                .child(
                    el("div")
                        .class("brand")
                        .child(logo())
                        .child(el("h1").text("Presenza console")),
                )
                .children(parts),
        )
        .build()
}

pub fn logo() -> El {
    el("span")
        .class("logo")
        .attr("aria-hidden", "true")
        .text("P")
}

pub fn site_picker() -> Element {
    card(vec![
        el("p")
            .class("muted")
            .text("Which site do you work on? The console's address names it: /console/?site=…")
            .build(),
        el("form")
            .action("choose-site")
            .child(el("label").attr("for", "site").text("Site ID"))
            .child(
                el("input")
                    .attr("id", "site")
                    .attr("name", "site")
                    .attr("autocomplete", "off")
                    .attr("spellcheck", "false")
                    .flag("required", true),
            )
            .child(
                el("button")
                    .attr("type", "submit")
                    .class("primary")
                    .text("Continue"),
            )
            .build(),
    ])
}

pub fn sign_in(store: &Store) -> Element {
    let busy = store.signing_in;
    card(vec![
        el("p")
            .class("site-line")
            .text("Sign in to ")
            .child(el("strong").text(store.site()))
            .build(),
        el("form")
            .action("signin")
            .attr("autocomplete", "off")
            .child(
                el("label")
                    .attr("for", "token")
                    .text("Agent token or owner key"),
            )
            .child(
                el("input")
                    .attr("id", "token")
                    .attr("name", "token")
                    .attr("type", "password")
                    .attr("autocomplete", "off")
                    .attr("spellcheck", "false")
                    .attr("aria-describedby", "signin-help signin-error")
                    .flag("required", true)
                    .flag("disabled", busy),
            )
            .child(
                el("button")
                    .attr("type", "submit")
                    .class("primary")
                    .flag("disabled", busy)
                    .text(if busy { "Signing in…" } else { "Sign in" }),
            )
            .child(
                el("p")
                    .attr("id", "signin-error")
                    .class("error")
                    .attr("role", "alert")
                    .text(store.signin_error.as_deref().unwrap_or("")),
            )
            .child_if(
                store
                    .signin_notice
                    .as_deref()
                    .map(|n| el("p").class("notice").attr("role", "status").text(n)),
            )
            .child(
                el("p")
                    .attr("id", "signin-help")
                    .class("muted")
                    .class("small")
                    .text(
                        "Agents: the token the site owner gave you. Owners: the site's owner key. \
                 It is kept in this tab only and forgotten when the tab closes.",
                    ),
            )
            .build(),
    ])
}
