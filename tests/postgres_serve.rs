//! Several `portalfeed serve` instances on one PostgreSQL store (issue 12), with the real binary
//! against loopback portals and a real server started by the test: 20 sources shared by 3
//! instances are fetched once per cycle, never twice; an instance killed with SIGKILL mid-run
//! has its sources taken over by the others when its lease ends, with no article lost or stored
//! twice; every instance serves the feeds the others wrote; a host's politeness delay holds
//! across instances.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::postgres::PgCluster;
use common::*;

const SOURCES: usize = 20;
const ARTICLES_PER_SOURCE: usize = 2;

/// Syllables the articles' texts are drawn from.
const SYLLABLES: &[&str] = &[
    "tỉnh",
    "huyện",
    "xã",
    "nông",
    "thôn",
    "đường",
    "giao",
    "thông",
    "trường",
    "học",
    "bệnh",
    "viện",
    "dân",
    "cư",
    "kinh",
    "tế",
    "văn",
    "hóa",
    "du",
    "lịch",
    "lúa",
    "gạo",
    "cà",
    "phê",
    "chè",
    "rừng",
    "biển",
    "cầu",
    "cảng",
    "điện",
    "nước",
    "mạng",
    "số",
    "hội",
    "nghị",
    "cán",
    "bộ",
    "thanh",
    "niên",
    "phụ",
    "nữ",
    "nông",
    "dân",
    "lao",
    "động",
    "việc",
    "làm",
    "đầu",
    "tư",
    "dự",
    "án",
    "vốn",
    "ngân",
    "sách",
    "thuế",
    "đất",
    "đai",
    "nhà",
    "ở",
    "môi",
    "trường",
];

/// Article `j` of source `i`: a text of its own, nothing like the others.
fn article(i: usize, j: usize) -> String {
    let mut rng = fastrand::Rng::with_seed((i * 100 + j) as u64);
    let words: Vec<&str> = (0..120)
        .map(|_| SYLLABLES[rng.usize(..SYLLABLES.len())])
        .collect();
    format!(
        "<html><body><h1>Tin {i}-{j}: {}</h1><div class='d'>20/11/2026 {:02}:{:02}</div>\
         <div class='c'><p>{}.</p></div></body></html>",
        words[..6].join(" "),
        8 + i % 10,
        j * 7 % 60,
        words.join(" ")
    )
}

/// The portal of the 20 sources, each list page answered after `list_delay`.
fn portal(list_delay: Duration) -> Portal {
    let portal = Portal::start();
    for i in 0..SOURCES {
        let links: String = (0..ARTICLES_PER_SOURCE)
            .map(|j| format!(r#"<a class="t" href="/s{i}/a{j}.html">x</a>"#))
            .collect();
        portal.put(
            &format!("/s{i}/list"),
            Page::html(format!("<html><body>{links}</body></html>")).with_delay(list_delay),
        );
        for j in 0..ARTICLES_PER_SOURCE {
            portal.put(&format!("/s{i}/a{j}.html"), Page::html(article(i, j)));
        }
    }
    portal
}

/// A workspace whose 20 sources run every `interval` on the database `url`.
fn workspace(portal: &Portal, url: &str, interval: &str) -> Workspace {
    workspace_of(SOURCES, portal, url, interval, TEST_SETTINGS, "3s")
}

/// A workspace whose first `count` sources run every `interval` (each run abandoned after
/// `run_timeout`) on the database `url`.
fn workspace_of(
    count: usize,
    portal: &Portal,
    url: &str,
    interval: &str,
    settings: &str,
    run_timeout: &str,
) -> Workspace {
    let sources: String = (0..count)
        .map(|i| {
            format!(
                "[[source]]\nid = \"s{i}\"\nname = \"Nguồn {i}\"\nprovince = \"Hậu Giang\"\n\
                 kind = \"html\"\nurl = \"{}\"\ninterval = \"{interval}\"\n[source.list]\n\
                 link = \"a.t\"\n[source.article]\ntitle = \"h1\"\ndate = \"div.d\"\n\
                 content = \"div.c\"\n",
                portal.url(&format!("/s{i}/list"))
            )
        })
        .collect();
    let ws = Workspace::new(&sources);
    ws.write_config_with(
        &format!("{settings}store = \"{url}\"\nconcurrency = 4\nrun_timeout = \"{run_timeout}\"\n"),
        &sources,
    );
    ws
}

/// When each list page was requested, by source number.
fn list_hits(portal: &Portal) -> BTreeMap<usize, Vec<Instant>> {
    let mut by: BTreeMap<usize, Vec<Instant>> = BTreeMap::new();
    for hit in portal.hits() {
        let number = hit
            .path
            .strip_prefix("/s")
            .and_then(|p| p.strip_suffix("/list"))
            .and_then(|n| n.parse().ok());
        if let Some(n) = number {
            by.entry(n).or_default().push(hit.at);
        }
    }
    by
}

#[test]
fn three_instances_fetch_each_source_once_per_cycle() {
    let pg = PgCluster::start();
    let url = pg.create_database("shared");
    let portal = portal(Duration::from_millis(300));
    let ws = workspace(&portal, &url, "4s");
    let servers: Vec<Server> = (0..3).map(|_| ws.serve()).collect();

    // The first run and three more cycles of every source.
    let done = eventually(Duration::from_secs(40), || {
        let hits = list_hits(&portal);
        hits.len() == SOURCES && hits.values().all(|h| h.len() >= 4)
    });
    let logs: Vec<String> = servers.iter().map(Server::log).collect();
    assert!(done, "{:?}\n{}", list_hits(&portal), logs.join("\n---\n"));

    // Never two fetches of one list page within a cycle (the interval is 4 s, plus jitter).
    for (source, hits) in list_hits(&portal) {
        for pair in hits.windows(2) {
            let gap = pair[1].duration_since(pair[0]);
            assert!(
                gap >= Duration::from_millis(3200),
                "s{source} fetched twice {gap:?} apart: {hits:?}"
            );
        }
    }
    // The work was shared: each instance ran sources.
    for (n, log) in logs.iter().enumerate() {
        assert!(log.contains("source=s"), "instance {n} ran nothing:\n{log}");
    }
    // Every article once, none merged with another.
    assert_eq!(
        pg.psql("shared", "SELECT count(*) FROM articles"),
        (SOURCES * ARTICLES_PER_SOURCE).to_string()
    );
    assert_eq!(pg.psql("shared", "SELECT count(*) FROM merges"), "0");

    // Any instance serves the articles every instance stored.
    for server in &servers {
        let feed = server.text(&format!(
            "/feed.atom?limit={}",
            SOURCES * ARTICLES_PER_SOURCE
        ));
        assert_eq!(
            feed.matches("<entry>").count(),
            SOURCES * ARTICLES_PER_SOURCE,
            "{}",
            server.base
        );
    }
}

#[test]
fn an_instance_killed_mid_run_has_its_sources_taken_over() {
    let pg = PgCluster::start();
    let url = pg.create_database("shared");
    // Slow list pages: runs are in flight when the kill comes.
    let portal = portal(Duration::from_millis(1500));
    let ws = workspace(&portal, &url, "1h");
    let mut servers: Vec<Server> = (0..3).map(|_| ws.serve()).collect();

    // Find an instance holding leases, and kill it.
    let mut held: Vec<String> = Vec::new();
    let mut victim = None;
    let found = eventually(Duration::from_secs(10), || {
        for (n, server) in servers.iter().enumerate() {
            let holder = format!("pid {} at %", server.child.id());
            let ids = pg.psql(
                "shared",
                &format!(
                    "SELECT string_agg(id, ',' ORDER BY id) FROM sources \
                     WHERE lease_holder LIKE '{holder}'"
                ),
            );
            if !ids.is_empty() {
                held = ids.split(',').map(str::to_string).collect();
                victim = Some(n);
                return true;
            }
        }
        false
    });
    assert!(found, "no instance held a lease");
    let victim = victim.expect("a victim");
    let mut killed = servers.remove(victim);
    let killed_pid = killed.child.id();
    killed.child.kill().expect("SIGKILL");
    let _ = killed.child.wait();
    let killed_at = Instant::now();

    // Its sources are fetched again by the others once its lease (run timeout + 5 s) ends.
    let taken_over = eventually(Duration::from_secs(25), || {
        let hits = list_hits(&portal);
        held.iter().all(|id| {
            let n: usize = id.trim_start_matches('s').parse().unwrap_or(usize::MAX);
            hits.get(&n)
                .is_some_and(|h| h.iter().any(|at| *at > killed_at))
        })
    });
    let logs: Vec<String> = servers.iter().map(Server::log).collect();
    assert!(
        taken_over,
        "held {held:?}; hits {:?}\n{}",
        list_hits(&portal),
        logs.join("\n---\n")
    );
    assert!(
        logs.iter()
            .any(|l| l.contains(&format!("taken over from pid {killed_pid} at"))),
        "{}",
        logs.join("\n---\n")
    );

    // Every article stored once: none lost with the dead instance, none twice.
    let expected = (SOURCES * ARTICLES_PER_SOURCE).to_string();
    let stored = eventually(Duration::from_secs(15), || {
        pg.psql("shared", "SELECT count(*) FROM articles") == expected
    });
    assert!(
        stored,
        "{} articles stored",
        pg.psql("shared", "SELECT count(*) FROM articles")
    );
    assert_eq!(pg.psql("shared", "SELECT count(*) FROM merges"), "0");
    // Sources the dead instance did not hold were fetched once (a one-hour interval).
    for (source, hits) in list_hits(&portal) {
        if !held.contains(&format!("s{source}")) {
            assert_eq!(hits.len(), 1, "s{source} fetched {} times", hits.len());
        }
    }
}

#[test]
fn a_hosts_delay_holds_across_instances() {
    let pg = PgCluster::start();
    let url = pg.create_database("shared");
    let portal = portal(Duration::ZERO);
    let settings = TEST_SETTINGS.replace("per_host_delay = \"0s\"", "per_host_delay = \"200ms\"");
    assert_ne!(settings, TEST_SETTINGS);
    let count = 6;
    // 18 requests 200 ms apart: no run may be abandoned for waiting its turn.
    let ws = workspace_of(count, &portal, &url, "1h", &settings, "30s");
    let servers: Vec<Server> = (0..3).map(|_| ws.serve()).collect();

    // Each source: its list page and its articles.
    let requests = count * (1 + ARTICLES_PER_SOURCE);
    let done = eventually(Duration::from_secs(30), || {
        portal
            .hits()
            .iter()
            .filter(|h| h.path.starts_with("/s"))
            .count()
            >= requests
    });
    let logs: Vec<String> = servers.iter().map(Server::log).collect();
    assert!(done, "{:?}\n{}", portal.hits(), logs.join("\n---\n"));
    let mut times: Vec<Instant> = portal.hits().iter().map(|h| h.at).collect();
    times.sort();
    for pair in times.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(
            gap >= Duration::from_millis(170),
            "two requests {gap:?} apart: {:?}",
            portal.hits()
        );
    }
    // Work of more than one instance (else one process's own delay would explain the gaps).
    let busy = logs.iter().filter(|l| l.contains("source=s")).count();
    assert!(
        busy >= 2,
        "{busy} instance(s) ran sources:\n{}",
        logs.join("\n---\n")
    );
}

/// `/healthz`'s status code.
fn health(server: &Server) -> u16 {
    http()
        .get(server.url("/healthz"))
        .send()
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[test]
fn losing_the_database_pauses_fetching_until_it_returns() {
    let pg = PgCluster::start();
    let url = pg.create_database("shared");
    let portal = portal(Duration::ZERO);
    let ws = workspace_of(4, &portal, &url, "1s", TEST_SETTINGS, "3s");
    let mut server = ws.serve();
    let count = || pg.psql("shared", "SELECT count(*) FROM articles");
    assert!(
        eventually(Duration::from_secs(15), || count() == "8"),
        "{}",
        server.log()
    );
    assert_eq!(health(&server), 200);

    pg.pause();
    assert!(
        eventually(Duration::from_secs(10), || health(&server) == 503),
        "{}",
        server.log()
    );
    // A new article appears while the database is away.
    portal.put(
        "/s0/list",
        Page::html(
            r#"<html><body><a class="t" href="/s0/a0.html">x</a><a class="t" href="/s0/a1.html">x</a>
            <a class="t" href="/s0/a9.html">x</a></body></html>"#,
        ),
    );
    portal.put("/s0/a9.html", Page::html(article(0, 9)));
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        server.child.try_wait().expect("wait").is_none(),
        "serve exited without its database:\n{}",
        server.log()
    );

    pg.resume();
    assert!(
        eventually(Duration::from_secs(20), || health(&server) == 200),
        "{}",
        server.log()
    );
    assert!(
        eventually(Duration::from_secs(20), || count() == "9"),
        "the article of the outage was not stored: {} articles\n{}",
        count(),
        server.log()
    );
    let log = server.log();
    assert!(log.contains("fetching pauses"), "{log}");
    assert!(log.contains("fetching resumes"), "{log}");
}

#[test]
fn a_served_feed_follows_another_processs_writes() {
    let pg = PgCluster::start();
    let url = pg.create_database("shared");
    let portal = portal(Duration::ZERO);
    // A reader-facing instance with no sources of its own, and a `fetch` beside it.
    let reader = Workspace::new("");
    reader.write_config_with(&format!("{TEST_SETTINGS}store = \"{url}\"\n"), "");
    let server = reader.serve();
    let entries = || server.text("/feed.atom").matches("<entry>").count();
    assert_eq!(entries(), 0);
    assert_eq!(entries(), 0, "served from its cache");

    let writer = workspace_of(4, &portal, &url, "1h", TEST_SETTINGS, "3s");
    writer.fetch(0);
    assert!(
        eventually(Duration::from_secs(5), || entries() == 8),
        "still {} entries:\n{}",
        entries(),
        server.log()
    );
}
