//! The working-hours editor: a scope (the site or one group), how its hours
//! act (switch or gate), a time zone, intervals per weekday and date
//! exceptions. The edge validates; this page only edits the JSON. Time
//! inputs cannot show "24:00", so an end of midnight is shown as 00:00 and
//! sent back as "24:00".

use presenza_protocol::body::{ExceptionSpec, ScheduleSpec};
use presenza_rules::schedule_spec::WEEKDAYS;
use presenza_rules::HoursMode;

use super::dom::{el, field, find_all, value_of, El};
use super::owner::{confirm_button, loading, note};
use crate::clock;
use crate::msg::HoursOp;
use crate::store::{HoursPlace, Store};

/// A schedule's weekday keys with their names, Monday first.
fn weekdays() -> impl Iterator<Item = (&'static str, &'static str)> {
    WEEKDAYS.into_iter().zip(clock::DAY_NAMES)
}

pub fn page(store: &Store) -> Vec<El> {
    let hours = &store.owner.hours;
    let groups = store.owner.groups.as_deref().unwrap_or(&[]);
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));

    let scope_value = hours.scope.clone().unwrap_or_default();
    let scope = el("label").class("scope").text("Hours for ").child(
        el("select")
            .attr("name", "scope")
            .action("hours-scope")
            .child(
                el("option")
                    .attr("value", "")
                    .text("The whole site (default)"),
            )
            .children(groups.iter().map(|g| {
                let name = if g.name.is_empty() {
                    g.id.as_str()
                } else {
                    &g.name
                };
                el("option").attr("value", g.id.as_str()).text(&format!(
                    "Group: {name}{}",
                    if g.has_working_hours {
                        " (own hours)"
                    } else {
                        ""
                    }
                ))
            }))
            .value(&scope_value),
    );
    let state = match (hours.loaded, hours.stored, &hours.scope) {
        (false, _, _) => "",
        (true, true, None) => "The site's working hours.",
        (true, true, Some(_)) => "This group has its own hours.",
        (true, false, None) => {
            "No working hours set: the site is open whenever agents are. Save to set these."
        }
        (true, false, Some(_)) => {
            "No own hours: this group follows the site's hours. Save to give it these."
        }
    };
    let mut card = el("section")
        .class("card")
        .child(el("div").class("scope-row").child(scope))
        .child(el("p").class("muted").attr("id", "hours-state").text(state));
    card = if hours.loaded {
        card.child(editor(store))
    } else {
        card.child(loading())
    };
    parts.push(card);
    parts
}

fn time_input(name: &str, value: &str, label: &str) -> El {
    // "24:00" is midnight at the end of the day, which a time input cannot hold.
    let shown = if value == "24:00" { "00:00" } else { value };
    el("input")
        .attr("type", "time")
        .attr("name", name)
        .attr("aria-label", label)
        .flag("required", true)
        .value(shown)
}

fn interval_row(start: &str, end: &str, what: &str, remove: El) -> El {
    el("div")
        .class("interval")
        .child(time_input("start", start, &format!("{what} from")))
        .child(
            el("span")
                .class("dash")
                .attr("aria-hidden", "true")
                .text("–"),
        )
        .child(time_input("end", end, &format!("{what} until")))
        .child(remove.attr("aria-label", &format!("Remove {what} {start}–{end}")))
}

fn icon_button(action: &str) -> El {
    el("button")
        .attr("type", "button")
        .class("icon")
        .action(action)
        .text("×")
}

/// The error shown next to `place`, if the edge refused the draft there.
fn problem_at(store: &Store, place: &HoursPlace) -> Option<El> {
    let p = store
        .owner
        .hours
        .problem
        .as_ref()
        .filter(|p| p.place == *place)?;
    Some(
        el("p")
            .class("error")
            .class("field-error")
            .attr("role", "alert")
            .text(&p.text),
    )
}

fn editor(store: &Store) -> El {
    let hours = &store.owner.hours;
    let draft = &hours.draft;
    let mut zones = clock::time_zones();
    if !draft.timezone.is_empty() && !zones.contains(&draft.timezone) {
        zones.insert(0, draft.timezone.clone());
    }
    let zone = el("label").class("zone").text("Time zone").child(
        el("select")
            .attr("name", "timezone")
            .children(
                zones
                    .iter()
                    .map(|z| el("option").attr("value", z).text(&z.replace('_', " "))),
            )
            .value(&draft.timezone),
    );
    let zone = el("div")
        .class("zone-field")
        .child(zone)
        .child_if(problem_at(store, &HoursPlace::Zone));

    let days = weekdays().map(|(key, name)| {
        let list = draft.weekly.get(key).map(Vec::as_slice).unwrap_or(&[]);
        let intervals = el("div")
            .class("intervals")
            .children(list.iter().enumerate().map(|(i, [s, e])| {
                interval_row(
                    s,
                    e,
                    name,
                    icon_button("hours-remove-interval")
                        .data("day", key)
                        .data("index", &i.to_string()),
                )
            }));
        el("div")
            .class("day")
            .data("day", key)
            .child(el("span").class("day-name").text(name))
            .child(if list.is_empty() {
                intervals.child(el("span").class("closed").text("Closed"))
            } else {
                intervals
            })
            .child(
                el("button")
                    .attr("type", "button")
                    .class("link")
                    .action("hours-add-interval")
                    .data("day", key)
                    .attr("aria-label", &format!("Add hours on {name}"))
                    .text("+ Hours"),
            )
            .child_if(problem_at(store, &HoursPlace::Day(key.to_owned())))
    });

    let exceptions = draft.exceptions.iter().enumerate().map(|(i, ex)| {
        let index = i.to_string();
        let intervals = el("div")
            .class("intervals")
            .children(ex.hours.iter().enumerate().map(|(j, [s, e])| {
                interval_row(
                    s,
                    e,
                    &format!("exception {}", i + 1),
                    icon_button("hours-remove-exception-interval")
                        .data("index", &index)
                        .data("sub", &j.to_string()),
                )
            }));
        el("div")
            .class("day")
            .class("exception")
            .data("index", &index)
            .child(
                el("input")
                    .attr("type", "date")
                    .attr("name", "date")
                    .attr("aria-label", &format!("Date of exception {}", i + 1))
                    .flag("required", true)
                    .value(&ex.date),
            )
            .child(if ex.hours.is_empty() {
                intervals.child(el("span").class("closed").text("Closed all day"))
            } else {
                intervals
            })
            .child(
                el("span")
                    .class("day-actions")
                    .child(
                        el("button")
                            .attr("type", "button")
                            .class("link")
                            .action("hours-add-exception-interval")
                            .data("index", &index)
                            .text("+ Hours"),
                    )
                    .child(
                        el("button")
                            .attr("type", "button")
                            .class("link")
                            .class("danger-link")
                            .action("hours-remove-exception")
                            .data("index", &index)
                            .text("Remove"),
                    ),
            )
            .child_if(problem_at(store, &HoursPlace::Exception(ex.date.clone())))
    });

    let clear = hours.stored.then(|| {
        let label = if hours.scope.is_some() {
            "Use the site's hours"
        } else {
            "Remove hours (always open)"
        };
        confirm_button(store, "hours-clear", label, "Confirm", "hours-clear", "")
    });

    el("form")
        .attr("id", "hours-form")
        .class("hours")
        .action("hours")
        .child(mode_field(hours.mode))
        .child(zone)
        .child(
            el("fieldset")
                .class("week")
                .child(el("legend").text("Every week"))
                .children(days),
        )
        .child(
            el("fieldset")
                .class("exceptions")
                .child(el("legend").text("Exceptions (holidays, special days)"))
                .children(exceptions)
                .child(
                    el("button")
                        .attr("type", "button")
                        .class("link")
                        .action("hours-add-exception")
                        .text("+ Add a date"),
                ),
        )
        .child(el("p").class("muted").class("small").text(&format!(
            "An end earlier than the start runs past midnight; an end of {} means midnight.",
            clock::time_of_day("00:00")
        )))
        .child(
            el("div")
                .class("actions")
                .child(
                    el("button")
                        .attr("type", "submit")
                        .class("primary")
                        .text("Save working hours"),
                )
                .child_if(clear)
                .child_if(note(store, "hours"))
                .child_if(problem_at(store, &HoursPlace::Form)),
        )
}

/// What a mode does, in words.
pub fn mode_help(mode: HoursMode) -> &'static str {
    match mode {
        HoursMode::Switch => {
            "At each opening the agents these hours cover go online, at each closing offline. \
             An agent who changes status by hand keeps it until the next opening or closing: \
             someone staying late can still be reached."
        }
        HoursMode::Gate => {
            "Outside these hours visitors see the chat offline, whatever the agents do."
        }
    }
}

/// The mode choice; with no known mode an empty choice keeps the edge's.
fn mode_field(mode: Option<HoursMode>) -> El {
    let value = mode.map_or("", HoursMode::as_str);
    let unknown = mode.is_none().then(|| {
        el("option")
            .attr("value", "")
            .text("(keep the current mode)")
    });
    el("div")
        .class("mode")
        .child(
            el("label").text("These hours ").child(
                el("select")
                    .attr("name", "mode")
                    .child_if(unknown)
                    .child(
                        el("option")
                            .attr("value", "switch")
                            .text("switch agents online and offline"),
                    )
                    .child(
                        el("option")
                            .attr("value", "gate")
                            .text("close the chat outside them"),
                    )
                    .value(value),
            ),
        )
        .child(
            el("p")
                .class("muted")
                .class("small")
                .attr("id", "hours-mode-help")
                .text(&format!(
                    "Switch: {} Gate: {}",
                    mode_help(HoursMode::Switch),
                    mode_help(HoursMode::Gate)
                )),
        )
}

/// The mode the form shows; `None` when none is chosen.
pub fn read_mode(form: &web_sys::Element) -> Option<HoursMode> {
    HoursMode::parse(field(form, "mode").trim())
}

/// The draft as the form shows it now (before a structural edit or a save).
pub fn read(form: &web_sys::Element) -> ScheduleSpec {
    let pairs = |scope: &web_sys::Element| -> Vec<[String; 2]> {
        find_all(scope, ".interval")
            .iter()
            .map(|row| [field(row, "start"), field(row, "end")])
            .collect()
    };
    let mut spec = ScheduleSpec {
        timezone: field(form, "timezone"),
        ..ScheduleSpec::default()
    };
    for key in WEEKDAYS {
        if let Some(day) = find_all(form, &format!(".day[data-day=\"{key}\"]")).first() {
            let list = pairs(day);
            if !list.is_empty() {
                spec.weekly.insert(key.to_owned(), list);
            }
        }
    }
    spec.exceptions = find_all(form, ".exception")
        .iter()
        .map(|ex| ExceptionSpec {
            date: find_all(ex, "input[name=\"date\"]")
                .first()
                .map(value_of)
                .unwrap_or_default(),
            hours: pairs(ex),
        })
        .collect();
    spec
}

/// What is sent to the edge: midnight as an end becomes "24:00".
pub fn to_wire(mut spec: ScheduleSpec) -> ScheduleSpec {
    let fix = |list: &mut Vec<[String; 2]>| {
        for [_, end] in list.iter_mut() {
            if end == "00:00" {
                *end = "24:00".into();
            }
        }
    };
    spec.weekly.values_mut().for_each(fix);
    spec.exceptions.iter_mut().for_each(|e| fix(&mut e.hours));
    spec
}

/// The structural edit a button asks for.
pub fn op(action: &str, button: &web_sys::Element) -> Option<HoursOp> {
    let data = |k: &str| {
        button
            .get_attribute(&format!("data-{k}"))
            .unwrap_or_default()
    };
    let num = |k: &str| data(k).parse::<usize>().ok();
    Some(match action {
        "hours-add-interval" => HoursOp::AddInterval(data("day")),
        "hours-remove-interval" => HoursOp::RemoveInterval(data("day"), num("index")?),
        "hours-add-exception" => HoursOp::AddException,
        "hours-remove-exception" => HoursOp::RemoveException(num("index")?),
        "hours-add-exception-interval" => HoursOp::AddExceptionInterval(num("index")?),
        "hours-remove-exception-interval" => {
            HoursOp::RemoveExceptionInterval(num("index")?, num("sub")?)
        }
        _ => return None,
    })
}
