//! `cargo xtask run` is quiet (issue 14, item 7): the runtime prints no
//! error and no stack trace when it starts offline or when browsers close
//! their sockets in every way they do (a close frame with or without a
//! code, going away, the connection dropped). A newcomer reads any of
//! these as a crash.

use crate::helpers::{own_edge, FRAME_WAIT};
use presenza_tests::api::{device_protocols, TestSite};
use presenza_tests::ws::Ws;
use std::time::Duration;

#[test]
fn the_edge_says_nothing_when_all_is_well() {
    let edge = own_edge("quiet");
    let site = TestSite::create(&edge.url);
    let ann = site.add_agent("ann", "Ann", &[]);
    for _ in 0..2 {
        let (visitor, _) = site.live(None);
        visitor.close();
        let (visitor, _) = site.live(None);
        visitor.drop_abruptly();
        let (device, _) = ann.device();
        device.close();
        let (device, _) = ann.device();
        device.drop_abruptly();
        let mut team = Ws::connect(
            &site.api.base,
            &site.path("/team"),
            &[("Sec-WebSocket-Protocol", &device_protocols(&site.owner_key))],
        )
        .unwrap_or_else(|e| panic!("team socket: {e}"));
        team.expect(FRAME_WAIT, "team", |v| v["type"] == "team");
        team.drop_abruptly();
    }
    std::thread::sleep(Duration::from_secs(2));
    let log = std::fs::read_to_string(edge.log_path()).unwrap_or_default();
    let noisy: Vec<&str> = log
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("at ") || l.contains("Error") || l.contains("ERROR") || l.contains("✘")
        })
        .collect();
    assert!(
        noisy.is_empty(),
        "the edge's output should be quiet:\n{log}"
    );
}
