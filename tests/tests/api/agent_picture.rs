//! An agent's picture (issue 14): uploaded by the agent (or the owner, for
//! any agent), checked (type by its magic bytes, size, dimensions), stored
//! by the site, served publicly under a versioned URL cached for good (and
//! revalidated by its ETag without the version), told live to the agent's
//! devices and the owner's team view, and carried by the agent's messages
//! so widgets show it.

use crate::helpers::conversations::{agent_reply, contact, conversation_id_of, Visitor};
use crate::helpers::{site, FRAME_WAIT, SHOP};
use presenza_tests::api::{device_protocols, Reply, TestAgent, TestSite};
use presenza_tests::ws::Ws;
use serde_json::{json, Value};
use std::time::Duration;

/// The edge's limits (protocol::limits), as a client reads them in errors.
const MAX_PICTURE_BYTES: usize = 256 * 1024;

/// A valid `w`×`h` RGB PNG of one colour (stored deflate blocks: no
/// compressor needed, and every decoder reads it).
fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    // Each row: filter 0 (none), then its pixels.
    let row: Vec<u8> = std::iter::once(0).chain((0..w).flat_map(|_| rgb)).collect();
    let raw = row.repeat(h as usize);
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap();
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn upload(site: &TestSite, path: &str, token: &str, content_type: &str, bytes: &[u8]) -> Reply {
    site.api.send_raw(
        "PUT",
        &site.path(path),
        Some(token),
        &[("Content-Type", content_type)],
        Some(bytes),
    )
}

fn upload_mine(agent: &TestAgent, site: &TestSite, bytes: &[u8]) -> Reply {
    upload(site, "/agents/me/picture", &agent.token, "image/png", bytes)
}

/// A public GET of the picture: status, headers and the bytes themselves.
fn fetch(
    site: &TestSite,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut req = ureq::get(&format!("{}{}", site.api.base, path));
    for (n, v) in headers {
        req = req.set(n, v);
    }
    let resp = match req.call() {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {path}: {e}"),
    };
    let status = resp.status();
    let names = resp.headers_names();
    let hdrs = names
        .iter()
        .filter_map(|n| {
            resp.header(n)
                .map(|v| (n.to_ascii_lowercase(), v.to_string()))
        })
        .collect();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).expect("the body");
    (status, hdrs, bytes)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn picture_url(site: &TestSite, agent: &str, version: &str) -> String {
    site.path(&format!("/agents/{agent}/picture?v={version}"))
}

#[test]
fn an_agent_uploads_its_picture_and_anyone_gets_it_cached_for_good() {
    let site = site();
    site.settings(json!({ "allowed_origins": [SHOP] }));
    let ann = site.add_agent("ann", "Ann", &[]);
    let picture = png(64, 64, [200, 40, 90]);

    let set = upload_mine(&ann, &site, &picture);
    assert_eq!(set.status, 200, "{}", set.describe());
    let version = set.body["picture"].as_str().expect("a version").to_string();
    assert_eq!(version.len(), 16, "{}", set.body);
    assert_eq!(ann.me().body["agent"]["picture"], version.as_str());
    assert_eq!(
        site.owner_ok("GET", "/agents/ann", None).body["picture"],
        version.as_str()
    );

    // The versioned URL: the bytes as uploaded, cached for good, shown by
    // pages of other origins.
    let url = picture_url(&site, "ann", &version);
    let (status, headers, bytes) = fetch(&site, &url, &[("Origin", SHOP)]);
    assert_eq!(status, 200);
    assert_eq!(bytes, picture);
    assert_eq!(header(&headers, "content-type"), Some("image/png"));
    assert_eq!(
        header(&headers, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        header(&headers, "etag"),
        Some(format!("\"{version}\"").as_str())
    );
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(SHOP));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    assert_eq!(
        header(&headers, "cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert_eq!(header(&headers, "x-presenza-cache"), Some("miss"));

    // Then from this location's cache (the site's object is not asked), with
    // the same bytes and headers, CORS still decided per request.
    let (status, cached, bytes) = fetch(&site, &url, &[("Origin", SHOP)]);
    assert_eq!(status, 200);
    assert_eq!(bytes, picture);
    assert_eq!(header(&cached, "x-presenza-cache"), Some("hit"));
    for name in [
        "content-type",
        "cache-control",
        "etag",
        "access-control-allow-origin",
        "x-content-type-options",
        "cross-origin-resource-policy",
    ] {
        assert_eq!(header(&cached, name), header(&headers, name), "{name}");
    }
    let (status, other, bytes) = fetch(&site, &url, &[("Origin", "https://elsewhere.example")]);
    assert_eq!(
        (status, bytes.len()),
        (200, picture.len()),
        "an <img> shows it anywhere"
    );
    assert_eq!(header(&other, "x-presenza-cache"), Some("hit"));
    assert_eq!(
        header(&other, "access-control-allow-origin"),
        None,
        "not readable by scripts of other origins"
    );
    assert_eq!(header(&other, "vary"), Some("Origin"));
    let etag = format!("\"{version}\"");
    let (status, _, bytes) = fetch(&site, &url, &[("If-None-Match", &etag)]);
    assert_eq!((status, bytes.len()), (304, 0));

    // Without the version: revalidated each time, 304 while unchanged.
    let bare = site.path("/agents/ann/picture");
    let (status, headers, _) = fetch(&site, &bare, &[]);
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), Some("public, no-cache"));
    let (status, headers, bytes) = fetch(&site, &bare, &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    assert!(bytes.is_empty());
    assert_eq!(header(&headers, "etag"), Some(etag.as_str()));

    // A new picture is a new version: the old URL no longer holds for good.
    let newer = png(32, 32, [10, 120, 60]);
    let set = upload_mine(&ann, &site, &newer);
    assert_eq!(set.status, 200, "{}", set.describe());
    let second = set.body["picture"].as_str().unwrap_or_default().to_string();
    assert_ne!(second, version);
    let (status, headers, bytes) = fetch(&site, &url, &[("If-None-Match", &etag)]);
    assert_eq!(status, 200, "the old ETag no longer matches");
    assert_eq!(bytes, newer);
    assert_eq!(header(&headers, "cache-control"), Some("public, no-cache"));
    assert_ne!(
        header(&headers, "x-presenza-cache"),
        Some("hit"),
        "the change dropped the cached copy"
    );
    let (_, headers, bytes) = fetch(&site, &picture_url(&site, "ann", &second), &[]);
    assert_eq!(
        (bytes, header(&headers, "x-presenza-cache")),
        (newer.clone(), Some("miss"))
    );
    let (_, headers, bytes) = fetch(&site, &picture_url(&site, "ann", &second), &[]);
    assert_eq!(
        (bytes, header(&headers, "x-presenza-cache")),
        (newer.clone(), Some("hit"))
    );

    // Removed: 404 with a code, and the views say so.
    let gone = ann.request("DELETE", "/agents/me/picture", None, None);
    assert_eq!(gone.status, 204, "{}", gone.describe());
    assert!(ann.me().body["agent"].get("picture").is_none());
    let r = site.api.get(&bare, None);
    assert_eq!(r.status, 404, "{}", r.describe());
    let r = site.api.get(&picture_url(&site, "ann", &second), None);
    assert_eq!(
        r.status,
        404,
        "removed, so no longer cached: {}",
        r.describe()
    );
    assert_eq!(r.error_code(), Some("picture_not_found"));
    let again = ann.request("DELETE", "/agents/me/picture", None, None);
    assert_eq!(again.status, 204, "removing nothing is fine");
}

#[test]
fn wrong_types_sizes_and_bytes_are_clear_errors() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let ok = png(16, 16, [1, 2, 3]);

    let r = upload(&site, "/agents/me/picture", &ann.token, "image/gif", &ok);
    assert_eq!(r.status, 415, "{}", r.describe());
    assert_eq!(r.error_code(), Some("unsupported_picture_type"));
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("image/webp"));

    let r = upload(&site, "/agents/me/picture", &ann.token, "image/jpeg", &ok);
    assert_eq!(r.status, 422, "a PNG sent as a JPEG: {}", r.describe());
    assert_eq!(r.error_code(), Some("undecodable_picture"));
    let r = upload(
        &site,
        "/agents/me/picture",
        &ann.token,
        "image/png",
        b"not a picture",
    );
    assert_eq!(r.status, 422, "{}", r.describe());
    assert_eq!(r.error_code(), Some("undecodable_picture"));
    let r = upload(
        &site,
        "/agents/me/picture",
        &ann.token,
        "image/png",
        &ok[..20],
    );
    assert_eq!(r.status, 422, "a cut header: {}", r.describe());

    let r = upload_mine(&ann, &site, &png(600, 20, [0, 0, 0]));
    assert_eq!(r.status, 422, "{}", r.describe());
    assert_eq!(r.error_code(), Some("picture_dimensions"));
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("512×512"));

    let mut huge = ok.clone();
    huge.resize(MAX_PICTURE_BYTES + 1, 0);
    let r = upload_mine(&ann, &site, &huge);
    assert_eq!(r.status, 413, "{}", r.describe());
    assert_eq!(r.error_code(), Some("picture_too_large"));
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains(&MAX_PICTURE_BYTES.to_string()));
    // Just under the limit passes the size check (and is a valid PNG
    // header with trailing bytes, which the edge stores as sent).
    let mut big = ok.clone();
    big.resize(MAX_PICTURE_BYTES, 0);
    let r = upload_mine(&ann, &site, &big);
    assert_eq!(r.status, 200, "{}", r.describe());

    // Nothing refused was stored.
    let version = r.body["picture"].as_str().unwrap_or_default();
    let (status, _, bytes) = fetch(&site, &picture_url(&site, "ann", version), &[]);
    assert_eq!((status, bytes.len()), (200, MAX_PICTURE_BYTES));
    let r = site
        .api
        .get(&site.path("/agents/ann/picture?v=nothex"), None);
    assert_eq!(r.status, 400, "{}", r.describe());
    assert_eq!(r.error_code(), Some("invalid_query"));
    let r = site.api.get(&site.path("/agents/nobody/picture"), None);
    assert_eq!(r.status, 404, "{}", r.describe());
}

#[test]
fn an_agent_changes_only_its_own_and_the_owner_any() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let bob = site.add_agent("bob", "Bob", &[]);
    let pic = png(8, 8, [9, 9, 9]);

    // Bob's token cannot reach Ann's picture: those are owner routes.
    let r = upload(&site, "/agents/ann/picture", &bob.token, "image/png", &pic);
    assert!(matches!(r.status, 401 | 403), "{}", r.describe());
    let r = bob.request("DELETE", "/agents/ann/picture", None, None);
    assert!(matches!(r.status, 401 | 403), "{}", r.describe());
    // Without a credential, nothing.
    let r = site.api.send_raw(
        "PUT",
        &site.path("/agents/me/picture"),
        None,
        &[("Content-Type", "image/png")],
        Some(&pic),
    );
    assert_eq!(r.status, 401, "{}", r.describe());
    // Bob's own upload changes Bob only.
    assert_eq!(upload_mine(&bob, &site, &pic).status, 200);
    assert!(ann.me().body["agent"].get("picture").is_none());

    // The owner sets and removes Ann's.
    let r = upload(
        &site,
        "/agents/ann/picture",
        &site.owner_key,
        "image/png",
        &pic,
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.body["id"], "ann");
    assert!(ann.me().body["agent"]["picture"].is_string());
    let r = site.owner("DELETE", "/agents/ann/picture", None);
    assert_eq!(r.status, 204, "{}", r.describe());
    assert!(ann.me().body["agent"].get("picture").is_none());
    let r = upload(
        &site,
        "/agents/nobody/picture",
        &site.owner_key,
        "image/png",
        &pic,
    );
    assert_eq!(r.status, 404, "{}", r.describe());
    assert_eq!(r.error_code(), Some("agent_not_found"));

    // The owner's own agent too.
    let made = site.owner(
        "PUT",
        "/owner-agent",
        Some(&json!({ "name": "Olga", "groups": [] })),
    );
    assert_eq!(made.status, 201, "{}", made.describe());
    let r = upload(
        &site,
        "/agents/owner/picture",
        &site.owner_key,
        "image/png",
        &pic,
    );
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.body["id"], "owner");

    // A deleted agent's picture goes with it.
    assert_eq!(site.owner("DELETE", "/agents/bob", None).status, 204);
    let r = site.api.get(&site.path("/agents/bob/picture"), None);
    assert_eq!(r.status, 404, "{}", r.describe());
}

#[test]
fn a_new_picture_reaches_the_agents_devices_the_team_view_and_its_messages() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let (mut device, _) = ann.device();
    let mut team = Ws::connect(
        &site.api.base,
        &site.path("/team"),
        &[("Sec-WebSocket-Protocol", &device_protocols(&site.owner_key))],
    )
    .unwrap_or_else(|e| panic!("open the team socket: {e}"));
    team.expect(FRAME_WAIT, "the first team frame", |v| v["type"] == "team");

    let set = upload_mine(&ann, &site, &png(20, 20, [0, 90, 200]));
    assert_eq!(set.status, 200, "{}", set.describe());
    let version = set.body["picture"].as_str().unwrap_or_default().to_string();
    let has = |v: &Value| v["picture"] == version.as_str();
    device.expect(FRAME_WAIT, "agent_status with the picture", |f| {
        f["type"] == "agent_status" && has(&f["agent"])
    });
    team.expect(FRAME_WAIT, "team with the picture", |f| {
        f["type"] == "team" && f["agents"].as_array().is_some_and(|a| a.iter().any(&has))
    });

    // Its messages carry it (the widget's header and the inbox show it).
    let visitor = Visitor::new(&site);
    let sent = visitor.post(&contact("c1", "Hello?"));
    assert_eq!(sent.status, 201, "{}", sent.describe());
    let reply = agent_reply(&ann, &conversation_id_of(&sent), "r1", "Hi!");
    assert_eq!(reply.status, 201, "{}", reply.describe());
    assert_eq!(reply.body["message"]["agent"]["picture"], version.as_str());
    let thread = visitor.messages(0);
    let agent_message = thread.body["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["from"] == "agent"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        agent_message["agent"]["picture"],
        version.as_str(),
        "{}",
        thread.body
    );

    // Removed: the next frames say so, and the messages show none.
    assert_eq!(
        ann.request("DELETE", "/agents/me/picture", None, None)
            .status,
        204
    );
    device.expect(FRAME_WAIT, "agent_status without the picture", |f| {
        f["type"] == "agent_status" && f["agent"].get("picture").is_none()
    });
    let thread = visitor.messages(0);
    assert!(
        thread.body["messages"]
            .as_array()
            .is_some_and(|m| m.iter().all(|m| m["agent"].get("picture").is_none())),
        "{}",
        thread.body
    );
    device.close();
    team.close();
}

#[test]
fn open_widgets_show_the_new_picture_of_the_agent_in_their_header_at_once() {
    let site = site();
    let ann = site.add_agent("ann", "Ann", &[]);
    let bob = site.add_agent("bob", "Bob", &[]);
    // Ann answered the first visitor, Bob the second.
    let served = Visitor::new(&site);
    let first = served.post(&contact("c1", "Hello?"));
    let conversation = conversation_id_of(&first);
    assert_eq!(agent_reply(&ann, &conversation, "r1", "Hi!").status, 201);
    let other = Visitor::new(&site);
    let second = other.post(&contact("c2", "Hello?"));
    assert_eq!(
        agent_reply(&bob, &conversation_id_of(&second), "r2", "Hi!").status,
        201
    );
    let (mut tab, _) = served.socket(None, true);
    let (mut other_tab, _) = other.socket(None, true);

    let set = upload_mine(&ann, &site, &png(20, 20, [200, 90, 0]));
    assert_eq!(set.status, 200, "{}", set.describe());
    let version = set.body["picture"].as_str().unwrap_or_default().to_string();
    let header = tab.expect(FRAME_WAIT, "an agent frame", |f| f["type"] == "agent");
    assert_eq!(header["conversation_id"], conversation.as_str());
    assert_eq!(header["agent"]["id"], "ann");
    assert_eq!(header["agent"]["name"], "Ann");
    assert_eq!(header["agent"]["picture"], version.as_str());

    // Removed: the header shows Ann's initial again.
    assert_eq!(
        ann.request("DELETE", "/agents/me/picture", None, None)
            .status,
        204
    );
    let header = tab.expect(FRAME_WAIT, "an agent frame without a picture", |f| {
        f["type"] == "agent"
    });
    assert_eq!(header["agent"]["id"], "ann");
    assert!(header["agent"].get("picture").is_none(), "{header}");

    // Bob's visitor sees Bob: nothing for them.
    assert!(
        std::iter::from_fn(|| other_tab.next_json(Duration::from_millis(300)))
            .all(|f| f["type"] != "agent"),
        "Bob's visitor was told about Ann"
    );

    // Bob hands his visitor to Ann: their header shows Ann, with her
    // picture (the `assigned` note names her only).
    let set = upload_mine(&ann, &site, &png(20, 20, [0, 160, 90]));
    assert_eq!(set.status, 200, "{}", set.describe());
    let version = set.body["picture"].as_str().unwrap_or_default().to_string();
    let handed = bob.request(
        "POST",
        &format!("/conversations/{}/assign", conversation_id_of(&second)),
        None,
        Some(&json!({ "agent": "ann" })),
    );
    assert_eq!(handed.status, 200, "{}", handed.describe());
    let header = other_tab.expect(FRAME_WAIT, "an agent frame for Ann", |f| {
        f["type"] == "agent"
    });
    assert_eq!(header["agent"]["id"], "ann");
    assert_eq!(header["agent"]["picture"], version.as_str());
    // A widget that loads now is told too (the thread names her), even
    // from a page of messages after the note.
    for after in [0, 10] {
        let thread = other.messages(after);
        assert_eq!(thread.status, 200, "{}", thread.describe());
        assert_eq!(thread.body["agent"]["id"], "ann", "{}", thread.body);
        assert_eq!(thread.body["agent"]["picture"], version.as_str());
    }
    assert_eq!(served.messages(0).body["agent"]["id"], "ann");
    tab.close();
    other_tab.close();
}
