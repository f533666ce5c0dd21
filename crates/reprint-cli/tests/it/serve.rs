//! `reprint serve` as a client sees it: a real server process on a free loopback port,
//! real HTTP requests. The seeds' findings, auth, bad input, SIGKILL under load, graceful
//! shutdown, and the live page in headless Chromium.

use crate::{news_dir, of_type, reprint};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "test-token-7f3a";

/// A running `reprint serve`.
struct Server {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `reprint serve --store <store> --create --listen 127.0.0.1:0 <extra>` with the
    /// test token and waits for its `listening` line.
    fn start(store: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_reprint"))
            .args(["serve", "--store"])
            .arg(store)
            .args(["--create", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("REPRINT_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start reprint serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).expect("read the listening line");
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            panic!(
                "no listening line ({e}): {line:?}; stderr: {}",
                stderr.lock().unwrap()
            )
        });
        assert_eq!(v["type"], "listening", "{v}");
        // Keep reading stdout so the server never blocks on it.
        std::thread::spawn(move || for _ in out.lines() {});
        Server {
            child,
            url: v["url"].as_str().unwrap().to_string(),
            stderr,
        }
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// SIGTERM, then wait (the server must stop by itself).
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The response to a body the server refuses before reading it all. A client that sends
/// the whole body before reading (ureq) may see the connection reset instead of the
/// answer; this one reads while another thread writes, as curl does.
fn oversized(url: &str, auth: &str, body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let mut w = stream.try_clone().unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let writer = std::thread::spawn(move || {
        // The server may close mid-body: the refusal is what matters.
        let _ = w
            .write_all(head.as_bytes())
            .and_then(|_| w.write_all(&body));
    });
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    writer.join().unwrap();
    String::from_utf8_lossy(&got).into_owned()
}

/// (status, JSON body) of a request.
fn send(req: ureq::Request, body: Option<(&str, &[u8])>) -> (u16, Value) {
    let r = match body {
        Some((ctype, b)) => req.set("Content-Type", ctype).send_bytes(b),
        None => req.call(),
    };
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = resp.status();
    let text = resp.into_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn post(url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = ureq::post(url);
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    send(req, Some(("application/json", body.to_string().as_bytes())))
}

fn get(url: &str) -> (u16, Value) {
    send(ureq::get(url), None)
}

fn seed(id: &str) -> String {
    std::fs::read_to_string(format!("{}/{id}.txt", news_dir())).unwrap()
}

fn documents(s: &Server) -> u64 {
    get(&s.at("/v1/stats")).1["documents"].as_u64().unwrap()
}

#[test]
fn seeds_posted_one_by_one_get_the_seeds_findings_and_the_page_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("news.idx");
    let s = Server::start(&store, &[]);
    let mut found: Vec<Value> = Vec::new();
    for id in ["000", "001", "002", "003", "004"] {
        let (status, body) = post(
            &s.at("/v1/documents"),
            Some(TOKEN),
            &json!({"id": id, "text": seed(id)}),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["documents"][0]["id"], id);
        found.extend(body["documents"][0]["findings"].as_array().unwrap().clone());
    }
    // 001 is a duplicate of 000, with the batch's scores.
    let d001 = found
        .iter()
        .find(|r| r["type"] == "document" && r["id"] == "001")
        .unwrap();
    assert_eq!(d001["duplicate_of"], "000");
    let pairs = of_type(&found, "pair");
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["jaccard"], 0.9447);
    // The 003/004 paragraph at the batch's offsets.
    let an = crate::records(&["analyze", &news_dir(), "--no-report", "-q"]);
    let batch = of_type(&an, "alignment")
        .into_iter()
        .find(|a| a["a"] == "003")
        .unwrap()
        .clone();
    let pasted = of_type(&found, "alignment")
        .into_iter()
        .find(|a| a["a"] == "003")
        .expect("003/004 alignment")
        .clone();
    for k in ["b", "a_start", "a_end", "b_start", "b_end", "a_text"] {
        assert_eq!(pasted[k], batch[k], "{k}");
    }
    // A document read back, its cluster, the passages and the story timeline.
    let (st, doc) = get(&s.at("/v1/documents/001"));
    assert_eq!(st, 200);
    assert_eq!(doc["document"]["text"], seed("001"));
    let cluster = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["type"] == "document")
        .unwrap()["cluster"]
        .clone();
    let (st, c) = get(&s.at(&format!("/v1/clusters/{cluster}")));
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["members"], json!(["000", "001"]));
    assert_eq!(c["representative"], "000");
    let (st, p) = get(&s.at("/v1/passages"));
    assert_eq!(st, 200);
    assert!(p["passages"].as_array().unwrap().iter().any(|x| x["text"]
        .as_str()
        .unwrap()
        .contains("echoing allegations about Russia’s potential invasion")));
    let (st, stories) = get(&s.at("/v1/stories"));
    assert_eq!(st, 200);
    let draghi = stories["stories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["members"].as_array().unwrap().contains(&json!("000")))
        .expect("a story with 000")
        .clone();
    assert_eq!(draghi["members"], json!(["000", "001", "002"]));
    let (st, window) = get(&s.at("/v1/stories?from=2022-02-01&to=2022-02-01"));
    assert_eq!(st, 200);
    assert!(window["stories"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == draghi["id"]));
    let (st, none) = get(&s.at("/v1/stories?from=2030-01-01"));
    assert_eq!(st, 200);
    assert_eq!(none["total"], 0);
    // Search by word and by id.
    let (_, hits) = get(&s.at("/v1/search?q=draghi%20phone"));
    let ids: Vec<&str> = hits["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"000") && !ids.contains(&"003"), "{hits}");
    let (_, hits) = get(&s.at("/v1/search?q=004"));
    assert_eq!(hits["hits"][0]["id"], "004");
    assert_eq!(hits["hits"][0]["matched"], "id");
    // A dry run answers without storing.
    let (st, dry) = send(
        ureq::post(&s.at("/v1/documents?dry_run=true"))
            .set("Authorization", &format!("Bearer {TOKEN}")),
        Some((
            "application/x-ndjson",
            format!("{}\n", json!({"id": "q", "text": seed("000")})).as_bytes(),
        )),
    );
    assert_eq!(st, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["documents"][0]["findings"][0]["duplicate_of"], "000");
    assert_eq!(documents(&s), 5);
    // The API describes itself; metrics count what happened.
    let (_, api) = get(&s.at("/openapi.json"));
    for p in [
        "/v1/documents",
        "/v1/documents/{id}",
        "/v1/stories",
        "/v1/search",
    ] {
        assert!(api["paths"].get(p).is_some(), "{p} in openapi.json");
    }
    assert!(api["components"]["schemas"].get("PairRecord").is_some());
    let (_, metrics) = get(&s.at("/metrics"));
    let metrics = metrics.as_str().unwrap().to_string();
    assert!(
        metrics.contains(
            "reprint_http_requests_total{method=\"POST\",route=\"/v1/documents\",status=\"200\"} 6"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("reprint_documents 5"));

    // Titles are kept and shown.
    let (st, _) = post(
        &s.at("/v1/documents"),
        Some(TOKEN),
        &json!({"id": "t1", "title": "Harvest festival opens", "date": "2022-03-01",
                "text": "The village harvest festival opened on Saturday with music and bread."}),
    );
    assert_eq!(st, 200);
    let (_, t1) = get(&s.at("/v1/documents/t1"));
    assert_eq!(t1["document"]["title"], "Harvest festival opens");
    assert_eq!(t1["document"]["date"], "2022-03-01");

    // The page, in a real browser: compare view of 003/004, the story timeline, a search.
    let art = artifacts();
    let png = art.join("serve-compare.png");
    if let Some(dom) = browse(&s.at("/#cmp=003&004"), &png) {
        assert!(dom.contains("data-ready=\"true\""), "the report script ran");
        assert!(dom.contains("data-live=\"true\""), "the live script ran");
        let compare = section(&dom, "compare");
        let marked = compare
            .split("<mark")
            .skip(1)
            .filter(|m| m.contains(">The West and Kiev have recently been"))
            .count();
        assert_eq!(
            marked, 2,
            "the pasted paragraph is marked in 003 and 004: {compare}"
        );
        let docs = section(&dom, "documents");
        assert!(
            docs.contains("<strong>Harvest festival opens</strong>"),
            "{docs}"
        );
        let stories = section(&dom, "stories");
        assert!(
            stories.contains(">000<") && stories.contains(">002<"),
            "{stories}"
        );
        assert!(stories.contains("2022-02-01"), "{stories}");
        let dom = browse(&s.at("/#s=Draghi"), &art.join("serve-search.png")).unwrap();
        let results = section(&dom, "store");
        assert!(results.contains("data-hit=\"000\""), "{results}");
        assert!(!results.contains("data-hit=\"004\""), "{results}");
    }
    let status = s.terminate();
    assert!(
        status.success(),
        "SIGTERM ends the server cleanly: {status}"
    );
    // The store is closed and whole.
    let out = reprint(&["index", "check", store.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The DOM of `url` after its scripts ran, and a screenshot; `None` (a note) when Chromium
/// is not installed outside CI.
fn browse(url: &str, png: &Path) -> Option<String> {
    match reprint_report::browser::chromium_dump_url(url, Some(png)) {
        Ok(dom) => Some(dom),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && std::env::var_os("CI").is_none() => {
            eprintln!("note: chromium not installed ({e}); the page was not checked");
            None
        }
        Err(e) => panic!("headless chromium failed on {url}: {e}"),
    }
}

/// The HTML of `<section id="{id}">`.
fn section<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("section {id}"));
    let end = dom[start..].find("</section>").unwrap() + start;
    &dom[start..end]
}

fn artifacts() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn writes_need_the_token_and_reads_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("a.idx"), &[]);
    let doc = json!({"id": "x", "text": seed("000")});
    let (st, body) = post(&s.at("/v1/documents"), None, &doc);
    assert_eq!(st, 401, "{body}");
    assert!(body["error"].as_str().unwrap().contains("Authorization"));
    let (st, _) = post(&s.at("/v1/documents"), Some("wrong"), &doc);
    assert_eq!(st, 403);
    let (st, _) = send(ureq::delete(&s.at("/v1/documents/x")), None);
    assert_eq!(st, 401);
    assert_eq!(documents(&s), 0, "nothing stored");
    let (st, _) = post(&s.at("/v1/documents"), Some(TOKEN), &doc);
    assert_eq!(st, 200);
    assert_eq!(get(&s.at("/v1/documents/x")).0, 200, "reads are open");
    let (st, _) = send(
        ureq::delete(&s.at("/v1/documents/x")).set("Authorization", &format!("Bearer {TOKEN}")),
        None,
    );
    assert_eq!(st, 200);
    assert_eq!(get(&s.at("/v1/documents/x")).0, 404);
    // The token never shows in what the server prints.
    assert!(!s.stderr.lock().unwrap().contains(TOKEN));
    drop(s);

    // --auth-reads closes reads too.
    let s = Server::start(&dir.path().join("b.idx"), &["--auth-reads"]);
    assert_eq!(get(&s.at("/v1/stats")).0, 401);
    let (st, _) = send(
        ureq::get(&s.at("/v1/stats")).set("Authorization", &format!("Bearer {TOKEN}")),
        None,
    );
    assert_eq!(st, 200);
}

#[test]
fn bad_requests_get_their_status_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("a.idx"), &["--max-body-mib", "1"]);
    let url = s.at("/v1/documents");
    let auth = format!("Bearer {TOKEN}");
    let raw = |ctype: &str, body: &[u8]| {
        send(
            ureq::post(&url).set("Authorization", &auth),
            Some((ctype, body)),
        )
    };
    let (st, e) = raw("application/json", b"{\"id\": \"a\", \"text\": ");
    assert_eq!(st, 400);
    assert!(
        e["error"].as_str().unwrap().contains("malformed JSON"),
        "{e}"
    );
    let (st, e) = raw("application/json", br#"{"id": "a"}"#);
    assert_eq!(st, 400);
    assert_eq!(e["detail"]["field"], "text");
    let (st, e) = raw("application/json", br#"{"id": 12, "text": "x"}"#);
    assert_eq!(st, 400);
    assert!(
        e["error"]
            .as_str()
            .unwrap()
            .contains("\"id\" must be a string"),
        "{e}"
    );
    let (st, e) = raw("text/plain", b"hello");
    assert_eq!(st, 415, "{e}");
    let big = json!({"id": "big", "text": "word ".repeat(300_000)}).to_string();
    let answer = oversized(&url, &auth, big.into_bytes());
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // One bad record in a batch: the whole batch is refused, its position named.
    let batch = json!([
        {"id": "ok1", "text": seed("000")},
        {"id": "ok2", "text": seed("002")},
        {"id": "bad", "txt": "typo"},
    ]);
    let (st, e) = post(&url, Some(TOKEN), &batch);
    assert_eq!(st, 400);
    assert_eq!(e["detail"]["record"], 2, "{e}");
    let (st, e) = raw(
        "application/x-ndjson",
        format!("{}\nnot json\n", json!({"id": "n1", "text": "x"})).as_bytes(),
    );
    assert_eq!(st, 400);
    assert_eq!(e["detail"]["line"], 2, "{e}");
    assert_eq!(
        documents(&s),
        0,
        "nothing from a rejected request is stored"
    );
    // An id already there: 409, and the batch it came in is not stored either.
    assert_eq!(
        post(&url, Some(TOKEN), &json!({"id": "a", "text": seed("003")})).0,
        200
    );
    let (st, e) = post(
        &url,
        Some(TOKEN),
        &json!([{"id": "new", "text": "fresh words here"}, {"id": "a", "text": "again"}]),
    );
    assert_eq!(st, 409, "{e}");
    assert_eq!(documents(&s), 1);
    assert_eq!(get(&s.at("/v1/documents/new")).0, 404);
    assert_eq!(get(&s.at("/v1/clusters/abc")).0, 400);
    assert_eq!(get(&s.at("/v1/clusters/999")).0, 404);
    assert_eq!(get(&s.at("/v1/stories?from=yesterday")).0, 400);
    assert_eq!(get(&s.at("/v1/search")).0, 400);
    assert_eq!(get(&s.at("/nope")).0, 404);
    // Still serving.
    assert_eq!(get(&s.at("/healthz")).1["status"], "ok");
}

#[test]
fn killed_under_load_keeps_every_acknowledged_document() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("load.idx");
    let s = Server::start(&store, &[]);
    let url = s.at("/v1/documents");
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let texts: Vec<String> = ["000", "001", "002", "003", "004"].map(seed).to_vec();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (url, acked, stop, texts) = (url.clone(), acked.clone(), stop.clone(), texts.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let batch: Vec<Value> = (0..10)
                        .map(|i| {
                            n += 1;
                            json!({"id": format!("c{c}-{n}"), "text": format!("{} {c} {n} {i}", texts[n % 5])})
                        })
                        .collect();
                    let ids: Vec<String> =
                        batch.iter().map(|d| d["id"].as_str().unwrap().to_string()).collect();
                    let r = ureq::post(&url)
                        .set("Authorization", &format!("Bearer {TOKEN}"))
                        .set("Content-Type", "application/json")
                        .timeout(Duration::from_secs(30))
                        .send_string(&Value::Array(batch).to_string());
                    match r {
                        Ok(resp) if resp.status() == 200 => acked.lock().unwrap().extend(ids),
                        Ok(resp) => panic!("unexpected status {}", resp.status()),
                        // The server died mid-request: not acknowledged.
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    // Let a few hundred documents land, then SIGKILL mid-stream.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut s = s;
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200, "load ran: {} acknowledged", acked.len());
    drop(s);
    // Restarted on the same store: every acknowledged id is there, with its findings.
    let s = Server::start(&store, &[]);
    assert!(documents(&s) >= acked.len() as u64);
    for id in &acked {
        let (st, d) = get(&s.at(&format!("/v1/documents/{id}")));
        assert_eq!(st, 200, "{id} was acknowledged but is gone");
        assert_eq!(d["findings"][0]["type"], "document");
    }
    assert_eq!(s.terminate().code(), Some(0));
    let out = reprint(&["index", "check", store.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn concurrent_posts_share_commits_and_one_bad_request_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(&dir.path().join("g.idx"), &[]);
    let url = s.at("/v1/documents");
    assert_eq!(
        post(
            &url,
            Some(TOKEN),
            &json!({"id": "taken", "text": seed("004")})
        )
        .0,
        200
    );
    // 16 clients at once: 15 new documents (copies of 000 among them), one reused id.
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || {
                let id = if i == 7 {
                    "taken".to_string()
                } else {
                    format!("n{i}")
                };
                let text = if i % 2 == 0 {
                    seed("000")
                } else {
                    format!("{} {i}", seed("003"))
                };
                (i, post(&url, Some(TOKEN), &json!({"id": id, "text": text})))
            })
        })
        .collect();
    let mut exact_firsts = 0;
    for t in threads {
        let (i, (status, body)) = t.join().unwrap();
        if i == 7 {
            assert_eq!(status, 409, "{body}");
            continue;
        }
        assert_eq!(status, 200, "{body}");
        let doc = &body["documents"][0];
        assert_eq!(doc["id"], format!("n{i}"));
        assert_eq!(doc["findings"][0]["type"], "document");
        if i % 2 == 0 && doc["findings"][0]["duplicate_of"].is_null() {
            exact_firsts += 1;
        }
    }
    // The eight copies of 000 were stored in some order: exactly one came first.
    assert_eq!(exact_firsts, 1);
    assert_eq!(documents(&s), 16);
}
