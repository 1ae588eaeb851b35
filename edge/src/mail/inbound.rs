//! A received e-mail (RFC 5322 / MIME) as a chat message: its Message-ID,
//! its sender's address and the text the sender wrote, without the mail
//! they answered or their signature. Pure and byte-based, so that every
//! shape of mail is tested natively.
//!
//! What it reads: headers (folded lines, any case), `multipart/*` to any
//! reasonable depth (the first `text/plain` part that is not an attachment
//! wins; a `text/html` part is the fallback, its tags stripped), the
//! transfer encodings `base64`, `quoted-printable`, `7bit`, `8bit` and
//! `binary`, the charsets UTF-8, ISO-8859-1 (and US-ASCII, windows-1252;
//! anything else is read as UTF-8, replacing what does not decode), and
//! `format=flowed`. What it cuts ([`strip_reply`]): the quoted mail
//! ("On … wrote:" in several languages, lines starting with `>`, Outlook's
//! "-----Original Message-----", its underscore rule and its
//! `From:`/`Sent:` block), the signature (`-- `) and a mobile client's
//! "Sent from my …" line.

/// What a received e-mail says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inbound {
    /// `Message-ID`, without its angle brackets.
    pub message_id: Option<String>,
    /// The address in `From` (without the display name).
    pub from: Option<String>,
    /// What the sender wrote: the text part, decoded, quotes and signature
    /// cut, trimmed (empty when nothing is left).
    pub text: String,
}

/// Parts nested deeper than this are not read (a hostile mail cannot
/// recurse forever).
const MAX_DEPTH: usize = 8;

/// Reads a raw e-mail.
pub fn parse(raw: &[u8]) -> Inbound {
    let (headers, body) = split_head(raw);
    let message_id = header(&headers, "message-id")
        .map(|v| {
            v.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .trim()
                .to_string()
        })
        .filter(|v| !v.is_empty());
    let from = header(&headers, "from").and_then(|v| address_in(&v));
    let text = match find_text(&headers, body, 0) {
        Some(Found::Plain(t)) => strip_reply(&t),
        Some(Found::Html(h)) => strip_reply(&html_to_text(&h)),
        None => String::new(),
    };
    Inbound {
        message_id,
        from,
        text,
    }
}

/// The address of an address header's first mailbox: `Name <a@b>` or
/// `a@b`, lowercase domain kept as given.
pub fn address_in(value: &str) -> Option<String> {
    let candidate = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value
            .split(|c: char| c.is_whitespace() || c == ',')
            .find(|w| w.contains('@'))?,
    };
    let address = candidate.trim().trim_matches(|c| c == '"' || c == '\'');
    let (local, domain) = address.rsplit_once('@')?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then(|| address.to_string())
}

/// One header line, unfolded: `(lowercase name, value)`.
type Header = (String, String);

/// Headers and body: split at the first empty line (CRLF or LF).
fn split_head(raw: &[u8]) -> (Vec<Header>, &[u8]) {
    let mut end = raw.len();
    let mut body_at = raw.len();
    let mut i = 0;
    while i < raw.len() {
        if raw[i..].starts_with(b"\r\n\r\n") {
            (end, body_at) = (i, i + 4);
            break;
        }
        if raw[i..].starts_with(b"\n\n") {
            (end, body_at) = (i, i + 2);
            break;
        }
        i += 1;
    }
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut headers: Vec<Header> = Vec::new();
    for line in head.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    (headers, &raw[body_at.min(raw.len())..])
}

fn header(headers: &[Header], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// A `Content-Type`-like value: the lowercase value and its parameters
/// (lowercase names, unquoted values).
fn structured(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        match c {
            _ if escaped => {
                current.push(c);
                escaped = false;
            }
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    let mut parts = parts.into_iter();
    let main = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect();
    (main, params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

enum Found {
    Plain(String),
    Html(String),
}

/// The text of an entity: its first readable `text/plain` part, else its
/// first `text/html` part.
fn find_text(headers: &[Header], body: &[u8], depth: usize) -> Option<Found> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (kind, params) = header(headers, "content-type")
        .map(|v| structured(&v))
        .unwrap_or_else(|| ("text/plain".to_string(), Vec::new()));
    let attachment =
        header(headers, "content-disposition").is_some_and(|v| structured(&v).0 == "attachment");
    if kind.starts_with("multipart/") {
        let boundary = param(&params, "boundary")?;
        let mut html = None;
        for part in multipart_parts(body, boundary) {
            let (h, b) = split_head(part);
            match find_text(&h, b, depth + 1) {
                Some(Found::Plain(t)) => return Some(Found::Plain(t)),
                Some(Found::Html(t)) if html.is_none() => html = Some(t),
                _ => {}
            }
        }
        return html.map(Found::Html);
    }
    if attachment || !(kind == "text/plain" || kind == "text/html") {
        return None;
    }
    let encoding = header(headers, "content-transfer-encoding")
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "base64" => decode_base64(body),
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_vec(),
    };
    let mut text = decode_charset(&bytes, param(&params, "charset").unwrap_or("utf-8"));
    text = text.replace("\r\n", "\n").replace('\r', "\n");
    if kind == "text/html" {
        return Some(Found::Html(text));
    }
    if param(&params, "format").is_some_and(|f| f.eq_ignore_ascii_case("flowed")) {
        let delsp = param(&params, "delsp").is_some_and(|d| d.eq_ignore_ascii_case("yes"));
        text = unflow(&text, delsp);
    }
    Some(Found::Plain(text))
}

/// The parts of a multipart body: what lies between its `--boundary`
/// lines, up to the closing `--boundary--` (preamble and epilogue left out).
fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Vec<&'a [u8]> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut line_start = 0;
    while line_start < body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| line_start + p);
        let line = &body[line_start..line_end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(delimiter) {
            let rest = &line[delimiter.len()..];
            let closing = rest.starts_with(b"--");
            if closing || rest.iter().all(u8::is_ascii_whitespace) {
                if let Some(s) = start {
                    // The line break before a delimiter belongs to it.
                    let mut end = line_start;
                    if end > s && body[end - 1] == b'\n' {
                        end -= 1;
                        if end > s && body[end - 1] == b'\r' {
                            end -= 1;
                        }
                    }
                    parts.push(&body[s..end.max(s)]);
                }
                if closing {
                    return parts;
                }
                start = Some((line_end + 1).min(body.len()));
            }
        }
        line_start = line_end + 1;
    }
    // No closing delimiter: the last part runs to the end.
    if let Some(s) = start {
        parts.push(&body[s..]);
    }
    parts
}

/// Base64, ignoring line breaks and anything outside the alphabet.
pub fn decode_base64(input: &[u8]) -> Vec<u8> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in input {
        if c == b'=' {
            break;
        }
        let Some(v) = value(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable: `=XX` bytes, `=` at a line's end joins it to the next.
pub fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        if c != b'=' {
            out.push(c);
            i += 1;
            continue;
        }
        let rest = &input[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let (Some(h), Some(l)) = (
            rest.first().copied().and_then(hex),
            rest.get(1).copied().and_then(hex),
        ) {
            out.push(h << 4 | l);
            i += 3;
        } else {
            // A soft break followed by trailing spaces, or a stray `=`.
            let spaces = rest
                .iter()
                .take_while(|&&b| b == b' ' || b == b'\t')
                .count();
            let after = &rest[spaces..];
            if after.starts_with(b"\r\n") {
                i += 1 + spaces + 2;
            } else if after.starts_with(b"\n") {
                i += 1 + spaces + 1;
            } else {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Bytes in a named charset as text.
pub fn decode_charset(bytes: &[u8], charset: &str) -> String {
    let name = charset.trim().trim_matches('"').to_ascii_lowercase();
    match name.as_str() {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso_8859-1" | "us-ascii"
        | "ascii" => bytes.iter().map(|&b| char::from(b)).collect(),
        "windows-1252" | "cp1252" => bytes.iter().map(|&b| windows_1252(b)).collect(),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// windows-1252: ISO-8859-1 but for 0x80–0x9F.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// `format=flowed` (RFC 3676): a line ending in a space continues on the
/// next; space-stuffing removed; the signature line `-- ` stays a line.
fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut continuing = false;
    for raw in text.split('\n') {
        let line = raw.strip_prefix(' ').unwrap_or(raw);
        let soft = line.ends_with(' ') && line != "-- ";
        if !continuing && !out.is_empty() {
            out.push('\n');
        }
        if soft {
            out.push_str(if delsp { &line[..line.len() - 1] } else { line });
        } else {
            out.push_str(line);
        }
        continuing = soft;
    }
    out
}

/// An HTML body as plain text: the quoted mail (a `blockquote`, Gmail's
/// `gmail_quote`) cut, scripts and styles dropped, block ends as line
/// breaks, tags removed, the common entities decoded.
pub fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let cut = [
        "<blockquote",
        "class=\"gmail_quote",
        "id=\"divrplyfwdmsg",
        "id=\"appendonsend",
    ]
    .iter()
    .filter_map(|m| lower.find(m))
    .map(|at| lower[..at].rfind('<').unwrap_or(at))
    .min()
    .unwrap_or(html.len());
    let html = &html[..cut];
    let lower = &lower[..cut];
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    while i < html.len() {
        let rest = &html[i..];
        if rest.starts_with('<') {
            let tag_end = rest.find('>').map_or(html.len(), |e| i + e + 1);
            let tag = &lower[i..tag_end.min(lower.len())];
            let name: String = tag
                .trim_start_matches('<')
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if (name == "script" || name == "style") && !tag.starts_with("</") {
                let close = format!("</{name}");
                i = lower[tag_end.min(lower.len())..]
                    .find(&close)
                    .map_or(html.len(), |p| tag_end + p);
                continue;
            }
            let block = matches!(
                name.as_str(),
                "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            );
            if block && (name == "br" || tag.starts_with("</")) {
                out.push('\n');
            }
            i = tag_end;
            continue;
        }
        let next = rest.find('<').map_or(html.len(), |p| i + p);
        out.push_str(&html[i..next]);
        i = next;
    }
    let collapsed: Vec<String> = decode_entities(&out)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    collapsed.join("\n")
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest[..rest.len().min(12)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The verbs of an attribution line ("On Mon, … Ann <a@b> wrote:") in the
/// languages of the widget, and how such a line starts.
const ATTRIBUTION_VERBS: [&str; 9] = [
    "wrote",
    "a écrit",
    "schrieb",
    "escribió",
    "ha scritto",
    "escreveu",
    "schreef",
    "napisał",
    "skrev",
];
const ATTRIBUTION_STARTS: [&str; 8] = ["on ", "le ", "am ", "el ", "il ", "em ", "op ", "den "];

/// Whether a lowercase line is an attribution: it ends with a colon, has
/// the verb, and starts like one or names an address.
fn is_attribution(line: &str) -> bool {
    line.ends_with(':')
        && ATTRIBUTION_VERBS.iter().any(|v| line.contains(v))
        && (ATTRIBUTION_STARTS.iter().any(|s| line.starts_with(s)) || line.contains('@'))
}

/// The lines a sender wrote: cut at the first sign of the mail they
/// answered or of their signature; quoted (`>`) lines dropped; blank runs
/// collapsed; trimmed.
pub fn strip_reply(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if ends_reply(&lines, i) {
            break;
        }
        if trimmed.starts_with('>') {
            continue;
        }
        kept.push(line.trim_end());
    }
    // A mobile client's last line.
    while let Some(last) = kept.iter().rposition(|l| !l.trim().is_empty()) {
        let l = kept[last].trim();
        if l.starts_with("Sent from my ") || l.starts_with("Get Outlook for ") {
            kept.truncate(last);
        } else {
            break;
        }
    }
    let mut out = String::new();
    let mut blank_run = 0;
    for line in kept {
        if line.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string()
}

/// Whether line `i` starts what the sender did not write now: a signature
/// separator, an attribution line (on one or two lines), a forwarded or
/// original message separator, Outlook's header block.
fn ends_reply(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    let trimmed = line.trim();
    if line == "-- " || line == "--" {
        return true;
    }
    let lower = trimmed.to_lowercase();
    if is_attribution(&lower) {
        return true;
    }
    // An attribution wrapped over two lines ("On … Ann <\nann@x> wrote:").
    if let Some(next) = lines.get(i + 1) {
        let next = next.trim().to_lowercase();
        if ATTRIBUTION_STARTS.iter().any(|s| lower.starts_with(s))
            && !next.starts_with('>')
            && is_attribution(&format!("{lower} {next}"))
        {
            return true;
        }
    }
    let dashes = trimmed.starts_with("-----") || trimmed.starts_with("— ");
    if dashes
        && [
            "original",
            "forwarded",
            "ursprüngliche",
            "weitergeleitete",
            "message d'origine",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        return true;
    }
    if trimmed.len() >= 20 && trimmed.chars().all(|c| c == '_') {
        return true;
    }
    // Outlook's block: "From: …" followed by "Sent:"/"Date:"/"To:"/"Subject:".
    let header_line = |s: &str| {
        let s = s.trim_start_matches('*').trim().to_lowercase();
        [
            "sent:",
            "date:",
            "to:",
            "subject:",
            "cc:",
            "gesendet:",
            "envoyé :",
            "enviado:",
        ]
        .iter()
        .any(|h| s.starts_with(h))
    };
    let from_line = lower.trim_start_matches('*').trim();
    if ["from:", "von:", "de :", "de:", "da:"]
        .iter()
        .any(|f| from_line.starts_with(f))
        && lines.iter().skip(i + 1).take(3).any(|l| header_line(l))
    {
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(headers: &str, body: &str) -> Vec<u8> {
        format!("{headers}\r\n\r\n{body}").into_bytes()
    }

    const HEAD: &str = "From: Ann Lee <ann@bottega.example>\r\nTo: reply+x@presenza.test\r\nMessage-ID: <abc@mail.example>\r\nSubject: Re: hi";

    #[test]
    fn a_plain_mail() {
        let m = parse(&mail(HEAD, "Yes, in size 42.\r\n"));
        assert_eq!(m.message_id.as_deref(), Some("abc@mail.example"));
        assert_eq!(m.from.as_deref(), Some("ann@bottega.example"));
        assert_eq!(m.text, "Yes, in size 42.");
    }

    #[test]
    fn headers_fold_and_any_case() {
        let raw = b"fROM: \"Lee, Ann\"\r\n <ann@bottega.example>\r\nmessage-id:\r\n  <folded@x>\r\n\r\nHi";
        let m = parse(raw);
        assert_eq!(m.from.as_deref(), Some("ann@bottega.example"));
        assert_eq!(m.message_id.as_deref(), Some("folded@x"));
        assert_eq!(m.text, "Hi");
    }

    #[test]
    fn lf_only_mail_and_no_body() {
        let m = parse(b"From: a@b.example\nMessage-ID: <1@b>\n\nLine one\nLine two\n");
        assert_eq!(m.text, "Line one\nLine two");
        let m = parse(b"From: a@b.example\nMessage-ID: <1@b>\n");
        assert_eq!(m.text, "");
        assert_eq!(parse(b"").text, "");
        assert_eq!(parse(b"").message_id, None);
    }

    #[test]
    fn addresses() {
        assert_eq!(address_in("a@b.example").as_deref(), Some("a@b.example"));
        assert_eq!(
            address_in("Ann <Ann@B.example>").as_deref(),
            Some("Ann@B.example")
        );
        assert_eq!(
            address_in("\"x <y>\" <real@b.example>").as_deref(),
            Some("real@b.example")
        );
        assert_eq!(
            address_in("ann@b.example (Ann)").as_deref(),
            Some("ann@b.example")
        );
        assert_eq!(address_in("Ann"), None);
        assert_eq!(address_in("<@b>"), None);
        assert_eq!(address_in("<a@localhost>"), None);
    }

    #[test]
    fn multipart_alternative_prefers_plain_text() {
        let body = "preamble\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML version</p>\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain version\r\n--b1--\r\nepilogue";
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: multipart/alternative; boundary=\"b1\""),
            body,
        ));
        assert_eq!(m.text, "Plain version");
    }

    #[test]
    fn nested_multipart_and_attachments() {
        let body = concat!(
            "--outer\r\n",
            "Content-Type: multipart/alternative; boundary=inner\r\n\r\n",
            "--inner\r\nContent-Type: text/plain\r\n\r\nInside\r\n",
            "--inner\r\nContent-Type: text/html\r\n\r\n<b>Inside</b>\r\n--inner--\r\n",
            "--outer\r\nContent-Type: text/plain; name=a.txt\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nATTACHED\r\n",
            "--outer--\r\n"
        );
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: multipart/mixed; boundary=outer"),
            body,
        ));
        assert_eq!(m.text, "Inside");
        // Only an attachment: no text.
        let only =
            "--o\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nX\r\n--o--";
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: multipart/mixed; boundary=o"),
            only,
        ));
        assert_eq!(m.text, "");
    }

    #[test]
    fn a_multipart_without_closing_or_boundary() {
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: multipart/mixed; boundary=o"),
            "--o\r\nContent-Type: text/plain\r\n\r\nCut short",
        ));
        assert_eq!(m.text, "Cut short");
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: multipart/mixed"),
            "--o\r\n\r\nx",
        ));
        assert_eq!(m.text, "");
    }

    #[test]
    fn deep_nesting_stops() {
        let mut body = String::new();
        for d in 0..20 {
            body.push_str(&format!(
                "--b{d}\r\nContent-Type: multipart/mixed; boundary=b{}\r\n\r\n",
                d + 1
            ));
        }
        body.push_str("--b20\r\nContent-Type: text/plain\r\n\r\nToo deep\r\n");
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: multipart/mixed; boundary=b0"),
            &body,
        ));
        assert_eq!(m.text, "");
    }

    #[test]
    fn base64_utf8() {
        // "Grüße, ça va ✓\n"
        let m = parse(&mail(
            &format!(
                "{HEAD}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64"
            ),
            "R3LDvMOfZSwgw6dhIHZhIOKckwo=\r\n",
        ));
        assert_eq!(m.text, "Grüße, ça va ✓");
        assert_eq!(decode_base64(b"aGk"), b"hi");
        assert_eq!(decode_base64(b"aG\r\nk="), b"hi");
        assert_eq!(decode_base64(b"!!!"), b"");
    }

    #[test]
    fn quoted_printable_latin1() {
        let m = parse(&mail(
            &format!(
                "{HEAD}\r\nContent-Type: text/plain; charset=\"ISO-8859-1\"\r\nContent-Transfer-Encoding: quoted-printable"
            ),
            "Gr=FC=DFe aus M=FCnchen, =\r\nein langer Satz.=20\r\n",
        ));
        assert_eq!(m.text, "Grüße aus München, ein langer Satz.");
        assert_eq!(decode_quoted_printable(b"a=3Db"), b"a=b");
        assert_eq!(decode_quoted_printable(b"a= \r\nb"), b"ab");
        assert_eq!(decode_quoted_printable(b"100=%"), b"100=%");
        assert_eq!(decode_quoted_printable(b"end="), b"end=");
    }

    #[test]
    fn base64_latin1_and_8bit_latin1() {
        // "Ça coûte 10 €?" is not latin-1; "Ça coûte 10 F" is: base64 of its bytes.
        let bytes: Vec<u8> = "Ça coûte 10 F".chars().map(|c| c as u8).collect();
        let b64 = encode_b64(&bytes);
        let m = parse(&mail(
            &format!(
                "{HEAD}\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64"
            ),
            &b64,
        ));
        assert_eq!(m.text, "Ça coûte 10 F");
        let mut raw =
            format!("{HEAD}\r\nContent-Type: text/plain; charset=latin1\r\n\r\n").into_bytes();
        raw.extend_from_slice(b"o\xf9 \xe8");
        assert_eq!(parse(&raw).text, "où è");
    }

    fn encode_b64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b))
                << (8 * (3 - chunk.len()));
            for k in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
            }
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
        out
    }

    #[test]
    fn charsets() {
        assert_eq!(decode_charset(b"\x80 \x93x\x94", "windows-1252"), "€ “x”");
        assert_eq!(decode_charset(b"\xe9", "ISO-8859-1"), "é");
        assert_eq!(decode_charset("é".as_bytes(), "utf-8"), "é");
        assert_eq!(decode_charset(b"\xff", "utf-8"), "\u{fffd}");
        assert_eq!(decode_charset("é".as_bytes(), "x-unknown"), "é");
    }

    #[test]
    fn an_unknown_or_binary_type_is_no_text() {
        let m = parse(&mail(&format!("{HEAD}\r\nContent-Type: image/png"), "PNG"));
        assert_eq!(m.text, "");
    }

    #[test]
    fn html_only_is_stripped() {
        let html = "<html><head><style>p{color:red}</style></head><body><p>Hello &amp; welcome,</p><div>size&nbsp;42 &lt;ok&gt; &#233;&#x2713;</div><script>alert(1)</script>Bye<br>Ann</body></html>";
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: text/html; charset=utf-8"),
            html,
        ));
        assert_eq!(m.text, "Hello & welcome,\nsize 42 <ok> é✓\nBye\nAnn");
    }

    #[test]
    fn html_quotes_are_cut() {
        let html = "<div dir=\"ltr\">Yes we do</div><br><div class=\"gmail_quote\"><div>On Mon, Ann wrote:</div><blockquote>Old</blockquote></div>";
        assert_eq!(strip_reply(&html_to_text(html)), "Yes we do");
        let outlook = "<p>Sure</p><div id=\"divRplyFwdMsg\"><b>From:</b> x</div>";
        assert_eq!(strip_reply(&html_to_text(outlook)), "Sure");
        assert_eq!(
            html_to_text("a & b &bogus; &#xZZ; <unclosed"),
            "a & b &bogus; &#xZZ;"
        );
    }

    #[test]
    fn gmail_attribution_and_quotes() {
        let body = "Yes, we open at 10.\n\nOn Sat, Dec 5, 2026 at 10:02 AM Bottega <notifications@presenza.test> wrote:\n> Eva left a message\n> Is it open?\n";
        assert_eq!(strip_reply(body), "Yes, we open at 10.");
        let wrapped = "Yes.\n\nOn Sat, Dec 5, 2026 at 10:02 AM Bottega <\nnotifications@presenza.test> wrote:\n\n> old\n";
        assert_eq!(strip_reply(wrapped), "Yes.");
    }

    #[test]
    fn other_languages_attributions() {
        for line in [
            "Le sam. 5 déc. 2026 à 10:02, Bottega <n@p.test> a écrit :",
            "Am Sa., 5. Dez. 2026 um 10:02 Uhr schrieb Bottega <n@p.test>:",
            "El sáb, 5 dic 2026 a las 10:02, Bottega (<n@p.test>) escribió:",
            "Il giorno sab 5 dic 2026 alle ore 10:02 Bottega <n@p.test> ha scritto:",
        ] {
            let body = format!("Ciao\n\n{line}\n> vecchio\n");
            assert_eq!(strip_reply(&body), "Ciao", "{line}");
        }
    }

    #[test]
    fn inline_quotes_are_dropped_and_the_answers_kept() {
        let body = "> Do you ship to Italy?\nYes.\n> And Spain?\nAlso.\n";
        assert_eq!(strip_reply(body), "Yes.\nAlso.");
        // The verb alone does not make an attribution.
        let body = "Here is what I wrote:\nsize 42";
        assert_eq!(strip_reply(body), body);
    }

    #[test]
    fn outlook_separators() {
        let body = "Fine by me\r\n\r\n-----Original Message-----\r\nFrom: Bottega\r\nSent: Saturday\r\n\r\nold text";
        assert_eq!(strip_reply(body), "Fine by me");
        let body = "Fine\n\n________________________________\nFrom: Bottega <n@p.test>\nSent: Saturday, December 5, 2026 10:02\nTo: Ann\nSubject: x\n\nold";
        assert_eq!(strip_reply(body), "Fine");
        let body = "Fine\n\nFrom: Bottega <n@p.test>\nDate: Saturday\nSubject: x\n\nold";
        assert_eq!(strip_reply(body), "Fine");
        // "From:" in the sender's own text is kept.
        let body = "From: Monday we open at 9.\nSee you";
        assert_eq!(strip_reply(body), "From: Monday we open at 9.\nSee you");
    }

    #[test]
    fn signatures_and_mobile_lines() {
        assert_eq!(strip_reply("Thanks!\n\n-- \nAnn Lee\nBottega\n"), "Thanks!");
        assert_eq!(strip_reply("Thanks!\n--\nAnn"), "Thanks!");
        assert_eq!(strip_reply("Ok\n\nSent from my iPhone\n"), "Ok");
        assert_eq!(strip_reply("Ok\n\nGet Outlook for Android\n"), "Ok");
        // A dash line that is no separator stays.
        assert_eq!(strip_reply("a\n--- b\nc"), "a\n--- b\nc");
    }

    #[test]
    fn blank_runs_collapse_and_only_quotes_is_empty() {
        assert_eq!(strip_reply("a\n\n\n\nb\n\n"), "a\n\nb");
        assert_eq!(strip_reply("> only\n> quotes\n"), "");
        assert_eq!(strip_reply(""), "");
    }

    #[test]
    fn format_flowed() {
        let m = parse(&mail(
            &format!("{HEAD}\r\nContent-Type: text/plain; charset=utf-8; format=flowed"),
            "This is a long \r\nline that flows.\r\n Stuffed\r\n\r\n-- \r\nsig",
        ));
        assert_eq!(m.text, "This is a long line that flows.\nStuffed");
        assert_eq!(unflow("ab \ncd", true), "abcd");
    }

    #[test]
    fn a_full_gmail_reply() {
        let raw = concat!(
            "MIME-Version: 1.0\r\n",
            "Date: Sat, 5 Dec 2026 10:05:00 +0100\r\n",
            "Message-ID: <CAF=abc+123@mail.gmail.com>\r\n",
            "Subject: Re: Bottega: new message from Eva\r\n",
            "From: Ann Lee <ann@bottega.example>\r\n",
            "To: reply+abc@presenza.test\r\n",
            "Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3\"\r\n",
            "\r\n",
            "--000000000000a1b2c3\r\n",
            "Content-Type: text/plain; charset=\"UTF-8\"\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            "\r\n",
            "S=C3=AC, ce l'abbiamo in 42.\r\n",
            "\r\n",
            "On Sat, Dec 5, 2026 at 10:02=E2=80=AFAM Bottega <notifications@presenza.te=\r\n",
            "st> wrote:\r\n",
            "\r\n",
            "> Eva <eva@example.com> left a message on Bottega while nobody was online=\r\n",
            ":\r\n",
            ">\r\n",
            "--000000000000a1b2c3\r\n",
            "Content-Type: text/html; charset=\"UTF-8\"\r\n",
            "Content-Transfer-Encoding: quoted-printable\r\n",
            "\r\n",
            "<div dir=3D\"ltr\">S=C3=AC</div>\r\n",
            "--000000000000a1b2c3--\r\n",
        );
        let m = parse(raw.as_bytes());
        assert_eq!(m.message_id.as_deref(), Some("CAF=abc+123@mail.gmail.com"));
        assert_eq!(m.text, "Sì, ce l'abbiamo in 42.");
    }
}
