//! `portalfeed migrate` against a real PostgreSQL (a throwaway cluster started here): the
//! versioned schema is applied once, a second run applies nothing, several instances migrating
//! at the same moment apply each version once, and an unreachable or mistyped database is a
//! clear error that never shows the password.

mod common;

use std::process::{Command, Output};

use common::postgres::PgCluster;

fn migrate(args: &[&str], env: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portalfeed"));
    command
        .arg("migrate")
        .args(args)
        .env_remove("PORTALFEED_STORE");
    if let Some(url) = env {
        command.env("PORTALFEED_STORE", url);
    }
    command.output().expect("run portalfeed migrate")
}

/// The schema's versions as this portalfeed ships them.
const LATEST: i32 = 3;
/// How `migrate` lists them all when it applies them to an empty database.
const ALL: &str = "1, 2, 3";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_schema_is_applied_once_and_a_second_run_applies_nothing() {
    let pg = PgCluster::start();
    let url = pg.create_database("feeds");
    let first = migrate(&["--to", &url], None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains(&format!(
            "applied migration(s) {ALL}; schema at version {LATEST}"
        )),
        "{}",
        text(&first.stdout)
    );
    let tables = pg.psql(
        "feeds",
        "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables \
         WHERE table_schema = 'public'",
    );
    for table in [
        "articles",
        "counts",
        "failures",
        "robots",
        "clusters",
        "generation",
        "hosts",
        "links",
        "merges",
        "profiles",
        "schema_migrations",
        "sketch",
        "sources",
        "validators",
    ] {
        assert!(tables.split(',').any(|t| t == table), "{table} in {tables}");
    }

    // Again, the database named by PORTALFEED_STORE this time.
    let second = migrate(&[], Some(&url));
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(
        text(&second.stdout).contains(&format!("schema at version {LATEST}, nothing to apply")),
        "{}",
        text(&second.stdout)
    );
    assert_eq!(
        pg.psql("feeds", "SELECT count(*) FROM schema_migrations"),
        LATEST.to_string()
    );
}

#[test]
fn instances_migrating_at_once_apply_each_version_once() {
    let pg = PgCluster::start();
    let url = pg.create_database("shared");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_portalfeed"))
                .args(["migrate", "--to", &url])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn migrate")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    for out in &outputs {
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let applying = outputs
        .iter()
        .filter(|o| text(&o.stdout).contains(&format!("applied migration(s) {ALL}")))
        .count();
    assert_eq!(applying, 1, "exactly one instance applies the migrations");
    assert_eq!(
        pg.psql("shared", "SELECT count(*) FROM schema_migrations"),
        LATEST.to_string()
    );
    assert_eq!(pg.psql("shared", "SELECT value FROM generation"), "0");
}

#[test]
fn a_database_of_a_newer_portalfeed_is_refused() {
    let pg = PgCluster::start();
    let url = pg.create_database("newer");
    assert!(migrate(&["--to", &url], None).status.success());
    pg.psql(
        "newer",
        "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')",
    );
    let out = migrate(&["--to", &url], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("schema is at version 99, newer than this portalfeed knows"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unreachable_or_mistyped_database_is_a_clear_error() {
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let url = format!("postgres://portalfeed:s3cret-word@127.0.0.1:{port}/feeds");
    let out = migrate(&["--to", &url], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot connect to PostgreSQL at postgres://portalfeed@127.0.0.1:{port}/feeds"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("s3cret"),
        "the password is never shown: {stderr}"
    );

    let out = migrate(&["--to", "store"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a postgres:// URL"));
    let out = migrate(&[], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("PORTALFEED_STORE"));
}

/// Entry id, updated time and title of each entry of an Atom feed, sorted.
fn entries(feed: &atom_syndication::Feed) -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = feed
        .entries
        .iter()
        .map(|e| (e.id.clone(), e.updated.to_rfc3339(), e.title.value.clone()))
        .collect();
    all.sort();
    all
}

#[test]
fn a_sled_store_moves_over_without_new_or_repeated_entries() {
    use common::*;
    let portal = Portal::start();
    let body = real_body("bacgiang-2017-post3-tay-yen-tu");
    let page = |title: &str, date: &str, body: &str| {
        Page::html(format!(
            "<html><body><h1>{title}</h1><div class='d'>{date}</div><div class='c'>{body}</div>\
             </body></html>"
        ))
    };
    portal.put(
        "/a/list",
        Page::html(r#"<a class="t" href="/a/1.html">x</a><a class="t" href="/a/2.html">y</a>"#)
            .with_etag("\"a1\""),
    );
    portal.put("/a/1.html", page("Tây Yên Tử", "21/03/2021 08:00", &body));
    portal.put(
        "/a/2.html",
        page(
            "Hội nghị lần thứ 5",
            "20/03/2021 08:00",
            "<p>Sáng 20/3, Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị lần thứ 5 để thảo luận \
             kết quả thực hiện nhiệm vụ quý I và phương hướng quý II năm 2021.</p>",
        ),
    );
    portal.put(
        "/b/list",
        Page::html(r#"<a class="t" href="/b/1.html">x</a>"#).with_etag("\"b1\""),
    );
    portal.put(
        "/b/1.html",
        page(
            "HG: Tây Yên Tử",
            "21/03/2021 10:00",
            &format!("{body}<p>Nguồn: Báo Bắc Giang</p>"),
        ),
    );
    let source = |id: &str, list: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"Nguồn {id}\"\nprovince = \"Bắc Giang\"\n\
             kind = \"html\"\nurl = \"{}\"\n[source.list]\nlink = \"a.t\"\n[source.article]\n\
             title = \"h1\"\ndate = \"div.d\"\ncontent = \"div.c\"\n",
            portal.url(list)
        )
    };
    let sources = format!("{}{}", source("a", "/a/list"), source("b", "/b/list"));
    let ws = Workspace::new(&sources);
    ws.fetch(0);
    let before = entries(&ws.unified());
    assert_eq!(
        before.len(),
        2,
        "one story of two copies, one other: {before:?}"
    );
    let before_a = entries(&ws.source_feed("a"));
    let before_b = entries(&ws.source_feed("b"));

    let pg = PgCluster::start();
    let url = pg.create_database("moved");
    let store = ws.store_dir();
    let out = migrate(
        &["--from", store.to_str().expect("path"), "--to", &url],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("copied 3 articles, 3 links, 3 dedup profiles, 1 clusters, 1 merges"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        pg.psql(
            "moved",
            "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
        ),
        "1"
    );

    // The same sources on the database: the portals answer 304 to the carried validators,
    // and the feeds keep their entries (ids, updated times) with nothing new or repeated.
    ws.write_config_with(&format!("{TEST_SETTINGS}store = \"{url}\"\n"), &sources);
    portal.take_hits();
    ws.fetch(0);
    let lists: Vec<Hit> = portal
        .take_hits()
        .into_iter()
        .filter(|h| h.path.ends_with("/list"))
        .collect();
    assert_eq!(lists.len(), 2, "{lists:?}");
    assert!(lists.iter().all(|h| h.conditional), "{lists:?}");
    assert_eq!(entries(&ws.unified()), before);
    assert_eq!(entries(&ws.source_feed("a")), before_a);
    assert_eq!(entries(&ws.source_feed("b")), before_b);
    let dupes = text(&ws.run(&["dupes"]).stdout);
    assert!(dupes.contains("1 merges recorded in all"), "{dupes}");

    // A second copy into the same database is refused: stores are not merged this way.
    let again = migrate(
        &["--from", store.to_str().expect("path"), "--to", &url],
        None,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already holds 3 articles"),
        "{}",
        text(&again.stderr)
    );
}
