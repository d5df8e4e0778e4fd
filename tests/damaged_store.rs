//! A damaged store: every command that opens it says so (exit 65) instead of panicking or
//! spinning — at once when sled notices, after a deadline when it spins — and the README's recovery — move it aside, `portalfeed import` the
//! published feeds — gives back every published entry with the same id.

mod common;

use std::time::{Duration, Instant};

use common::*;

/// Overwrites `count` runs of bytes at pseudo-random places of every file under `dir`.
fn damage(dir: &std::path::Path, seed: u64, count: usize) {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let db = dir.join("db").join("db");
    let mut bytes = std::fs::read(&db).expect("sled file");
    let len = bytes.len();
    for _ in 0..count {
        let at = (next() as usize) % len.saturating_sub(64).max(1);
        let run = 1 + (next() as usize) % 63;
        for b in bytes.iter_mut().skip(at).take(run) {
            *b = next() as u8;
        }
    }
    std::fs::write(&db, bytes).expect("write damaged file");
}

/// Runs the binary, failing the test if it has not ended after `limit` (it must not hang).
fn run_bounded(ws: &Workspace, args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_portalfeed"))
        .args(args)
        .arg("--config")
        .arg(ws.config())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!(
                "`portalfeed {}` still running after {limit:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_damaged_store_is_reported_and_recovered_from_the_published_feeds() {
    let portal = Portal::start();
    let items: String = (0..400)
        .map(|i| {
            format!(
                "<item><title>Tin số {i} của tỉnh</title><link>/tin/{i}.html</link>\
                 <pubDate>Thu, 19 Nov 2026 14:{:02}:00 +0700</pubDate>\
                 <description>Nội dung riêng của bài số {i} về hoạt động của tỉnh trong tuần.</description></item>",
                i % 60
            )
        })
        .collect();
    portal.put(
        "/rss",
        Page::xml(format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><link>/</link>{items}</channel></rss>"
        )),
    );
    let ws = Workspace::new("");
    ws.write_config_with(
        &TEST_SETTINGS.replace(
            "max_body_bytes = 200000",
            "max_body_bytes = 2000000\nfeed_entries = 500\nrun_timeout = \"20s\"",
        ),
        &format!(
            "[[source]]\nid = \"tin\"\nname = \"Cổng tin\"\nprovince = \"Cần Thơ\"\nkind = \"feed\"\nurl = \"{}\"\n",
            portal.url("/rss")
        ),
    );
    ws.fetch(0);
    let published = ws.unified();
    assert_eq!(published.entries.len(), 400);
    let good = ws.dir.path().join("store.good");
    copy_dir(&ws.store_dir(), &good);
    // The feeds as published before the damage: what an operator imports once a command has
    // said the store is damaged. (A run on a store whose damage sled did not notice may
    // publish what it could still read.)
    let public = ws.dir.path().join("public.good");
    copy_dir(&ws.dir.path().join("public"), &public);

    let mut reported = 0;
    for seed in [1u64, 7, 42, 1234] {
        let _ = std::fs::remove_dir_all(ws.store_dir());
        copy_dir(&good, &ws.store_dir());
        damage(&ws.store_dir(), seed, 50);
        for args in [&["sources"][..], &["fetch", "--force"], &["export"]] {
            let out = run_bounded(&ws, args, Duration::from_secs(120));
            let err = String::from_utf8_lossy(&out.stderr);
            // sled notices some damage and not other; what it notices must be said plainly.
            if out.status.code() != Some(0) && out.status.code() != Some(1) {
                assert_eq!(out.status.code(), Some(65), "seed {seed} {args:?}: {err}");
                assert!(
                    (err.contains("is damaged") || err.contains("may be damaged"))
                        && err.contains("README"),
                    "{err}"
                );
                assert!(!err.contains("panicked"), "{err}");
                reported += 1;
            }
        }
    }

    assert!(
        reported > 0,
        "the damage went unnoticed every time: the test proves nothing"
    );

    // Recovery: the damaged store moved aside, the published feeds imported.
    let _ = std::fs::remove_dir_all(ws.store_dir());
    let out = ws.run(&[
        "import",
        public.join("feed.atom").to_str().expect("path"),
        public.join("sources/tin.atom").to_str().expect("path"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("feed.atom: 400 new"), "{stdout}");
    assert!(
        stdout.contains("tin.atom: 0 new, 400 already stored"),
        "{stdout}"
    );
    let out = ws.run(&["export"]);
    let restored = parse_atom(&String::from_utf8_lossy(&out.stdout));
    let ids = |feed: &atom_syndication::Feed| {
        let mut ids: Vec<(String, String, String)> = feed
            .entries
            .iter()
            .map(|e| (e.id.clone(), e.title.value.clone(), content_of(e)))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&restored), ids(&published));
    // And the source goes on from there: nothing new, nothing twice.
    let summary = ws.fetch(0);
    assert!(summary.contains("tin  ok: 0 new"), "{summary}");
    assert_eq!(ws.unified().entries.len(), 400);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
