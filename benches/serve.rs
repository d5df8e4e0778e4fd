//! `GET /feed.atom` with a warm cache, over loopback, with 10k stored articles: portalfeed serve
//! side by side with nginx serving the same bytes as a static file (gzip_static for the
//! compressed case), measured by wrk: plain, `If-None-Match` (304) and `Accept-Encoding: gzip`,
//! against nginx with one worker and with two; the servers pinned to core 0 and wrk to core 1.
//! Needs Debian's `nginx-light` (or `nginx`) and `wrk`. `cargo bench --bench serve`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::DateTime;
use common::*;
use portalfeed::normalize::Article;
use portalfeed::store::{Storage, Store};

const STORED: usize = 10_000;
const DURATION: &str = "8s";
const CONNECTIONS: &str = "32";

fn main() {
    let ws = Workspace::new(
        "[[source]]\nid = \"bench\"\nname = \"Cổng TTĐT\"\nprovince = \"Cần Thơ\"\nkind = \"feed\"\n\
         url = \"http://127.0.0.1:9/rss\"\nenabled = false\n",
    );
    fill(&ws);
    let server = ws.serve();
    let client = http();
    let ours = server.url("/feed.atom");
    let warm = client.get(&ours).send().expect("warm-up GET");
    let etag = warm.headers()["etag"].to_str().expect("etag").to_string();
    let body = warm.bytes().expect("body");

    // nginx serving the same bytes.
    let root = ws.dir.path().join("static");
    std::fs::create_dir_all(&root).expect("static dir");
    std::fs::write(root.join("feed.atom"), &body).expect("write feed");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&body).expect("gzip");
    std::fs::write(root.join("feed.atom.gz"), gz.finish().expect("gzip")).expect("write gz");
    // The servers share core 0; wrk (one thread) runs on core 1, so neither side takes the
    // other's CPU (with `wrk -t2` on a 2-core machine the client competes with the server, and
    // the winner of that fight decides the ratio).
    pin_to_core0(server.child.id());
    let nginx_1 = Nginx::start(&ws, &root, 1);
    let nginx_2 = Nginx::start(&ws, &root, 2);
    let nginx_etag = client.get(&nginx_1.url).send().expect("GET").headers()["etag"]
        .to_str()
        .expect("etag")
        .to_string();

    println!(
        "{STORED} articles stored; feed of 100 entries, {} bytes; servers pinned to core 0, \
         wrk -t1 -c{CONNECTIONS} -d{DURATION} on core 1; nginx: access_log off, sendfile, \
         gzip_static, keepalive_requests at its default (1000)\n",
        body.len()
    );
    println!(
        "| case | portalfeed req/s | p99 | nginx 1 worker req/s | p99 | ratio | nginx 2 workers \
         req/s | p99 | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let cases: [(&str, Vec<String>, Vec<String>); 3] = [
        ("plain 200", vec![], vec![]),
        (
            "If-None-Match → 304",
            vec![format!("If-None-Match: {etag}")],
            vec![format!("If-None-Match: {nginx_etag}")],
        ),
        (
            "Accept-Encoding: gzip",
            vec!["Accept-Encoding: gzip".into()],
            vec!["Accept-Encoding: gzip".into()],
        ),
    ];
    for (label, our_headers, their_headers) in cases {
        let (our_rps, our_p99) = wrk(&ours, &our_headers);
        let (one_rps, one_p99) = wrk(&nginx_1.url, &their_headers);
        let (two_rps, two_p99) = wrk(&nginx_2.url, &their_headers);
        println!(
            "| {label} | {our_rps:.0} | {our_p99} | {one_rps:.0} | {one_p99} | {:.2}× | \
             {two_rps:.0} | {two_p99} | {:.2}× |",
            our_rps / one_rps,
            our_rps / two_rps
        );
    }
}

/// An nginx serving `root` with `workers` worker processes, stopped when dropped.
struct Nginx {
    child: std::process::Child,
    url: String,
}

impl Nginx {
    fn start(ws: &Workspace, root: &std::path::Path, workers: usize) -> Nginx {
        let port = free_port();
        let dir = ws.dir.path().join(format!("nginx-{workers}"));
        std::fs::create_dir_all(&dir).expect("nginx dir");
        let conf = dir.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "worker_processes {workers};\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{ access_log off; sendfile on; etag on; gzip_static on;\n\
                   types {{ application/atom+xml atom; }}\n\
                   client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};\n\
                   server {{ listen 127.0.0.1:{port}; root {root}; location / {{ }} }} }}\n",
                dir = dir.display(),
                root = root.display(),
            ),
        )
        .expect("nginx.conf");
        let child = Command::new("nginx")
            .args(["-c"])
            .arg(&conf)
            .args(["-p"])
            .arg(&dir)
            .args(["-g", "daemon off;"])
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx (apt-get install nginx-light)");
        let url = format!("http://127.0.0.1:{port}/feed.atom");
        let client = http();
        assert!(
            eventually(Duration::from_secs(5), || client.get(&url).send().is_ok()),
            "nginx did not start"
        );
        pin_to_core0(child.id());
        // Its workers are its children.
        if let Ok(out) = Command::new("pgrep")
            .args(["-P", &child.id().to_string()])
            .output()
        {
            for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                if let Ok(pid) = pid.parse() {
                    pin_to_core0(pid);
                }
            }
        }
        Nginx { child, url }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its workers (SIGKILL would orphan them).
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// Every thread of `pid` onto core 0.
fn pin_to_core0(pid: u32) {
    let _ = Command::new("taskset")
        .args(["-a", "-p", "-c", "0", &pid.to_string()])
        .stdout(Stdio::null())
        .status();
}

/// 10k articles of ~2 KB of content each, so a 100-entry feed is ~200 KB.
fn fill(ws: &Workspace) {
    let store = Store::open(&ws.store_dir()).expect("store");
    let t0 = DateTime::parse_from_rfc3339("2026-11-20T08:00:00+07:00").expect("time");
    let paragraph =
        "Ủy ban nhân dân tỉnh tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội. ";
    for i in 0..STORED {
        let published = t0 - chrono::Duration::minutes(i as i64);
        let article = Article {
            key: format!("https://portal.example.vn/tin/{i}.html"),
            link: format!("https://portal.example.vn/tin/{i}.html"),
            title: format!("Hội nghị triển khai nhiệm vụ số {i}"),
            published,
            updated: published,
            dated: true,
            author: Some("Phóng viên".into()),
            summary: "Tóm tắt bài viết về hoạt động của tỉnh.".into(),
            content_html: format!("<p>{}</p>", paragraph.repeat(20)),
            category: Some("Chính trị".into()),
            fingerprint: format!("fp-{i}"),
            content_hash: format!("h-{i}"),
        };
        let profile = portalfeed::normalize::dedupe_profile(&article);
        store
            .put_article("bench", article, &profile, &[], t0)
            .expect("put");
    }
    store.flush().expect("flush");
}

/// Requests/s and the 99th percentile latency wrk reports.
fn wrk(url: &str, headers: &[String]) -> (f64, String) {
    let mut command = Command::new("taskset");
    command.args([
        "-c",
        "1",
        "wrk",
        "-t1",
        "-c",
        CONNECTIONS,
        "-d",
        DURATION,
        "--latency",
    ]);
    for h in headers {
        command.args(["-H", h]);
    }
    let out = command
        .arg(url)
        .output()
        .expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .map(str::trim)
        .unwrap_or("");
    if !non_2xx.is_empty() && headers.iter().all(|h| !h.starts_with("If-None-Match")) {
        eprintln!("{url}: {non_2xx}");
    }
    (rps, p99)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
