//! A runtime restart (an edge of the test's own) mid-conversation loses and
//! duplicates nothing: history, seqs, read marks, idempotent resends, live
//! delivery, and a closed conversation stays closed.

use crate::helpers::conversations::{
    action_ok, agent_action, agent_messages, agent_reply, contact, conversation_id_of,
    device_frame, inbox, list_page, texts, Visitor,
};
use crate::helpers::own_edge;
use presenza_tests::api::{Api, TestSite};

#[test]
fn restart_mid_conversation_loses_and_duplicates_nothing() {
    let mut edge = own_edge("conversations-restart");
    let site = TestSite::create(&edge.url);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    let ann = Visitor::new(&site);
    ann.say_ok("c_1", "First");
    let second = ann.say_ok("c_2", "Second");
    let cid = ann.messages(0).body["conversation_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let r = agent_reply(&giulia, &cid, "r_1", "Reply");
    assert_eq!(r.status, 201, "{}", r.describe());
    device.drop_abruptly();
    let before = ann.messages(0).body;

    edge.restart()
        .unwrap_or_else(|e| panic!("restart the edge: {e}"));
    let api = Api::new(&edge.url);
    let site = TestSite {
        api: api.clone(),
        ..site
    };
    let giulia = site.agent_with_token("giulia", &giulia.token);
    let ann = Visitor { api, ..ann };

    assert_eq!(
        ann.messages(0).body,
        before,
        "the history survives the restart"
    );
    // The widget did not see the ack of c_2: it resends it.
    let again = ann.say("c_2", "Second");
    assert_eq!(again.status, 200, "{}", again.describe());
    assert_eq!(again.body["message"], second, "same seq, no duplicate");
    let r = agent_reply(&giulia, &cid, "r_1", "Reply");
    assert_eq!(r.status, 200, "the agent's resend: {}", r.describe());
    let third = ann.say_ok("c_3", "Third");
    assert_eq!(third["seq"], 4, "seqs continue after the restart: {third}");
    let all = agent_messages(&giulia, &cid, 0);
    assert_eq!(
        texts(&all.body["messages"]),
        vec![
            (1, "visitor".into(), "First".into()),
            (2, "visitor".into(), "Second".into()),
            (3, "agent".into(), "Reply".into()),
            (4, "visitor".into(), "Third".into()),
        ]
    );
    let list = inbox(&giulia);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0]["unread"], 1,
        "the read mark survives: {:?}",
        list[0]
    );
    // Live delivery works after the restart.
    let (mut device, hello) = giulia.device();
    assert_eq!(hello["conversations_waiting"], 1, "{hello}");
    ann.say_ok("c_4", "Fourth");
    device_frame(&mut device, "Fourth");
    device.close();
    edge.stop();
}

#[test]
fn a_closed_conversation_stays_closed_after_a_restart() {
    let mut edge = own_edge("conversations-close-restart");
    let site = TestSite::create(&edge.url);
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let ann = Visitor::new(&site);
    let r = ann.post(&contact("c_1", "Before the restart"));
    assert_eq!(r.status, 201, "{}", r.describe());
    let first = conversation_id_of(&r);
    let closed = action_ok(&giulia, &first, "close");

    edge.restart()
        .unwrap_or_else(|e| panic!("restart the edge: {e}"));
    let api = Api::new(&edge.url);
    let site = TestSite {
        api: api.clone(),
        ..site
    };
    let giulia = site.agent_with_token("giulia", &giulia.token);
    let ann = Visitor { api, ..ann };

    assert!(inbox(&giulia).is_empty());
    assert_eq!(list_page(&giulia, "state=closed").0, vec![first.clone()]);
    let again = action_ok(&giulia, &first, "close");
    assert_eq!(again, closed, "closed, by the same agent, at the same time");
    let history = ann.messages(0);
    assert_eq!(history.body["state"], "closed", "{}", history.body);
    assert_eq!(texts(&history.body["messages"]).len(), 2);
    let r = ann.post(&contact("c_2", "After the restart"));
    assert_eq!(r.status, 201, "{}", r.describe());
    let second = conversation_id_of(&r);
    assert_ne!(second, first);
    let r = agent_action(&giulia, &first, "reopen");
    assert_eq!(
        r.error_code(),
        Some("conversation_conflict"),
        "{}",
        r.describe()
    );
    edge.stop();
}
