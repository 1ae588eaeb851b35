//! Everything that can happen in the console, as messages: what the user
//! does (sent by the view), what the edge answers or pushes (sent by the
//! API calls and the device socket) and the timers. The app's loop hands
//! them one at a time to the controller.
//!
//! A leaf: this module uses no other module of the console, only std, the
//! protocol's types (the edge's answers and frames, as they arrive) and
//! plain data. So the view, the socket and the API client can all speak in
//! messages without knowing the controller, and the store's own model stays
//! the controller's business.

use std::fmt;
use std::rc::Rc;

use presenza_protocol::body::{
    SavedReplyBody, ScheduleSpec, SettingsBody, WebhookBody, WorkingHoursBody,
};
use presenza_protocol::error::ErrorAt;
use presenza_protocol::frame::DeviceEvent;
use presenza_protocol::view::{
    AgentView, ConversationPage, ConversationView, DeviceCreated, DeviceView, GroupView, MeView,
    MessagePage, MessageView, OnboardingView, SavedReply, SettingsView, StatusSetView,
    VisitorContext, Webhooks, WorkingHoursView,
};
use presenza_protocol::view::{AssignChoices, HistoryView, InsightsView};
use presenza_protocol::ConversationId;
use presenza_rules::{AssignedFilter, ConversationState, HoursMode, Status};

/// Posts messages to the app's loop; cheap to clone into callbacks.
#[derive(Clone)]
pub struct Sender(Rc<dyn Fn(Msg)>);

impl Sender {
    /// A sender that hands every message to `post`.
    pub fn new(post: impl Fn(Msg) + 'static) -> Sender {
        Sender(Rc::new(post))
    }

    pub fn send(&self, msg: impl Into<Msg>) {
        (self.0)(msg.into())
    }
}

/// Everything that can happen, by the part of the console it is about.
#[derive(Debug)]
pub enum Msg {
    Session(SessionMsg),
    Agent(AgentMsg),
    Inbox(InboxMsg),
    Owner(OwnerMsg),
}

impl From<SessionMsg> for Msg {
    fn from(m: SessionMsg) -> Msg {
        Msg::Session(m)
    }
}

impl From<AgentMsg> for Msg {
    fn from(m: AgentMsg) -> Msg {
        Msg::Agent(m)
    }
}

impl From<InboxMsg> for Msg {
    fn from(m: InboxMsg) -> Msg {
        Msg::Inbox(m)
    }
}

impl From<OwnerMsg> for Msg {
    fn from(m: OwnerMsg) -> Msg {
        Msg::Owner(m)
    }
}

impl From<WebhookMsg> for Msg {
    fn from(m: WebhookMsg) -> Msg {
        Msg::Owner(OwnerMsg::Webhooks(m))
    }
}

// ---------------------------------------------------------------- API calls

/// A failed call: the HTTP status (0 when the server could not be reached
/// or its answer was not what the protocol says) and the
/// `{"error": {"code", "message"}}` the edge answered with (see `api`).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Where a working-hours error is (the edge's `at`).
    pub at: Option<ErrorAt>,
}

impl ApiError {
    /// The token is unknown, revoked or not allowed here.
    pub fn is_auth(&self) -> bool {
        matches!(self.status, 401 | 403)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------- session

/// Signing in and out.
#[derive(Debug)]
pub enum SessionMsg {
    Start,
    ChooseSite(String),
    SignIn(String),
    SignedIn {
        token: String,
        result: ApiResult<Access>,
    },
    SignOut,
    /// Another tab of this browser signed this agent's device out.
    SignedOutElsewhere(String),
    /// An owner who answers chats, in the inbox: back to the owner's pages
    /// with the owner key this tab keeps.
    OwnerPages,
}

/// What a token opens.
#[derive(Debug)]
pub enum Access {
    /// An agent's token or a device credential: the agent (`GET
    /// agents/me`), and the device just signed in with the agent token
    /// (its credential replaces the token from then on).
    Agent(Box<MeView>, Option<DeviceCreated>),
    /// The site owner's key.
    Owner,
}

// ---------------------------------------------------------------- agent

/// The agent's status, picture menu and device socket.
#[derive(Debug)]
pub enum AgentMsg {
    /// The tab was hidden or shown again.
    Visibility {
        hidden: bool,
    },
    /// The browser is back online.
    Online,
    /// The picture was clicked (or arrowed into).
    ToggleMenu,
    CloseMenu {
        focus_avatar: bool,
    },
    /// A status chosen in the menu; busy details as typed.
    SetStatus {
        status: Status,
        message: String,
        back_time: String,
    },
    /// The edge's answer to a status change.
    StatusSaved(ApiResult<StatusSetView>),
    Live(LiveEvent),
    /// Whether the token still works, asked after the socket was refused.
    AccessChecked(ApiResult<MeView>),
    /// Time for an HTTP heartbeat (sent only while the socket is down).
    Heartbeat,
    /// Time to word "back at" instants again ("back in 9 minutes", and a
    /// passed one says nothing).
    Tick,
    /// Show or hide this agent's signed-in devices.
    ToggleDevices,
    DevicesLoaded(ApiResult<Vec<DeviceView>>),
    /// Sign another of this agent's devices out for good.
    RevokeDevice(String),
    DeviceRevoked(ApiResult<()>),
    /// A picture file was chosen; cropped and resized, it is previewed.
    PictureChosen(web_sys::File),
    PictureSquared(Result<web_sys::Blob, String>),
    SavePicture,
    CancelPicture,
    RemovePicture,
    /// The edge's answer: the agent with its new picture (None: removed).
    PictureSaved(ApiResult<Option<AgentView>>),
}

/// What the device socket tells the controller.
#[derive(Debug)]
pub enum LiveEvent {
    Open,
    /// A frame from the edge.
    Message(Box<DeviceEvent>),
    /// The whole team (the owner's team socket).
    Team(Vec<AgentView>),
    /// The socket is gone; `retry_in_ms` is when the next attempt starts
    /// (None once stopped).
    Closed {
        code: u16,
        reason: String,
        retry_in_ms: Option<u32>,
    },
}

// ---------------------------------------------------------------- inbox

/// The conversations of the inbox.
#[derive(Debug)]
pub enum InboxMsg {
    /// Load the list again (after it failed).
    Reload,
    /// The first page of the edge's list of open or closed conversations
    /// (`GET conversations?state=…`), with the next page's cursor.
    Listed {
        state: ConversationState,
        result: ApiResult<ConversationPage>,
    },
    /// Show the open or the closed conversations.
    ShowTab(ConversationState),
    /// Load the shown tab's next page.
    LoadMore,
    /// A further page of the list.
    MoreListed {
        state: ConversationState,
        result: ApiResult<ConversationPage>,
    },
    /// Close (resolve) a conversation / reopen a closed one.
    Close(String),
    Reopen(String),
    /// The edge's answer to a close or reopen: the conversation's summary.
    StateSaved {
        id: String,
        close: bool,
        result: ApiResult<ConversationView>,
    },
    /// A conversation was closed, reopened, assigned or transferred
    /// (device socket).
    Changed(ConversationView),
    /// Show all conversations, those assigned to me, or the unassigned.
    ShowAssigned(AssignedFilter),
    /// Who the open conversation may go to (`GET …/assign`).
    Choices {
        id: String,
        result: ApiResult<AssignChoices>,
    },
    /// Assign the conversation: `agent:<id>`, `group:<id>` or `none`.
    Assign {
        conversation: String,
        to: String,
    },
    /// The edge's answer to an assignment: the conversation's summary.
    AssignSaved {
        id: String,
        result: ApiResult<ConversationView>,
    },
    /// Conversations erased with their visitor's data: forget them.
    Erased(Vec<String>),
    OpenConversation(String),
    CloseConversation,
    /// A page of a conversation's messages (after the last one without a
    /// gap).
    Page {
        id: String,
        result: ApiResult<MessagePage>,
    },
    ReadSaved {
        id: String,
        result: ApiResult<()>,
    },
    Reply {
        conversation: String,
        text: String,
    },
    /// Send a refused reply again / drop it.
    Retry(String),
    Discard(String),
    /// The edge's answer to a reply sent over HTTP: the stored message.
    Posted {
        conversation: String,
        client_id: String,
        result: ApiResult<MessageView>,
    },
    EnableNotifications,
    NotificationsAnswered,
    /// A sound for each new visitor message, on or off (kept per browser).
    ToggleSound,
    /// A new message in a conversation (device socket).
    Received {
        conversation: ConversationView,
        message: MessageView,
    },
    /// The edge stored a reply sent over the socket.
    Acked {
        client_id: String,
        seq: u64,
    },
    /// The edge refused a reply sent over the socket.
    Refused {
        client_id: String,
        reason: String,
    },
    /// This agent's read mark moved (read on another device, or a reply).
    ReadElsewhere {
        conversation: ConversationId,
        seq: u64,
        unread: u64,
    },
    /// A visitor is typing, or stopped (device socket).
    Typing {
        conversation: ConversationId,
        typing: bool,
    },
    /// Time to drop the typing indicators that ran out.
    TypingExpired,
    /// The reply box of a conversation changed (`empty`: nothing in it).
    Drafting {
        conversation: String,
        empty: bool,
    },
    /// The reply box lost the focus.
    DraftLeft,
    /// A visitor is on another page, or wrote from one (device socket).
    Context {
        conversation: ConversationId,
        context: VisitorContext,
    },
}

// ---------------------------------------------------------------- owner

/// The owner's pages.
#[derive(Debug)]
pub enum OwnerMsg {
    /// The URL hash (`#hours`) names the page to show.
    Route(String),
    AgentsLoaded(ApiResult<Vec<AgentView>>),
    GroupsLoaded(ApiResult<Vec<GroupView>>),
    SettingsLoaded(ApiResult<SettingsView>),
    HoursLoaded {
        scope: Option<String>,
        result: ApiResult<LoadedHours>,
    },
    SaveAgent {
        id: String,
        name: String,
        /// Where left messages reach the agent (blank: none).
        email: String,
        groups: Vec<String>,
        create: bool,
    },
    /// The agent as saved; with its token when it was just created.
    AgentSaved {
        form: String,
        result: ApiResult<AgentView>,
    },
    RotateToken(String),
    TokenRotated {
        agent: String,
        result: ApiResult<String>,
    },
    RevokeAgent(String),
    AgentRevoked {
        agent: String,
        result: ApiResult<()>,
    },
    /// First click of a destructive action: ask for a second one.
    Confirm(String),
    DismissToken,
    SaveGroup {
        id: String,
        name: String,
        create: bool,
    },
    GroupSaved {
        form: String,
        result: ApiResult<()>,
    },
    DeleteGroup(String),
    GroupDeleted {
        id: String,
        result: ApiResult<()>,
    },
    HoursScope(Option<String>),
    HoursEdit {
        draft: ScheduleSpec,
        /// The mode as the form shows it (`None`: not known).
        mode: Option<HoursMode>,
        op: HoursOp,
    },
    SaveHours(WorkingHoursBody),
    ClearHours,
    HoursSaved {
        scope: Option<String>,
        cleared: bool,
        result: ApiResult<Option<WorkingHoursView>>,
    },
    SaveSettings(SettingsBody),
    SettingsSaved(ApiResult<SettingsView>),
    EmbedGroup(Option<String>),
    /// The team socket (live agents page).
    Live(LiveEvent),
    /// The saved replies (`GET saved-replies`).
    RepliesLoaded(ApiResult<Vec<SavedReply>>),
    /// The seven days up to this date ("YYYY-MM-DD"; empty: up to now).
    AvailabilityWeek(String),
    AvailabilityLoaded(ApiResult<(HistoryView, InsightsView)>),
    /// A row added to or removed from the saved replies as typed.
    RepliesEdit {
        draft: Vec<SavedReplyBody>,
        remove: Option<usize>,
    },
    SaveReplies(Vec<SavedReplyBody>),
    RepliesSaved(ApiResult<Vec<SavedReply>>),
    /// Set a forgetful agent offline.
    SetOffline(String),
    OfflineSet {
        agent: String,
        result: ApiResult<AgentView>,
    },
    /// Show or hide an agent's signed-in devices.
    ToggleDevices(String),
    DevicesLoaded {
        agent: String,
        result: ApiResult<Vec<DeviceView>>,
    },
    RevokeDevice {
        agent: String,
        device: String,
    },
    DeviceRevoked {
        agent: String,
        result: ApiResult<()>,
    },
    /// The checklist (`GET onboarding`), asked again.
    ReloadChecklist,
    ChecklistLoaded(ApiResult<OnboardingView>),
    /// "We don't use working hours" (or undo it).
    DeclineHours(bool),
    /// The owner answers chats too (on), as `name` in `groups`; or not.
    SaveOwnerAgent {
        on: bool,
        name: String,
        groups: Vec<String>,
    },
    /// The owner's agent as saved (`None`: switched off).
    OwnerAgentSaved(ApiResult<Option<AgentView>>),
    /// To the inbox as the owner's agent (this browser signs in as it
    /// with the owner key first, if it has not yet).
    OpenInbox,
    InboxDevice(ApiResult<DeviceCreated>),
    /// The Webhooks page.
    Webhooks(WebhookMsg),
}

/// The owner's webhook endpoints and signing secret.
#[derive(Debug)]
pub enum WebhookMsg {
    /// Load the list (again: "Check again").
    Load,
    Loaded(ApiResult<Webhooks>),
    /// An endpoint as typed: a new one (`replaces: None`) or the endpoint
    /// it replaces (its id).
    Save {
        replaces: Option<String>,
        endpoint: WebhookBody,
    },
    Remove(String),
    /// The edge's answer to the new list, for the form it came from.
    Saved {
        form: String,
        result: ApiResult<Webhooks>,
    },
    /// Make a new signing secret (it replaces the old one).
    RotateSecret,
    SecretMade(ApiResult<String>),
}

/// One scope's working hours as loaded: its schedule (`None`: none
/// stored) and the mode it acts in, or would act in once saved (the
/// site's mode for a scope without hours; `None` if not known).
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedHours {
    pub spec: Option<ScheduleSpec>,
    pub mode: Option<HoursMode>,
}

/// A structural change to the working-hours draft.
#[derive(Clone, Debug, PartialEq)]
pub enum HoursOp {
    AddInterval(String),
    RemoveInterval(String, usize),
    AddException,
    RemoveException(usize),
    AddExceptionInterval(usize),
    RemoveExceptionInterval(usize, usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn a_sender_posts_every_message_as_a_msg() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        let tx = Sender::new(move |msg| log.borrow_mut().push(format!("{msg:?}")));
        tx.clone().send(SessionMsg::Start);
        tx.send(InboxMsg::Reload);
        assert_eq!(*seen.borrow(), ["Session(Start)", "Inbox(Reload)"]);
    }

    #[test]
    fn auth_errors() {
        let e = |status| ApiError {
            status,
            code: "x".into(),
            message: "No.".into(),
            at: None,
        };
        assert!(e(401).is_auth() && e(403).is_auth());
        assert!(!e(404).is_auth() && !e(0).is_auth());
        assert_eq!(e(401).to_string(), "No.");
    }
}
