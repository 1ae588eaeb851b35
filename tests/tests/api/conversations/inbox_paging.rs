//! The agent's inbox: filtered by state (open: waiting first, then answered;
//! closed: most recently closed first; all), in pages of any size that add
//! up to the same lists.

use crate::helpers::conversations::{
    action_ok, agent_reply, all_pages, conversation_id_of, list_page, Visitor,
};
use crate::helpers::site;
use std::time::Duration;

#[test]
fn lists_filter_by_state_and_come_in_pages() {
    let site = site();
    let giulia = site.add_agent("giulia", "Giulia", &[]);
    let (device, _) = giulia.device();
    site.wait_status(None, "online", Duration::from_secs(5));
    let mut ids = Vec::new();
    for i in 0..7 {
        let v = Visitor::new(&site);
        let r = v.say("c_1", &format!("Question {i}"));
        assert_eq!(r.status, 201, "{}", r.describe());
        ids.push(conversation_id_of(&r));
        std::thread::sleep(Duration::from_millis(5));
    }
    // Two answered (not waiting), three closed (in this order).
    for id in &ids[0..2] {
        assert_eq!(agent_reply(&giulia, id, "r_1", "Answer").status, 201);
    }
    for id in [&ids[2], &ids[5], &ids[3]] {
        action_ok(&giulia, id, "close");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Open: waiting first (most recent first), then the answered ones.
    let open = list_page(&giulia, "state=open").0;
    assert_eq!(
        open,
        vec![
            ids[6].clone(),
            ids[4].clone(),
            ids[1].clone(),
            ids[0].clone()
        ]
    );
    assert_eq!(list_page(&giulia, "").0, open, "open is the default");
    // Closed: most recently closed first.
    let closed = list_page(&giulia, "state=closed").0;
    assert_eq!(closed, vec![ids[3].clone(), ids[5].clone(), ids[2].clone()]);
    let all = list_page(&giulia, "state=all").0;
    assert_eq!(all, [open.clone(), closed.clone()].concat());
    // Pages of every size give the same lists.
    for limit in [1, 2, 3, 7] {
        assert_eq!(
            all_pages(&giulia, "state=open", limit),
            open,
            "limit {limit}"
        );
        assert_eq!(
            all_pages(&giulia, "state=closed", limit),
            closed,
            "limit {limit}"
        );
        assert_eq!(all_pages(&giulia, "state=all", limit), all, "limit {limit}");
    }
    let (first, next) = list_page(&giulia, "state=all&limit=4");
    assert_eq!(first, open);
    assert!(next.is_some(), "closed ones follow");
    let (_, next) = list_page(&giulia, "state=all&limit=7");
    assert!(next.is_none(), "the last page has no cursor");
    // Bad queries.
    for query in ["state=nope", "limit=0", "limit=201", "cursor=xyz"] {
        let r = giulia.request("GET", &format!("/conversations?{query}"), None, None);
        assert_eq!(r.status, 400, "{query}: {}", r.describe());
        assert_eq!(r.error_code(), Some("invalid_query"), "{query}");
    }
    device.close();
}
