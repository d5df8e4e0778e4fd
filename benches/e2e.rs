//! End-to-end bench over loopback: a portal with 240 articles on one list page, fetched by the
//! real release binary three times — cold, nothing changed, then 2 new articles — reporting wall
//! time, CPU time (user + system), requests the portal received, and peak memory (max RSS) of
//! each run. `cargo bench --bench e2e`.
//!
//! With `PORTALFEED_BENCH_RSS_FUNNEL=/path/to/rss-funnel`, the same cold build is also done by
//! rss-funnel's one-shot CLI (`rss-funnel -c … test /bench`: the list page split into entries,
//! each article page fetched and cut to its body), in the same run against the same portal, and
//! the CPU ratio is printed. rss-funnel is not a dependency: build it beside the repository.
//! With `PORTALFEED_BENCH_BASELINE=/path/to/an/older/portalfeed`, that binary takes its turns
//! too (before/after figures from one run). Cold builds are taken in turns over
//! `PORTALFEED_BENCH_ROUNDS` rounds (default 7) and their medians compared.

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
    let config = format!(
        "[[source]]\nid = \"bench\"\nname = \"Bench portal\"\nkind = \"html\"\nurl = \"{}\"\n\
         [source.list]\nlink = \"a.news-title\"\n[source.article]\ntitle = \"h1.detail-title\"\n\
         date = \"div.detail-meta\"\ncontent = \"div.detail-content\"\nremove = [\"div.comments\"]\n",
        portal.url("/list")
    );
    let ws = Workspace::new(&config);
    let portalfeed = |ws: &Workspace| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_portalfeed"));
        command
            .args(["fetch", "--force", "--config"])
            .arg(ws.config());
        command
    };

    println!("| run | wall | CPU (user+sys) | requests | peak RSS |");
    println!("|---|---|---|---|---|");
    measure("cold (240 articles)", portalfeed(&ws), &portal);
    measure("nothing changed", portalfeed(&ws), &portal);
    portal.put("/list", Page::html(list(ARTICLES + 2)).with_etag("v2"));
    measure("2 new articles", portalfeed(&ws), &portal);
    portal.put("/list", Page::html(list(ARTICLES)).with_etag("v1"));

    // Contenders for side-by-side cold builds: this build, an older portalfeed binary
    // (PORTALFEED_BENCH_BASELINE, for before/after figures) and rss-funnel.
    // Each makes its command and the workspace (store) it needs alive while it runs.
    type Contender<'a> = (String, Box<dyn Fn() -> (Command, Option<Workspace>) + 'a>);
    let mut contenders: Vec<Contender> = Vec::new();
    contenders.push((
        "portalfeed".into(),
        Box::new(|| {
            let fresh = Workspace::new(&config);
            (portalfeed(&fresh), Some(fresh))
        }),
    ));
    if let Some(baseline) = std::env::var_os("PORTALFEED_BENCH_BASELINE") {
        let config = config.clone();
        contenders.push((
            "baseline".into(),
            Box::new(move || {
                let fresh = Workspace::new(&config);
                let mut command = Command::new(&baseline);
                command
                    .args(["fetch", "--force", "--config"])
                    .arg(fresh.config());
                (command, Some(fresh))
            }),
        ));
    }
    if let Some(funnel) = std::env::var_os("PORTALFEED_BENCH_RSS_FUNNEL") {
        let yaml = ws.config().with_file_name("rss-funnel.yaml");
        std::fs::write(
            &yaml,
            format!(
                "endpoints:\n  - path: /bench\n    source: {}\n    filters:\n      \
                 - split:\n          title_selector: a.news-title\n          \
                 link_selector: a.news-title\n      - full_text:\n          \
                 keep_element: div.detail-content\n",
                portal.url("/list")
            ),
        )
        .expect("write rss-funnel config");
        contenders.push((
            "rss-funnel".into(),
            Box::new(move || {
                let mut command = Command::new(&funnel);
                command.arg("-c").arg(&yaml).args(["test", "/bench"]);
                (command, None)
            }),
        ));
    }
    if contenders.len() == 1 {
        return;
    }
    // Cold builds taken in turns (each portalfeed one into a new store), medians compared: one
    // pair of runs on a shared machine varies by ±30%.
    let rounds: usize = std::env::var("PORTALFEED_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(7);
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); contenders.len()];
    for round in 1..=rounds {
        for ((name, make), times) in contenders.iter().zip(&mut cpu) {
            let (command, _workspace) = make();
            times.push(measure(
                &format!("{name} cold, round {round}"),
                command,
                &portal,
            ));
        }
    }
    println!("\nmedian cold CPU over {rounds} rounds:");
    let ours = median(&mut cpu[0]);
    for ((name, _), times) in contenders.iter().zip(&mut cpu) {
        let m = median(times);
        println!("- {name}: {m:.3} s (portalfeed / it: {:.2}×)", ours / m);
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs `command` to its end; prints its row and returns its CPU time (seconds).
fn measure(label: &str, mut command: Command, portal: &Portal) -> f64 {
    portal.take_hits();
    let started = Instant::now();
    // Reaped by wait4 below, which also gives its rusage.
    #[allow(clippy::zombie_processes)]
    let child = command
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn the measured command");
    let (status, usage) = wait4(child.id() as libc::pid_t);
    let wall = started.elapsed();
    assert_eq!(status, 0, "{label}: the command failed");
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
    cpu
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
