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
const LATEST: i32 = 2;
/// How `migrate` lists them all when it applies them to an empty database.
const ALL: &str = "1, 2";

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
