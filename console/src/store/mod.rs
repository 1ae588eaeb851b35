//! Everything the console knows, in one place. The controller changes it;
//! the views only read it. Nothing here talks to the network.

pub mod inbox;
pub mod persist;
pub mod typing;

use std::collections::BTreeMap;

use presenza_protocol::body::{SavedReplyBody, ScheduleSpec};
use presenza_protocol::view::{
    AgentView, AudienceView, DeviceView, GroupView, OnboardingView, SavedReply, SettingsView,
    VisitorContext, Webhooks,
};
use presenza_protocol::view::{HistoryView, InsightsView};
use presenza_protocol::GroupId;
use presenza_rules::HoursMode;
use presenza_rules::UnixMillis;

use inbox::Inbox;

/// What the signed-in token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// An agent token: status, audience and the inbox.
    Agent,
    /// The site owner's key: the admin pages.
    Owner,
}

/// The state of the device socket, as the agent should see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Conn {
    Connecting,
    Live,
    /// Lost; the next attempt is at this `Date.now()`.
    Retrying(f64),
}

/// The admin pages (owner mode), addressed by the URL hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Agents,
    Groups,
    Hours,
    Settings,
    Replies,
    Availability,
    Webhooks,
    Embed,
}

impl Page {
    pub const ALL: [Page; 8] = [
        Page::Agents,
        Page::Groups,
        Page::Hours,
        Page::Settings,
        Page::Replies,
        Page::Availability,
        Page::Webhooks,
        Page::Embed,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Page::Agents => "agents",
            Page::Groups => "groups",
            Page::Hours => "hours",
            Page::Settings => "settings",
            Page::Replies => "replies",
            Page::Availability => "availability",
            Page::Webhooks => "webhooks",
            Page::Embed => "embed",
        }
    }

    /// The tab's label (short, so that all tabs fit a phone).
    pub fn tab(self) -> &'static str {
        match self {
            Page::Hours => "Hours",
            Page::Replies => "Replies",
            Page::Availability => "Availability",
            other => other.title(),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Page::Agents => "Agents",
            Page::Groups => "Groups",
            Page::Hours => "Working hours",
            Page::Settings => "Settings",
            Page::Replies => "Saved replies",
            Page::Availability => "Availability",
            Page::Webhooks => "Webhooks",
            Page::Embed => "Embed",
        }
    }

    pub fn from_hash(hash: &str) -> Page {
        let slug = hash.trim_start_matches('#');
        Page::ALL
            .into_iter()
            .find(|p| p.slug() == slug)
            .unwrap_or(Page::Agents)
    }
}

/// A token shown once, right after it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct NewToken {
    pub agent: String,
    pub token: String,
}

/// A message shown next to the form it is about (`form` is the form key the
/// views use, e.g. "agent-add", "agent:ann", "hours", "settings").
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub form: String,
    pub text: String,
    pub error: bool,
}

/// The working-hours editor of one scope.
#[derive(Clone, Debug, Default)]
pub struct HoursEditor {
    /// None: the site's default hours; Some(g): group g's own hours.
    pub scope: Option<String>,
    pub loaded: bool,
    /// Whether the scope has hours stored at the edge (else: always open,
    /// or the site's hours for a group).
    pub stored: bool,
    pub draft: ScheduleSpec,
    /// The edge refused the draft here, in the owner's words.
    pub problem: Option<HoursProblem>,
    /// How the hours act (switch or gate); `None` until known: saving
    /// then keeps the edge's.
    pub mode: Option<HoursMode>,
}

/// Where a working-hours error is shown: next to its field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoursPlace {
    /// A weekday row (`mon`).
    Day(String),
    /// An exception's row, by its date.
    Exception(String),
    /// The time zone.
    Zone,
    /// The form as a whole.
    Form,
}

/// A working-hours error in the owner's words, and where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoursProblem {
    pub place: HoursPlace,
    pub text: String,
}

/// A list of signed-in devices being shown (an agent's own, or one agent's
/// on the owner's page).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DevicesPanel {
    /// None while loading.
    pub list: Option<Vec<DeviceView>>,
    pub error: Option<String>,
}

/// The Availability page: the days shown and what the edge said of them.
#[derive(Debug, Default)]
pub struct AvailabilityPage {
    /// The last day shown (its local midnight); `None`: up to now.
    pub end_day: Option<UnixMillis>,
    /// The history and the insights of those days (`None` while loading).
    pub loaded: Option<(HistoryView, InsightsView)>,
}

/// The owner's data, loaded per page.
#[derive(Debug)]
pub struct Owner {
    pub page: Page,
    pub agents: Option<Vec<AgentView>>,
    pub groups: Option<Vec<GroupView>>,
    pub settings: Option<SettingsView>,
    pub hours: HoursEditor,
    /// The agent whose devices are shown on the agents page, with them.
    pub devices: Option<(String, DevicesPanel)>,
    /// The saved replies as edited (None: not loaded yet).
    pub replies: Option<Vec<SavedReplyBody>>,
    pub new_token: Option<NewToken>,
    /// A destructive action waiting for its second click ("revoke:ann").
    pub confirm: Option<String>,
    pub note: Option<Note>,
    /// The group the embed snippet is for.
    pub embed_group: Option<String>,
    pub availability: AvailabilityPage,
    /// The webhook endpoints with their last results (None: not loaded).
    pub webhooks: Option<Webhooks>,
    /// A new webhook signing secret, shown this once.
    pub webhook_secret: Option<String>,
    /// The site's first steps (shown above every page until done).
    pub checklist: Option<OnboardingView>,
}

impl Default for Owner {
    fn default() -> Self {
        Owner {
            page: Page::Agents,
            agents: None,
            groups: None,
            settings: None,
            hours: HoursEditor::default(),
            devices: None,
            replies: None,
            new_token: None,
            confirm: None,
            note: None,
            embed_group: None,
            availability: AvailabilityPage::default(),
            webhooks: None,
            webhook_secret: None,
            checklist: None,
        }
    }
}

#[derive(Debug)]
pub struct Store {
    /// From `?site=`; None shows the site picker.
    pub site: Option<String>,
    /// `https://host`, where the API and the widget are served.
    pub origin: String,
    /// The screen shown (None: the sign-in screen). An owner who answers
    /// chats may be signed in both ways in one tab: the agent's part below
    /// then lives on while the owner's pages are shown.
    pub mode: Option<Mode>,
    pub signing_in: bool,
    pub signin_error: Option<String>,
    /// Why the agent is back at the sign-in screen ("signed out in another tab").
    pub signin_notice: Option<String>,

    // The agent's session (`me` is Some while it lasts).
    pub me: Option<AgentView>,
    pub conn: Conn,
    pub grace_secs: Option<u32>,
    pub ping_secs: u32,
    pub site_audience: Option<AudienceView>,
    pub group_audience: BTreeMap<GroupId, AudienceView>,
    pub menu_open: bool,
    pub status_error: Option<String>,
    pub inbox: Inbox,
    /// Group names by id (from the device socket's hello).
    pub group_names: BTreeMap<GroupId, String>,
    /// The site's name, when it has one.
    pub site_name: Option<String>,
    /// This agent's signed-in devices, while the list is shown.
    pub devices: Option<DevicesPanel>,
    /// A sound for each new visitor message (kept per browser).
    pub sound: bool,
    /// The owner's saved replies (from the device socket).
    pub saved_replies: Vec<SavedReply>,
    /// Signed in as the owner's own agent with the owner key kept in this
    /// tab: the inbox offers the way back to the owner's pages.
    pub owner_key_kept: bool,
    /// Who is typing (visitors), and this agent's own typing frames.
    pub typing: typing::Typing,
    /// Each conversation's visitor context, as the edge last told it.
    pub contexts: BTreeMap<String, VisitorContext>,

    // The owner's session.
    pub owner: Owner,
    /// A new picture being chosen (its preview) or saved.
    pub picture: PictureDraft,
}

/// The agent's new picture, between the file chooser and the edge.
#[derive(Debug, Default)]
pub struct PictureDraft {
    /// The cropped square and its preview's object URL.
    pub square: Option<(web_sys::Blob, String)>,
    pub saving: bool,
    pub error: Option<String>,
}

impl PictureDraft {
    /// Whether the preview panel shows (a square, or an error about one).
    pub fn open(&self) -> bool {
        self.square.is_some() || self.error.is_some()
    }

    /// Closes it, releasing the preview.
    pub fn clear(&mut self) {
        if let Some((_, url)) = self.square.take() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        self.saving = false;
        self.error = None;
    }
}

impl Store {
    pub fn new(site: Option<String>, origin: String) -> Self {
        Store {
            site,
            origin,
            mode: None,
            signing_in: false,
            signin_error: None,
            signin_notice: None,
            me: None,
            conn: Conn::Connecting,
            grace_secs: None,
            ping_secs: 30,
            site_audience: None,
            group_audience: BTreeMap::new(),
            menu_open: false,
            status_error: None,
            inbox: Inbox::default(),
            group_names: BTreeMap::new(),
            site_name: None,
            devices: None,
            sound: false,
            saved_replies: Vec::new(),
            owner_key_kept: false,
            typing: typing::Typing::default(),
            contexts: BTreeMap::new(),
            owner: Owner::default(),
            picture: PictureDraft::default(),
        }
    }

    pub fn site(&self) -> &str {
        self.site.as_deref().unwrap_or("")
    }

    /// Back to the sign-in screen, forgetting everything the token gave.
    pub fn sign_out(&mut self) {
        let site = self.site.take();
        let origin = std::mem::take(&mut self.origin);
        let sound = self.sound;
        *self = Store::new(site, origin);
        self.sound = sound;
    }

    /// Forgets the agent's session, keeping the owner's (and the screen).
    pub fn end_agent(&mut self) {
        let fresh = Store::new(self.site.take(), std::mem::take(&mut self.origin));
        let old = std::mem::replace(self, fresh);
        self.mode = old.mode;
        self.sound = old.sound;
        self.owner = old.owner;
    }

    pub fn note(&mut self, form: &str, text: impl Into<String>, error: bool) {
        self.owner.note = Some(Note {
            form: form.to_owned(),
            text: text.into(),
            error,
        });
    }
}
