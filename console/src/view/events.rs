//! One delegated listener per event type on the document turns what the
//! user does into a [`Msg`]. Elements say what they mean with `data-action`
//! (and data-* arguments); forms are read when submitted. Pure view chores
//! (copying to the clipboard, menu arrow keys, adding an empty text row)
//! are done here without a message.

use presenza_protocol::body::WorkingHoursBody;
use presenza_rules::{AssignedFilter, ConversationState, Status};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget, HtmlElement, KeyboardEvent};

use super::dom::{by_id, closest, document, field, find_all, focus, value_of};
use super::{hours, replies, settings, webhooks};
use crate::msg::{AgentMsg, InboxMsg, Msg, OwnerMsg, Sender, SessionMsg, WebhookMsg};
use crate::store::persist;

fn listen(target: &EventTarget, name: &str, f: impl FnMut(Event) + 'static) {
    let callback = Closure::<dyn FnMut(Event)>::new(f);
    let _ = target.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
    // Listeners live as long as the page.
    callback.forget();
}

pub fn install(tx: Sender) {
    let doc = document();
    let Some(window) = web_sys::window() else {
        return;
    };
    let t = tx.clone();
    listen(&doc, "click", move |e| on_click(&t, &e));
    let t = tx.clone();
    listen(&doc, "submit", move |e| on_submit(&t, &e));
    let t = tx.clone();
    listen(&doc, "change", move |e| on_change(&t, &e));
    let t = tx.clone();
    listen(&doc, "input", move |e| {
        if let Some(input) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) {
            if input.get_attribute("name").as_deref() == Some("accent") {
                settings::colour_changed(&input);
            }
            // The reply box: the visitor may be told the agent is typing.
            if input.id() == "reply-text" {
                if let Some(form) = input.closest("form.reply").ok().flatten() {
                    t.send(InboxMsg::Drafting {
                        conversation: data(&form, "id"),
                        empty: value_of(&input).trim().is_empty(),
                    });
                }
            }
        }
    });
    let t = tx.clone();
    listen(&doc, "keydown", move |e| {
        if let Some(k) = e.dyn_ref::<KeyboardEvent>() {
            on_key(&t, k);
        }
    });
    let t = tx.clone();
    listen(&doc, "focusout", move |e| {
        // The reply box left: checked a moment later, since a redraw of the
        // inbox replaces the box and puts the focus back in the new one.
        let left_reply = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .is_some_and(|el| el.id() == "reply-text");
        if left_reply {
            let t = t.clone();
            let check = Closure::once_into_js(move || {
                let active = document().active_element().map(|a| a.id());
                if active.as_deref() != Some("reply-text") {
                    t.send(InboxMsg::DraftLeft);
                }
            });
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    check.unchecked_ref(),
                    0,
                );
            }
        }
        // Tabbing out of the picture and its menu closes the menu.
        if by_id("status-menu").is_none_or(|m| m.has_attribute("hidden")) {
            return;
        }
        let next = e
            .dyn_ref::<web_sys::FocusEvent>()
            .and_then(|f| f.related_target())
            .map(JsValue::from);
        let inside = next.as_ref().and_then(|n| closest(n, ".me")).is_some();
        if next.is_some() && !inside {
            t.send(AgentMsg::CloseMenu {
                focus_avatar: false,
            });
        }
    });
    let t = tx.clone();
    listen(&doc, "visibilitychange", move |_| {
        t.send(AgentMsg::Visibility {
            hidden: document().hidden(),
        })
    });
    let t = tx.clone();
    listen(&window, "hashchange", move |_| {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        t.send(OwnerMsg::Route(hash));
    });
    let t = tx.clone();
    listen(&window, "online", move |_| t.send(AgentMsg::Online));
    listen(&window, "storage", move |e| {
        let Some(e) = e.dyn_ref::<web_sys::StorageEvent>() else {
            return;
        };
        let (Some(key), Some(value)) = (e.key(), e.new_value()) else {
            return;
        };
        let site = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
            .and_then(|p| p.get("site"))
            .unwrap_or_default();
        if key == persist::sign_out_key(site.trim()) {
            tx.send(SessionMsg::SignedOutElsewhere(
                persist::announced_agent(&value).to_owned(),
            ));
        }
    });
}

fn data(el: &Element, name: &str) -> String {
    el.get_attribute(&format!("data-{name}"))
        .unwrap_or_default()
}

/// The busy details typed in the status menu.
fn busy_fields() -> (String, String) {
    match by_id("status-menu") {
        Some(menu) => (field(&menu, "busy-message"), field(&menu, "busy-back")),
        None => Default::default(),
    }
}

fn on_click(tx: &Sender, e: &Event) {
    let Some(target) = e.target().map(JsValue::from) else {
        return;
    };
    // A click anywhere outside the picture and its menu closes the menu.
    if by_id("status-menu").is_some_and(|m| !m.has_attribute("hidden"))
        && closest(&target, ".me").is_none()
    {
        tx.send(AgentMsg::CloseMenu {
            focus_avatar: false,
        });
    }
    let Some(el) = closest(&target, "[data-action]") else {
        return;
    };
    // Forms act on submit, selects on change.
    if matches!(el.tag_name().as_str(), "FORM" | "SELECT") {
        return;
    }
    let action = data(&el, "action");
    let msg: Msg = match action.as_str() {
        "avatar" => AgentMsg::ToggleMenu.into(),
        "status" => {
            let Some(status) = Status::parse(&data(&el, "status")) else {
                return;
            };
            let (message, back_time) = busy_fields();
            AgentMsg::SetStatus {
                status,
                message,
                back_time,
            }
            .into()
        }
        "sign-out" => SessionMsg::SignOut.into(),
        "owner-pages" => SessionMsg::OwnerPages.into(),
        "open-inbox" => OwnerMsg::OpenInbox.into(),
        "reload-checklist" => OwnerMsg::ReloadChecklist.into(),
        "decline-hours" => OwnerMsg::DeclineHours(data(&el, "declined") == "yes").into(),
        "devices" => AgentMsg::ToggleDevices.into(),
        "picture-choose" => {
            // The file chooser opens right after this click (still its
            // gesture): clicking the input dispatches a click of its own,
            // which must not re-enter this listener.
            let choose = Closure::once_into_js(|| {
                if let Some(input) =
                    by_id("picture-file").and_then(|i| i.dyn_into::<HtmlElement>().ok())
                {
                    input.click();
                }
            });
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(choose.unchecked_ref());
            }
            AgentMsg::CloseMenu {
                focus_avatar: false,
            }
            .into()
        }
        "picture-save" => AgentMsg::SavePicture.into(),
        "picture-cancel" => AgentMsg::CancelPicture.into(),
        "picture-remove" => AgentMsg::RemovePicture.into(),
        "revoke-device" => AgentMsg::RevokeDevice(data(&el, "id")).into(),
        "set-offline" => OwnerMsg::SetOffline(data(&el, "id")).into(),
        "replies-add" | "replies-remove" => {
            let Some(form) = by_id("replies-form") else {
                return;
            };
            OwnerMsg::RepliesEdit {
                draft: replies::read(&form),
                remove: (action == "replies-remove")
                    .then(|| data(&el, "index").parse().ok())
                    .flatten(),
            }
            .into()
        }
        "agent-devices" => OwnerMsg::ToggleDevices(data(&el, "id")).into(),
        "revoke-agent-device" => OwnerMsg::RevokeDevice {
            agent: data(&el, "agent"),
            device: data(&el, "id"),
        }
        .into(),
        "open-conversation" => InboxMsg::OpenConversation(data(&el, "id")).into(),
        "close-conversation" => InboxMsg::CloseConversation.into(),
        "enable-notifications" => InboxMsg::EnableNotifications.into(),
        "toggle-sound" => InboxMsg::ToggleSound.into(),
        "reload-inbox" => InboxMsg::Reload.into(),
        "inbox-tab" => InboxMsg::ShowTab(if data(&el, "tab") == "closed" {
            ConversationState::Closed
        } else {
            ConversationState::Open
        })
        .into(),
        "load-more" => InboxMsg::LoadMore.into(),
        "close-thread" => InboxMsg::Close(data(&el, "id")).into(),
        "reopen-thread" => InboxMsg::Reopen(data(&el, "id")).into(),
        "retry-reply" => InboxMsg::Retry(data(&el, "id")).into(),
        "discard-reply" => InboxMsg::Discard(data(&el, "id")).into(),
        "confirm" => OwnerMsg::Confirm(data(&el, "key")).into(),
        "rotate" => OwnerMsg::RotateToken(data(&el, "id")).into(),
        "revoke" => OwnerMsg::RevokeAgent(data(&el, "id")).into(),
        "delete-group" => OwnerMsg::DeleteGroup(data(&el, "id")).into(),
        "dismiss-token" => OwnerMsg::DismissToken.into(),
        "hours-clear" => OwnerMsg::ClearHours.into(),
        "webhooks-reload" => WebhookMsg::Load.into(),
        "webhook-secret" => WebhookMsg::RotateSecret.into(),
        "remove-webhook" => WebhookMsg::Remove(data(&el, "id")).into(),
        "copy" => return copy(&el),
        a if a.starts_with("hours-") => {
            let (Some(form), Some(op)) = (closest(&el, "form"), hours::op(a, &el)) else {
                return;
            };
            OwnerMsg::HoursEdit {
                draft: hours::read(&form),
                mode: hours::read_mode(&form),
                op,
            }
            .into()
        }
        _ => return,
    };
    tx.send(msg);
}

fn on_submit(tx: &Sender, e: &Event) {
    let Some(form) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let action = data(&form, "action");
    if action.is_empty() {
        return;
    }
    // Every form is handled here; none may navigate.
    e.prevent_default();
    let msg: Msg = match action.as_str() {
        "choose-site" => SessionMsg::ChooseSite(field(&form, "site")).into(),
        "signin" => SessionMsg::SignIn(field(&form, "token")).into(),
        "agent-add" | "agent-save" => OwnerMsg::SaveAgent {
            id: if action == "agent-add" {
                field(&form, "id")
            } else {
                data(&form, "id")
            },
            name: field(&form, "name"),
            email: field(&form, "email"),
            groups: super::dom::checked_values(&form, "groups"),
            create: action == "agent-add",
        }
        .into(),
        "group-add" | "group-save" => OwnerMsg::SaveGroup {
            id: if action == "group-add" {
                field(&form, "id")
            } else {
                data(&form, "id")
            },
            name: field(&form, "name"),
            create: action == "group-add",
        }
        .into(),
        "hours" => OwnerMsg::SaveHours(WorkingHoursBody::new(
            hours::to_wire(hours::read(&form)),
            hours::read_mode(&form),
        ))
        .into(),
        "settings" => OwnerMsg::SaveSettings(settings::read(&form)).into(),
        "owner-agent" => OwnerMsg::SaveOwnerAgent {
            on: by_id("owner-agent-on").is_some_and(|b| super::dom::checked(&b)),
            name: field(&form, "name"),
            groups: super::dom::checked_values(&form, "groups"),
        }
        .into(),
        "replies" => OwnerMsg::SaveReplies(replies::read(&form)).into(),
        "webhook-add" | "webhook-save" => WebhookMsg::Save {
            replaces: (action == "webhook-save").then(|| data(&form, "id")),
            endpoint: webhooks::read(&form),
        }
        .into(),
        "availability" => OwnerMsg::AvailabilityWeek(field(&form, "end")).into(),
        "reply" => InboxMsg::Reply {
            conversation: data(&form, "id"),
            text: field(&form, "text"),
        }
        .into(),
        _ => return,
    };
    tx.send(msg);
}

fn on_change(tx: &Sender, e: &Event) {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let value = value_of(&el);
    let choice = (!value.is_empty()).then(|| value.clone());
    match data(&el, "action").as_str() {
        "hours-scope" => tx.send(OwnerMsg::HoursScope(choice)),
        "embed-group" => tx.send(OwnerMsg::EmbedGroup(choice)),
        "text-lang" => settings::show_text_language(&value),
        "assigned-filter" => tx.send(InboxMsg::ShowAssigned(
            AssignedFilter::parse(&value).unwrap_or_default(),
        )),
        "assign" => tx.send(InboxMsg::Assign {
            conversation: data(&el, "id"),
            to: value,
        }),
        "picture-file" => {
            let file = el
                .dyn_ref::<web_sys::HtmlInputElement>()
                .and_then(web_sys::HtmlInputElement::files)
                .and_then(|files| files.get(0));
            if let Some(file) = file {
                tx.send(AgentMsg::PictureChosen(file));
            }
        }
        _ => {}
    }
}

fn on_key(tx: &Sender, k: &KeyboardEvent) {
    let Some(target) = k.target().map(JsValue::from) else {
        return;
    };
    let key = k.key();
    // In the reply box, Enter sends and Shift+Enter starts a new line
    // (not while an input method is composing a character, and not on a
    // touch keyboard, which has no Shift+Enter).
    if key == "Enter" && !k.shift_key() && !k.is_composing() && !super::inbox::touch_keyboard() {
        if let Some(form) =
            closest(&target, "#reply-text").and_then(|t| t.closest("form.reply").ok().flatten())
        {
            k.prevent_default();
            tx.send(InboxMsg::Reply {
                conversation: data(&form, "id"),
                text: field(&form, "text"),
            });
            return;
        }
    }
    // Arrow keys, Home and End move between the inbox's tabs (the WAI-ARIA
    // tabs pattern: the tab is shown as it gets focus).
    if let Some(tab) = closest(&target, "[role=tab][data-action=inbox-tab]") {
        let next = match (key.as_str(), data(&tab, "tab").as_str()) {
            ("ArrowRight" | "ArrowLeft", "open") | ("End", _) => ConversationState::Closed,
            ("ArrowRight" | "ArrowLeft", _) | ("Home", _) => ConversationState::Open,
            _ => return,
        };
        k.prevent_default();
        if let Some(button) = by_id(&format!("tab-{}", next.as_str())) {
            focus(&button);
        }
        tx.send(InboxMsg::ShowTab(next));
        return;
    }
    let menu = by_id("status-menu");
    let open = menu.as_ref().is_some_and(|m| !m.has_attribute("hidden"));
    let on_avatar = closest(&target, "#avatar").is_some();
    if key == "Escape" && open {
        k.prevent_default();
        tx.send(AgentMsg::CloseMenu { focus_avatar: true });
        return;
    }
    if on_avatar && !open && matches!(key.as_str(), "ArrowDown" | "ArrowUp") {
        k.prevent_default();
        tx.send(AgentMsg::ToggleMenu);
        return;
    }
    let Some(menu) = menu.filter(|_| open) else {
        return;
    };
    // Enter in the busy fields sets Busy with them.
    if key == "Enter" && closest(&target, ".busy-fields").is_some() {
        k.prevent_default();
        let (message, back_time) = busy_fields();
        tx.send(AgentMsg::SetStatus {
            status: Status::Busy,
            message,
            back_time,
        });
        return;
    }
    // Arrow keys move between menu items (the WAI-ARIA menu pattern).
    if closest(&target, "[role^=menuitem]").is_none() {
        return;
    }
    let items: Vec<Element> = find_all(&menu, "[role^=menuitem]:not([disabled]):not([hidden])");
    if items.is_empty() {
        return;
    }
    let current = items
        .iter()
        .position(|i| JsValue::from(i.clone()) == target)
        .unwrap_or(0);
    let next = match key.as_str() {
        "ArrowDown" => (current + 1) % items.len(),
        "ArrowUp" => (current + items.len() - 1) % items.len(),
        "Home" => 0,
        "End" => items.len() - 1,
        _ => return,
    };
    k.prevent_default();
    focus(&items[next]);
}

/// Copies the text of the element named by `data-copy`, then says so on
/// the button for a moment.
fn copy(button: &Element) {
    let Some(source) = by_id(data(button, "copy").trim_start_matches('#')) else {
        return;
    };
    let text = source.text_content().unwrap_or_default();
    let label = button.text_content().unwrap_or_default();
    let button = button.clone();
    let done = move |ok: bool| {
        button.set_text_content(Some(if ok { "Copied ✓" } else { "Select and copy" }));
        let b = button.clone();
        let label = label.clone();
        let restore = Closure::once_into_js(move || b.set_text_content(Some(&label)));
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(
                restore.unchecked_ref(),
                2000,
            );
        }
    };
    let clipboard = web_sys::window().map(|w| w.navigator().clipboard());
    let promise = clipboard.map(|c| c.write_text(&text));
    wasm_bindgen_futures::spawn_local(async move {
        let ok = match promise {
            Some(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
            None => false,
        };
        // No clipboard access (http, denied): select the text instead so
        // Ctrl+C works, and try the old command.
        let ok = ok || select_and_copy(&source);
        done(ok);
    });
}

fn select_and_copy(source: &Element) -> bool {
    let doc = document();
    let (Ok(range), Some(Ok(Some(selection)))) = (
        doc.create_range(),
        web_sys::window().map(|w| w.get_selection()),
    ) else {
        return false;
    };
    if range.select_node_contents(source).is_err() {
        return false;
    }
    let _ = selection.remove_all_ranges();
    let _ = selection.add_range(&range);
    doc.dyn_ref::<web_sys::HtmlDocument>()
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}
