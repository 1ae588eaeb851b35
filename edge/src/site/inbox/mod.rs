//! An agent's conversations: the inbox in pages, a conversation's messages,
//! replies (HTTP and device socket), read marks, close and reopen, assign
//! and transfer. Every
//! handler sees only the conversations the agent serves (others are 404).

pub mod assign;
pub mod close;
pub mod list;
pub mod messages;
pub mod read;
pub mod reply;
