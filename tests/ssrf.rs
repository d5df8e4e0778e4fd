//! No request to an internal address: the source URL, every redirect and every article link
//! is checked on the addresses it connects to (after DNS resolution through the system
//! resolver, `/etc/hosts` included), in every numeric spelling. Only names `/etc/hosts` maps
//! to loopback are used: no DNS query leaves the machine.

mod common;

use common::*;

/// TEST_SETTINGS without the blanket permission.
fn settings(allow: &str) -> String {
    TEST_SETTINGS.replace("allow_private_networks = true", allow)
}

fn feed_source(id: &str, url: &str) -> String {
    format!("[[source]]\nid = \"{id}\"\nname = \"Nguồn {id}\"\nkind = \"feed\"\nurl = \"{url}\"\n")
}

fn summary_line<'a>(summary: &'a str, id: &str) -> &'a str {
    summary
        .lines()
        .find(|l| l.starts_with(&format!("{id} ")))
        .unwrap_or_default()
}

#[test]
fn by_default_no_internal_address_is_fetched_in_any_spelling() {
    let internal = Portal::start();
    internal.put("/secret", Page::xml(fixture_text("feeds/atom-v1.xml")));
    let port = internal.addr.port();
    let spellings = [
        ("literal", format!("http://127.0.0.1:{port}/secret")),
        ("name", format!("http://localhost:{port}/secret")),
        ("decimal", format!("http://2130706433:{port}/secret")),
        ("hex", format!("http://0x7f.1:{port}/secret")),
        ("mapped", format!("http://[::ffff:127.0.0.1]:{port}/secret")),
    ];
    let sources: String = spellings
        .iter()
        .map(|(id, url)| feed_source(id, url))
        .collect();
    let ws = Workspace::new("");
    ws.write_config_with(&settings(""), &sources);
    let summary = ws.fetch(1);
    for (id, _) in &spellings {
        let line = summary_line(&summary, id);
        assert!(
            line.contains("FAILED") && line.contains("refused") && line.contains("127.0.0.1"),
            "{id}: {summary}"
        );
        assert!(line.contains("allow_private_networks"), "{line}");
    }
    assert_eq!(internal.all_hits().len(), 0, "{:?}", internal.all_hits());

    // `check` of the config warns about the addresses it can see without resolving…
    let out = ws.run(&["check"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for id in ["literal", "decimal", "hex", "mapped"] {
        assert!(
            text.contains(&format!("warning: source `{id}`:"))
                && text.contains("allow_private_networks"),
            "{id}: {text}"
        );
    }
    // …and its dry run of a source says the same, and names the setting.
    let out = ws.run(&["check", "--source", "name"]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("allow_private_networks"), "{text}");
    assert_eq!(internal.all_hits().len(), 0);
}

#[test]
fn redirects_and_links_to_internal_addresses_are_refused() {
    // The portal is allowed (its own loopback address); the internal service is not.
    let portal = Portal::start_on("127.0.0.2");
    let internal = Portal::start();
    internal.put("/secret", Page::xml(fixture_text("feeds/atom-v1.xml")));
    internal.put(
        "/page",
        Page::html("<html><body><h1>Bí mật</h1><div class='c'><p>Nội bộ</p></div></body></html>"),
    );
    let port = internal.addr.port();
    let mut sources = String::new();
    for (id, target) in [
        ("to-name", format!("http://localhost:{port}/secret")),
        (
            "to-mapped",
            format!("http://[::ffff:127.0.0.1]:{port}/secret"),
        ),
        ("to-decimal", format!("http://2130706433:{port}/secret")),
        ("to-literal", format!("http://127.0.0.1:{port}/secret")),
    ] {
        portal.put(&format!("/{id}"), Page::redirect(&target));
        sources.push_str(&feed_source(id, &portal.url(&format!("/{id}"))));
    }
    // An article link to the internal service, on a host the source allows.
    portal.put(
        "/list",
        Page::html(format!(
            r#"<html><body><a class="t" href="http://localhost:{port}/page">Bài</a></body></html>"#
        )),
    );
    sources.push_str(&format!(
        "[[source]]\nid = \"links\"\nname = \"Links\"\nkind = \"html\"\nurl = \"{}\"\nallow_hosts = [\"localhost\"]\n\
         [source.list]\nlink = \"a.t\"\n[source.article]\ntitle = \"h1\"\ncontent = \"div.c\"\n",
        portal.url("/list")
    ));
    let ws = Workspace::new("");
    ws.write_config_with(
        &settings("allow_private_networks = [\"127.0.0.2/32\"]"),
        &sources,
    );
    let summary = ws.fetch(1);
    for id in ["to-name", "to-mapped", "to-decimal", "to-literal"] {
        let line = summary_line(&summary, id);
        assert!(
            line.contains("FAILED") && line.contains("refused"),
            "{id}: {summary}"
        );
    }
    assert!(
        summary.contains("skipped http://localhost:") && summary.contains("refused"),
        "{summary}"
    );
    assert_eq!(internal.all_hits().len(), 0, "{:?}", internal.all_hits());
    assert!(
        portal.all_hits().len() >= 5,
        "the portal itself was fetched"
    );
    assert!(ws.unified().entries.is_empty());
}

#[test]
fn a_bad_network_in_the_setting_is_a_config_error() {
    let ws = Workspace::new("");
    ws.write_config_with(
        &settings("allow_private_networks = [\"10.0.0.0/33\"]"),
        &feed_source("a", "http://127.0.0.1:9/"),
    );
    let out = ws.run(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("allow_private_networks: `10.0.0.0/33`: the prefix must be 0 to 32"),
        "{err}"
    );
}
