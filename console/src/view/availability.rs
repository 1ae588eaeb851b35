//! The owner's Availability page (issue 15): for a week (the last seven
//! days, or the seven days up to a date picked), each audience's status
//! over time as a timeline drawn here in SVG (one bar per day: online,
//! busy, offline; working hours shaded below, as they were that day, and
//! offline inside them marked over them), its coverage
//! of working hours, missed conversations and first-response times, and
//! the same facts as tables (each day's time per status, every change) for
//! screen readers and for copying. No chart library: rectangles.

use presenza_protocol::view::{
    AudienceHistory, AudienceInsights, ChangeCause, HistoryChange, InsightsView, SpreadView,
};
use presenza_rules::{Reason, Status};

use super::dom::{el, svg, El};
use super::owner::{loading, note};
use super::status_label;
use crate::clock;
use crate::store::Store;

/// Width of a day in the SVG's units (six seconds each).
const DAY_UNITS: i64 = 14_400;

pub fn page(store: &Store) -> Vec<El> {
    let mut parts = Vec::new();
    parts.extend(note(store, "page"));
    parts.push(week_form(store));
    let Some((history, insights)) = &store.owner.availability.loaded else {
        parts.push(loading());
        return parts;
    };
    parts.push(legend());
    for audience in &history.audiences {
        let figures = insights
            .audiences
            .iter()
            .find(|a| a.group == audience.group);
        parts.push(audience_card(store, audience, figures, insights));
    }
    parts.push(agents_card(store, insights));
    parts
}

fn week_form(store: &Store) -> El {
    let end = store
        .owner
        .availability
        .end_day
        .map(clock::ymd)
        .unwrap_or_default();
    el("form")
        .class("card")
        .class("week-form")
        .action("availability")
        .child(el("label").attr("for", "week-end").text("Seven days up to"))
        .child(
            el("input")
                .attr("id", "week-end")
                .attr("name", "end")
                .attr("type", "date")
                .attr("max", &clock::ymd(clock::now()))
                .value(&end),
        )
        .child(
            el("button")
                .attr("type", "submit")
                .class("primary")
                .text("Show"),
        )
        .child(
            el("p").class("muted").class("small").text(
                "Empty: the last seven days up to now. Times are in this browser's time zone.",
            ),
        )
}

fn legend() -> El {
    let item = |class: &str, label: &str| {
        el("li")
            .child(
                el("span")
                    .class("swatch")
                    .class(class)
                    .attr("aria-hidden", "true"),
            )
            .text(label)
    };
    el("ul")
        .class("legend")
        .attr("aria-label", "Timeline colours")
        .child(item("st-online", "Online"))
        .child(item("st-busy", "Busy"))
        .child(item("st-offline", "Offline"))
        .child(item("st-hours", "Working hours (as they were that day)"))
        .child(item("st-missed", "Offline inside working hours"))
}

fn audience_name(store: &Store, group: Option<&str>) -> String {
    match group {
        None => "Whole site".to_owned(),
        Some(g) => store
            .owner
            .groups
            .iter()
            .flatten()
            .find(|v| v.id.as_str() == g)
            .map_or_else(|| g.to_owned(), |v| format!("Group {}", v.name)),
    }
}

/// "2 h 05 min", "4 min 10 s", "12 s".
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(
        || "no working hours known".to_owned(),
        |r| format!("{:.0} %", r * 100.0),
    )
}

fn reason_text(reason: Reason) -> &'static str {
    match reason {
        Reason::AgentsOnline => "agents online",
        Reason::AllBusy => "every agent busy",
        Reason::NoAgents => "no agent online",
        Reason::OutsideHours => "outside working hours",
    }
}

fn cause_text(cause: Option<ChangeCause>) -> &'static str {
    match cause {
        None => "—",
        Some(ChangeCause::Manual) => "an agent's choice",
        Some(ChangeCause::SignedIn) => "an agent signed in",
        Some(ChangeCause::SignedOut) => "an agent signed out",
        Some(ChangeCause::GracePeriodEnded) => "grace period ended",
        Some(ChangeCause::HoursOpened) => "working hours opened",
        Some(ChangeCause::HoursClosed) => "working hours closed",
        Some(ChangeCause::AgentsChanged) => "agents changed",
        Some(ChangeCause::SettingsChanged) => "settings changed",
    }
}

fn spread(s: &SpreadView) -> String {
    match (s.median_ms, s.p90_ms) {
        (Some(m), Some(p)) => format!(
            "median {}, 90th percentile {} ({} replies)",
            duration(m),
            duration(p),
            s.count
        ),
        _ => "no replies".to_owned(),
    }
}

/// A stretch of one status, clipped to a day.
struct Piece {
    from: i64,
    to: i64,
    status: Status,
}

/// The audience's status stretches in `[from, until)` (before its first
/// known change: none).
fn pieces(audience: &AudienceHistory, from: i64, until: i64) -> Vec<Piece> {
    let marks: Vec<&HistoryChange> = audience.in_force.iter().chain(&audience.changes).collect();
    let mut out = Vec::new();
    for (i, m) in marks.iter().enumerate() {
        let start = m.at.0.max(from);
        let end = marks.get(i + 1).map_or(until, |n| n.at.0).min(until);
        if end > start {
            out.push(Piece {
                from: start,
                to: end,
                status: m.status,
            });
        }
    }
    out
}

fn status_class(status: Status) -> &'static str {
    match status {
        Status::Online => "st-online",
        Status::Busy => "st-busy",
        Status::Offline => "st-offline",
    }
}

fn audience_card(
    store: &Store,
    audience: &AudienceHistory,
    figures: Option<&AudienceInsights>,
    insights: &InsightsView,
) -> El {
    let name = audience_name(store, audience.group.as_ref().map(|g| g.as_str()));
    let (from, until) = (insights.from.0, insights.until.0);
    let stretches = pieces(audience, from, until);
    let missed: Vec<(i64, i64)> = figures
        .map(|f| {
            f.coverage
                .offline
                .iter()
                .map(|o| (o.from.0, o.to.0))
                .collect()
        })
        .unwrap_or_default();
    // Shaded under the bar where the audience had working hours (none
    // shaded without: all of the day counts then).
    let hours: Vec<(i64, i64)> = figures
        .filter(|f| f.has_working_hours)
        .map(|f| f.working_hours.iter().map(|s| (s.from.0, s.to.0)).collect())
        .unwrap_or_default();
    // One row per local day of the period.
    let mut days = Vec::new();
    let mut day = clock::local_midnight(from, 0);
    while day < insights.to.0 && days.len() < 8 {
        let next = clock::local_midnight(day, 1);
        days.push((day, next));
        day = next;
    }
    let mut rows = Vec::new();
    let mut table_rows = Vec::new();
    for &(start, end) in &days {
        let span = (end - start).max(1);
        let x = |t: i64| ((t - start) * DAY_UNITS / span).clamp(0, DAY_UNITS);
        let mut bar = svg("svg")
            .class("tl-bar")
            .attr("viewBox", &format!("0 0 {DAY_UNITS} 12"))
            .attr("preserveAspectRatio", "none")
            .attr("aria-hidden", "true")
            .attr("focusable", "false");
        let mut totals = [0i64; 3];
        for p in &stretches {
            let (a, b) = (p.from.max(start), p.to.min(end));
            if b <= a {
                continue;
            }
            totals[match p.status {
                Status::Online => 0,
                Status::Busy => 1,
                Status::Offline => 2,
            }] += b - a;
            bar = bar.child(
                svg("rect")
                    .class(status_class(p.status))
                    .attr("x", &x(a).to_string())
                    .attr("width", &(x(b) - x(a)).max(1).to_string())
                    .attr("y", "0")
                    .attr("height", "8"),
            );
        }
        let mut hours_ms = 0;
        for &(hf, ht) in &hours {
            let (a, b) = (hf.max(start), ht.min(end));
            if b <= a {
                continue;
            }
            hours_ms += b - a;
            bar = bar.child(
                svg("rect")
                    .class("st-hours")
                    .attr("x", &x(a).to_string())
                    .attr("width", &(x(b) - x(a)).max(1).to_string())
                    .attr("y", "9")
                    .attr("height", "3"),
            );
        }
        let mut missed_ms = 0;
        for &(mf, mt) in &missed {
            let (a, b) = (mf.max(start), mt.min(end));
            if b <= a {
                continue;
            }
            missed_ms += b - a;
            bar = bar.child(
                svg("rect")
                    .class("st-missed")
                    .attr("x", &x(a).to_string())
                    .attr("width", &(x(b) - x(a)).max(1).to_string())
                    .attr("y", "9")
                    .attr("height", "3"),
            );
        }
        let label = clock::day_label(start);
        rows.push(
            el("div")
                .class("tl-row")
                .child(el("span").class("tl-day").text(&label))
                .child(bar),
        );
        table_rows.push(
            el("tr")
                .child(el("th").attr("scope", "row").text(&label))
                .child(el("td").text(&duration(totals[0])))
                .child(el("td").text(&duration(totals[1])))
                .child(el("td").text(&duration(totals[2])))
                .child(el("td").text(&if hours.is_empty() {
                    "—".to_owned()
                } else {
                    duration(hours_ms)
                }))
                .child(el("td").text(&duration(missed_ms))),
        );
    }
    let axis = el("div")
        .class("tl-row")
        .class("tl-axis")
        .attr("aria-hidden", "true")
        .child(el("span").class("tl-day"))
        .child(
            el("span")
                .class("tl-hours")
                .children(["0:00", "6:00", "12:00", "18:00", "24:00"].map(|h| el("span").text(h))),
        );
    let summary = match figures {
        Some(f) => {
            let c = &f.coverage;
            let m = &f.missed;
            el("ul")
                .class("figures")
                .child(el("li").text(&format!(
                    "Coverage of working hours: {}{}",
                    percent(c.ratio),
                    if f.has_working_hours { "" } else { " (no working hours: all day counts)" }
                )))
                .child(el("li").text(&format!(
                    "Online {} · busy {} · offline {} of {} working time{}",
                    duration(c.online_ms),
                    duration(c.busy_ms),
                    duration(c.offline_ms),
                    duration(c.working_ms),
                    if c.unknown_ms > 0 {
                        format!(" ({} before the history began: not counted)", duration(c.unknown_ms))
                    } else {
                        String::new()
                    }
                )))
                .child(el("li").text(&format!(
                    "Missed conversations: {} of {} (nobody online {}, slow first reply {}, no reply {})",
                    m.count, f.conversations, m.nobody_online, m.slow_reply, m.no_reply
                )))
                .child(el("li").text(&format!(
                    "First response: {}",
                    spread(&f.first_response)
                )))
        }
        None => el("p").class("muted").text("No figures."),
    };
    let changes = audience.in_force.iter().chain(&audience.changes).map(|c| {
        el("tr")
            .child(el("td").text(&clock::when(c.at.0, clock::now())))
            .child(el("td").text(&status_label(c.status)))
            .child(el("td").text(reason_text(c.reason)))
            .child(el("td").text(cause_text(c.cause)))
    });
    let head = |cells: &[&str]| {
        el("thead").child(
            el("tr").children(
                cells
                    .iter()
                    .map(|c| el("th").attr("scope", "col").text(c))
                    .collect::<Vec<_>>(),
            ),
        )
    };
    let slug = audience
        .group
        .as_ref()
        .map_or_else(|| "site".to_owned(), |g| format!("group-{g}"));
    el("section")
        .class("card")
        .class("availability")
        .data("audience", &slug)
        .attr("aria-labelledby", &format!("av-{slug}"))
        .child(el("h2").attr("id", &format!("av-{slug}")).user_text(&name))
        .child(summary)
        .child(
            el("div")
                .class("timeline")
                .attr("role", "img")
                .attr(
                    "aria-label",
                    &format!("{name}: status by day, as in the table below"),
                )
                .children(rows)
                .child(axis),
        )
        .child(
            el("table")
                .class("day-table")
                .child(el("caption").user_text(&format!("{name}: time per status, by day")))
                .child(head(&[
                    "Day",
                    "Online",
                    "Busy",
                    "Offline",
                    "Working hours",
                    "Offline inside working hours",
                ]))
                .child(el("tbody").children(table_rows)),
        )
        .child(
            el("details")
                .child(el("summary").text("Every change"))
                .child(
                    el("table")
                        .class("change-table")
                        .child(el("caption").user_text(&format!("{name}: status changes")))
                        .child(head(&["When", "Status", "Why", "Cause"]))
                        .child(el("tbody").children(changes)),
                ),
        )
}

fn agents_card(store: &Store, insights: &InsightsView) -> El {
    let rows = insights.agents.iter().map(|a| {
        let name = store
            .owner
            .agents
            .iter()
            .flatten()
            .find(|v| v.id == a.agent)
            .map_or_else(
                || a.agent.as_str().to_owned(),
                |v| v.display_name().to_owned(),
            );
        let s = &a.first_response;
        el("tr")
            .child(el("th").attr("scope", "row").user_text(&name))
            .child(el("td").text(&s.count.to_string()))
            .child(el("td").text(&s.median_ms.map_or_else(|| "—".to_owned(), duration)))
            .child(el("td").text(&s.p90_ms.map_or_else(|| "—".to_owned(), duration)))
    });
    let card = el("section")
        .class("card")
        .attr("aria-labelledby", "av-agents")
        .child(
            el("h2")
                .attr("id", "av-agents")
                .text("First responses by agent"),
        );
    if insights.agents.is_empty() {
        return card.child(
            el("p")
                .class("muted")
                .text("No agent replied to a new conversation in these days."),
        );
    }
    card.child(
        el("table")
            .class("agent-table")
            .child(el("caption").text("First responses by agent"))
            .child(
                el("thead").child(
                    el("tr").children(
                        ["Agent", "First replies", "Median", "90th percentile"]
                            .map(|c| el("th").attr("scope", "col").text(c)),
                    ),
                ),
            )
            .child(el("tbody").children(rows)),
    )
}
