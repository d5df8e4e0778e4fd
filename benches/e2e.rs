//! End-to-end bench over loopback: a portal with 240 articles on one list page, fetched by the
//! real release binary three times — cold, nothing changed, then 2 new articles — reporting wall
//! time, CPU time (user + system), requests the portal received, and peak memory (max RSS) of
//! each run. `cargo bench --bench e2e`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;
use std::time::Instant;

use common::*;

const ARTICLES: usize = 240;

fn main() {
    let portal = Portal::start();
    let body = real_body("bacgiang-2017-post8-ba-con-xa-que");
    let template = fixture_text("portal/article.html");
    let article = |i: usize| {
        let title = format!("Bài viết số {i}: hoạt động của tỉnh");
        let date = format!("{:02}/11/2026", 1 + i % 28);
        let unique = format!("<p>Đoạn riêng của bài số {i}.</p>{body}");
        fill(
            &template,
            &[
                ("TITLE", &title),
                ("DATE", &date),
                ("AUTHOR", "PV"),
                ("BODY", &unique),
                ("CANONICAL", ""),
            ],
        )
    };
    let list = |n: usize| {
        let items: String = (0..n)
            .rev()
            .map(|i| format!("<div class=\"item\"><a href=\"/tin/{i}.html\"><img src=\"/anh/{i}.jpg\"></a><a class=\"news-title\" href=\"/tin/{i}.html\">Bài viết số {i}</a></div>\n"))
            .collect();
        format!("<html><head><meta charset=\"utf-8\"></head><body><div class=\"list\">{items}</div></body></html>")
    };
    for i in 0..ARTICLES + 2 {
        portal.put(&format!("/tin/{i}.html"), Page::html(article(i)));
    }
    portal.put("/list", Page::html(list(ARTICLES)).with_etag("v1"));
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"bench\"\nname = \"Bench portal\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.news-title\"\n[source.article]\ntitle = \"h1.detail-title\"\n\
         date = \"div.detail-meta\"\ncontent = \"div.detail-content\"\nremove = [\"div.comments\"]\n",
        portal.url("/list")
    ));

    println!("| run | wall | CPU (user+sys) | requests | peak RSS |");
    println!("|---|---|---|---|---|");
    measure("cold (240 articles)", &ws, &portal);
    measure("nothing changed", &ws, &portal);
    portal.put("/list", Page::html(list(ARTICLES + 2)).with_etag("v2"));
    measure("2 new articles", &ws, &portal);
}

fn measure(label: &str, ws: &Workspace, portal: &Portal) {
    portal.take_hits();
    let started = Instant::now();
    // Reaped by wait4 below, which also gives its rusage.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_portalfeed"))
        .args(["fetch", "--force", "--config"])
        .arg(ws.config())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn portalfeed");
    let (status, usage) = wait4(child.id() as libc::pid_t);
    let wall = started.elapsed();
    assert_eq!(status, 0, "{label}: portalfeed failed");
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    if std::env::var_os("E2E_VERBOSE").is_some() {
        eprintln!(
            "{label}: user {:.3} s, sys {:.3} s, voluntary ctx switches {}, involuntary {}",
            tv(usage.ru_utime),
            tv(usage.ru_stime),
            usage.ru_nvcsw,
            usage.ru_nivcsw
        );
    }
    let requests = portal.take_hits().len();
    println!(
        "| {label} | {:.3} s | {:.3} s | {requests} | {:.1} MB |",
        wall.as_secs_f64(),
        cpu,
        usage.ru_maxrss as f64 / 1024.0
    );
}

/// Waits for `pid` and returns its exit code and resource usage (CPU time, max RSS in KiB).
fn wait4(pid: libc::pid_t) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4 failed");
    (libc::WEXITSTATUS(status), usage)
}

fn tv(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}
