//! The command line: config errors (file, line, source id, exit 2), a store held by another
//! process (exit 75, naming the directory), `--source`, `export`, and published files' modes.

mod common;

use common::*;
use portalfeed::store::Store;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_config_exits_2_with_file_line_and_source() {
    let ws = Workspace::new(
        "[[source]]\nid = \"tg-haugiang\"\nname = \"x\"\nkind = \"html\"\nurl = \"http://127.0.0.1:9/\"\n\
         [source.list]\nlink = \"a[[\"\n[source.article]\ntitle = \"h1\"\n",
    );
    let out = ws.run(&["fetch"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let config = ws.config().display().to_string();
    assert!(
        err.contains(&format!(
            "{config}:{}:8: source `tg-haugiang`: invalid CSS selector `a[[`",
            sources_line(7)
        )),
        "{err}"
    );

    ws.write_config("[[source]]\nid = \"a\"\nname = \"x\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\ncolour = \"red\"\n");
    let out = ws.run(&["fetch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            ":{}:1: source `a`: unknown field `colour`",
            sources_line(6)
        )),
        "{}",
        stderr(&out)
    );

    ws.write_config(
        "[[source]]\nid = \"a\"\nname = \"x\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\n",
    );
    let out = ws.run(&["fetch", "--source", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no source with id `nope`"),
        "{}",
        stderr(&out)
    );

    let missing = std::process::Command::new(env!("CARGO_BIN_EXE_portalfeed"))
        .args(["fetch", "--config", "/nonexistent/feeds.toml"])
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/nonexistent/feeds.toml"));
}

#[test]
fn store_in_use_exits_75_and_names_it() {
    let ws = Workspace::new(
        "[[source]]\nid = \"a\"\nname = \"x\"\nkind = \"feed\"\nurl = \"http://127.0.0.1:9/\"\n",
    );
    let held = Store::open(&ws.store_dir()).expect("open store");
    let out = ws.run(&["fetch"]);
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&ws.store_dir().display().to_string()), "{err}");
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    drop(held);
    let out = ws.run(&["fetch"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "runs (and fails to reach port 9) once free: {}",
        stderr(&out)
    );
}

#[test]
fn named_sources_only_and_export() {
    let portal = Portal::start();
    portal.put("/a", Page::xml(fixture("feeds/atom-v1.xml")));
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"a\"\nname = \"A\"\nkind = \"feed\"\nurl = \"{}\"\n\
         [[source]]\nid = \"b\"\nname = \"B\"\nkind = \"feed\"\nurl = \"{}\"\n",
        portal.url("/a"),
        portal.url("/b-is-404")
    ));
    let out = ws.run(&["fetch", "--source", "a"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("b  not due"), "{stdout}");
    assert!(portal.hits().iter().all(|h| h.path == "/a"));

    // Sources already run are not due again until their interval passes.
    let out = ws.run(&["fetch"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("a  not due"), "{stdout}");
    assert!(stdout.contains("b  FAILED: feed: http://"), "{stdout}");
    assert_eq!(out.status.code(), Some(1));

    // Without a server, `sources` reads the store.
    let out = ws.run(&["sources"]);
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    let row = |id: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        row("a").contains(" ok ") && row("a").contains(" 2 "),
        "{table}"
    );
    assert!(
        row("a").contains(" +07:00 "),
        "times say their zone: {table}"
    );
    assert!(
        row("b").contains("failed") && row("b").contains("HTTP 404"),
        "{table}"
    );

    let out = ws.run(&["export"]);
    assert_eq!(out.status.code(), Some(0));
    let feed = parse_atom(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        titles(&feed),
        [
            "Hướng dẫn chuyển đổi số cấp xã",
            "Thông báo tuyển dụng viên chức"
        ]
    );
}

/// Published feeds are readable by a web server running as another user: created like any
/// file, honouring the umask (0644 under the usual 022), not tempfile's private 0600.
#[test]
fn published_feeds_honour_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let portal = Portal::start();
    portal.put_fixture_rss("/rss");
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"rss\"\nname = \"RSS\"\nkind = \"feed\"\nurl = \"{}\"\n",
        portal.url("/rss")
    ));
    for (umask, mode) in [("022", 0o644), ("027", 0o640)] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" fetch --force --config \"$1\""
            ))
            .arg(env!("CARGO_BIN_EXE_portalfeed"))
            .arg(ws.config())
            .output()
            .expect("sh");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for file in ["feed.atom", "sources/rss.atom"] {
            let meta = std::fs::metadata(ws.dir.path().join("public").join(file)).expect(file);
            assert_eq!(
                meta.permissions().mode() & 0o777,
                mode,
                "{file} under umask {umask}"
            );
        }
    }
}

/// `portalfeed sources --history ID`: the source's last runs, newest first, and a sparkline of
/// the articles it stored per day — from the store, or from the server holding it.
#[test]
fn a_sources_history_lists_its_runs_and_plots_its_days() {
    let portal = Portal::start();
    portal.put("/a", Page::xml(fixture("feeds/atom-v1.xml")));
    let ws = Workspace::new(&format!(
        "[[source]]\nid = \"a\"\nname = \"Cổng A\"\nkind = \"feed\"\nurl = \"{}\"\n\
         [[source]]\nid = \"b\"\nname = \"B\"\nkind = \"feed\"\nurl = \"{}\"\n",
        portal.url("/a"),
        portal.url("/b-is-404")
    ));
    let out = ws.run(&["sources", "--history", "a"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("no run recorded yet"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    ws.run(&["fetch"]);
    ws.run(&["fetch", "--force"]);

    let out = ws.run(&["sources", "--history", "a"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let runs: Vec<&str> = text.lines().filter(|l| l.starts_with("  20")).collect();
    assert_eq!(runs.len(), 2, "{text}");
    assert!(
        runs[1].contains(" ok ") && runs[1].ends_with(" 2 new"),
        "the first run, last: {text}"
    );
    assert!(
        runs[0].ends_with(" 0 new"),
        "the second run found nothing new: {text}"
    );
    assert!(text.starts_with("source a (Cổng A)"), "{text}");
    let plot = text
        .lines()
        .find(|l| l.starts_with("articles per day"))
        .unwrap_or_else(|| panic!("no sparkline: {text}"));
    assert!(
        plot.contains("·█  (2 in 30 days)"),
        "today holds both articles: {plot}"
    );

    let out = ws.run(&["sources", "--history", "b"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        text.lines().filter(|l| l.contains(" failed ")).count(),
        2,
        "{text}"
    );
    assert!(text.contains("(0 in 30 days)"), "{text}");

    let out = ws.run(&["sources", "--history", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no source with id `nope`"),
        "{}",
        stderr(&out)
    );

    // With `serve` holding the store, the server answers.
    let _server = ws.serve();
    let out = ws.run(&["sources", "--history", "a"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.starts_with("source a (Cổng A)") && text.contains(" 2 new"),
        "{text}"
    );
}
