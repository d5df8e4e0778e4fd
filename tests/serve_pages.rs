//! The reader's front page (`/`) and the operators' dashboard (`/status`) served by the real
//! binary over loopback, read over HTTP and in a real headless browser (Debian's chromium,
//! installed by `scripts/test`).
//!
//! Six portals: a story three of them carried (one card, "Đăng trên 3 nguồn"), a feed of 35
//! stories (paging), a portal "redesign" that leaves no article link (broken) and one that
//! answers 503 (failed). Screenshots of both pages at phone and desktop widths land in
//! `target/test-output/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;
use scraper::{Html, Selector};

#[path = "../benches/support/vocabulary.rs"]
mod vocabulary;

const STORY: &str = "Tập trung giải phóng mặt bằng khu tái định cư Tây Yên Tử";
/// Stories of the `news` feed: more than a page.
const NEWS: usize = 35;
/// Cards per page (`serve::reader::PAGE_SIZE`).
const PAGE: usize = 30;

/// The portals and the workspace reading them.
fn set_up() -> (Portal, Workspace) {
    let portal = Portal::start();
    let body = real_body("bacgiang-2017-post3-tay-yen-tu");
    portal.put(
        "/party/list",
        Page::html(
            r#"<a class="t" href="/party/tay-yen-tu.html">x</a><a class="t" href="/party/rieng.html">y</a>"#,
        ),
    );
    portal.put(
        "/party/tay-yen-tu.html",
        Page::html(portal_article(STORY, "21/03/2021 08:00", &body)),
    );
    portal.put(
        "/party/rieng.html",
        Page::html(portal_article(
            "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 5",
            "20/03/2021 08:00",
            &real_body("bacgiang-2017-post8-ba-con-xa-que"),
        )),
    );
    portal.put(
        "/dept/list",
        Page::html(r#"<a class="t" href="/dept/tin-1.html">x</a>"#),
    );
    portal.put(
        "/dept/tin-1.html",
        Page::html(portal_article(STORY, "22/03/2021 09:00", &body)),
    );
    portal.put(
        "/portal/rss",
        Page::xml(format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Cổng</title><link>/</link>\
             <item><title>{STORY}</title><link>/portal/tin/12345.html</link>\
             <pubDate>Sun, 21 Mar 2021 10:00:00 +0700</pubDate><description>{}</description></item>\
             </channel></rss>",
            escape_xml(&body)
        )),
    );
    // 35 stories of distinct real words, a minute apart on 2020-06-01; the newest's title is
    // hostile.
    let words = vocabulary::vocabulary();
    let mut rng = fastrand::Rng::with_seed(14);
    let items: String = (0..NEWS)
        .map(|i| {
            let title = if i == NEWS - 1 {
                "Tin &lt;script&gt;alert(1)&lt;/script&gt; &quot;đặc biệt&quot;".to_string()
            } else {
                format!(
                    "Bản tin số {i}: {}",
                    vocabulary::phrase(&mut rng, &words, 6)
                )
            };
            format!(
                "<item><title>{title}</title><link>/news/{i}.html</link>\
                 <pubDate>Mon, 01 Jun 2020 10:{i:02}:00 +0700</pubDate>\
                 <description>{}{}</description></item>",
                vocabulary::phrase(&mut rng, &words, 60),
                // The hostile one also carries markup that must never reach a reader.
                if i == NEWS - 1 {
                    escape_xml(r#"<img src="x" onerror="alert(2)"><script>alert(3)</script><p style="position:fixed">Cuối bài.</p>"#)
                } else {
                    String::new()
                }
            )
        })
        .collect();
    portal.put(
        "/news/rss",
        Page::xml(format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Tin</title><link>/</link>{items}</channel></rss>"
        )),
    );
    portal.put(
        "/redesign",
        Page::html(r#"<a class="t" href="/r/1.html">x</a>"#),
    );
    portal.put(
        "/r/1.html",
        Page::html(portal_article(
            "Bài của cổng sắp đổi giao diện",
            "19/03/2021 08:00",
            &real_body("bacgiang-2017-post13-don-dien-doi-thua"),
        )),
    );
    portal.put("/down", Page::status(503));

    let html_source = |id: &str, name: &str, province: &str, list: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"{name}\"\nprovince = \"{province}\"\nkind = \"html\"\n\
             url = \"{}\"\ninterval = \"1h\"\n[source.list]\nlink = \"a.t\"\n[source.article]\n\
             title = \"h1.detail-title\"\ndate = \"div.detail-meta\"\ncontent = \"div.detail-content\"\n",
            portal.url(list)
        )
    };
    let feed_source = |id: &str, name: &str, province: &str, url: &str| {
        format!(
            "[[source]]\nid = \"{id}\"\nname = \"{name}\"\nprovince = \"{province}\"\nkind = \"feed\"\n\
             url = \"{}\"\ninterval = \"1h\"\n",
            portal.url(url)
        )
    };
    let ws = Workspace::new(
        &[
            html_source("party", "Ban Tuyên giáo", "Bắc Giang", "/party/list"),
            html_source("dept", "Sở Văn hóa", "Hậu Giang", "/dept/list"),
            feed_source("portal", "Cổng TTĐT", "Bắc Giang", "/portal/rss"),
            feed_source("news", "Báo Cần Thơ", "Cần Thơ", "/news/rss"),
            html_source("redesign", "Cổng đổi giao diện", "Cần Thơ", "/redesign"),
            html_source("down", "Cổng hỏng", "Cần Thơ", "/down"),
        ]
        .concat(),
    );
    (portal, ws)
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("{css}: {e}"));
    doc.select(&selector).collect()
}

fn text(element: &scraper::ElementRef) -> String {
    element.text().collect::<String>().trim().to_string()
}

fn attr(element: &scraper::ElementRef, name: &str) -> String {
    element.value().attr(name).unwrap_or_default().to_string()
}

/// The card titles of a page.
fn card_titles(doc: &Html) -> Vec<String> {
    select(doc, "article.card h2 a").iter().map(text).collect()
}

/// The href of the first element matching `css`.
fn href(doc: &Html, css: &str) -> Option<String> {
    select(doc, css).first().map(|a| attr(a, "href"))
}

/// A page's address, from a link relative to the front page.
fn resolve(server: &Server, link: &str) -> String {
    server.url(&format!("/{}", link.trim_start_matches("./")))
}

fn get_page(client: &reqwest::blocking::Client, url: &str) -> Html {
    let response = client.get(url).send().expect("GET");
    assert_eq!(response.status(), 200, "{url}");
    Html::parse_document(&response.text().expect("body"))
}

#[test]
fn the_front_page_and_the_dashboard() {
    let (portal, ws) = set_up();
    let server = ws.serve();
    let client = http();
    let table = || server.text("/sources.txt");
    // Every source ran once, the failing one included (503s are retried twice first).
    assert!(
        eventually(Duration::from_secs(20), || {
            let t = table();
            t.contains("HTTP 503") && t.lines().filter(|l| l.contains(" ok ")).count() == 5
        }),
        "{}\n{}",
        table(),
        server.log()
    );
    // The portal is redesigned: its list page answers but has no `a.t` left.
    portal.put(
        "/redesign",
        Page::html(r#"<div class="new-theme"><a href="/r/1.html">x</a></div>"#),
    );
    admin_post(&client, server.url("/admin/fetch?source=redesign"))
        .send()
        .expect("POST");
    assert!(
        eventually(Duration::from_secs(10), || table().contains("BROKEN?")),
        "{}",
        table()
    );

    front_page_over_http(&server, &client);
    dashboard_over_http(&server, &client);
    in_chromium(&server);
}

/// The unified feed's titles, newest first: what the front page must show, in that order.
fn unified_titles(server: &Server, client: &reqwest::blocking::Client, query: &str) -> Vec<String> {
    let body = client
        .get(server.url(&format!("/feed.json?limit=500{query}")))
        .send()
        .expect("GET")
        .text()
        .expect("body");
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON Feed");
    json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn front_page_over_http(server: &Server, client: &reqwest::blocking::Client) {
    let response = client.get(server.url("/")).send().expect("GET /");
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().expect("CSP");
    assert!(
        policy.contains("default-src 'none'")
            && policy.contains("style-src 'self'")
            && !policy.contains("unsafe"),
        "{policy}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = response.text().expect("body");
    assert!(!html.contains("<script"), "a hostile title stays text");
    let first = Html::parse_document(&html);
    // The hostile story's page: its markup cleaned away by the pipeline, its text kept.
    let hostile = select(&first, "article.card h2 a")
        .into_iter()
        .find(|a| text(a).starts_with("Tin <script>"))
        .map(|a| attr(&a, "href"))
        .expect("the hostile card");
    let page = client
        .get(resolve(server, &hostile))
        .send()
        .expect("GET")
        .text()
        .expect("body");
    assert!(
        !page.contains("<script") && !page.contains("onerror") && !page.contains("position:fixed"),
        "{page}"
    );
    assert!(page.contains("Cuối bài."), "{page}");
    assert!(
        card_titles(&first).contains(&r#"Tin <script>alert(1)</script> "đặc biệt""#.to_string()),
        "shown as text: {:?}",
        card_titles(&first)
    );

    // Every story once, newest first, as the unified feed has them; paging by its cursors.
    let all = unified_titles(server, client, "");
    // The news, the story, the party's other article, the redesigned portal's article.
    assert_eq!(all.len(), NEWS + 3, "{all:?}");
    assert_eq!(card_titles(&first), all[..PAGE]);
    let older = href(&first, "nav.paging a[rel=next]").expect("an older page");
    assert!(older.contains("before="), "{older}");
    let second = get_page(client, &resolve(server, &older));
    assert_eq!(card_titles(&second), all[PAGE..]);
    assert!(
        href(&second, "nav.paging a[rel=next]").is_none(),
        "the last page"
    );
    let newer = href(&second, "nav.paging a[rel=prev]").expect("a newer page");
    assert!(newer.contains("after="), "{newer}");
    let back = get_page(client, &resolve(server, &newer));
    assert_eq!(card_titles(&back), all[..PAGE]);

    // The story three portals carried: one card naming them, in +07:00 and Vietnamese.
    let story = select(&first, "article.card")
        .into_iter()
        .filter(|c| text(c).contains(STORY))
        .collect::<Vec<_>>();
    assert_eq!(story.len(), 1, "one card for the story");
    let card = Html::parse_fragment(&story[0].html());
    let carried = text(&select(&card, "p.carried")[0]);
    assert!(
        carried.starts_with("Đăng trên 3 nguồn:")
            && ["Ban Tuyên giáo", "Sở Văn hóa", "Cổng TTĐT"]
                .iter()
                .all(|n| carried.contains(n)),
        "{carried}"
    );
    let links: Vec<String> = select(&card, "p.carried a")
        .iter()
        .map(|a| attr(a, "href"))
        .collect();
    for path in [
        "/party/tay-yen-tu.html",
        "/dept/tin-1.html",
        "/portal/tin/12345.html",
    ] {
        assert!(
            links
                .iter()
                .any(|l| l.starts_with("http://127.0.0.1:") && l.ends_with(path)),
            "each source's name links to its copy on that portal: {links:?}"
        );
    }
    let provinces: Vec<String> = select(&card, "a.province").iter().map(text).collect();
    assert_eq!(provinces.len(), 2, "{provinces:?}");
    assert!(
        provinces.contains(&"Bắc Giang".to_string())
            && provinces.contains(&"Hậu Giang".to_string())
    );
    let time = &select(&card, "time")[0];
    assert!(
        attr(time, "datetime").ends_with("+07:00"),
        "{}",
        attr(time, "datetime")
    );
    let date = text(time);
    let weekday = [
        "Thứ Hai",
        "Thứ Ba",
        "Thứ Tư",
        "Thứ Năm",
        "Thứ Sáu",
        "Thứ Bảy",
        "Chủ Nhật",
    ];
    assert!(
        weekday.iter().any(|d| date.starts_with(&format!("{d}, "))) && date.contains("/03/2021 "),
        "{date}"
    );
    assert!(!text(&select(&card, "p.excerpt")[0]).is_empty());

    // Its page here: the fullest copy's text as the pipeline cleaned it, every carrier, the
    // original; only pictures may come from elsewhere.
    let link = href(&card, "h2 a").expect("the title links");
    assert!(link.starts_with("story?key="), "{link}");
    let response = client
        .get(resolve(server, &link))
        .send()
        .expect("GET story");
    assert_eq!(response.status(), 200);
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .expect("CSP")
        .to_string();
    assert!(
        policy.contains("default-src 'none'")
            && policy.contains("img-src 'self' data: https: http:"),
        "{policy}"
    );
    let page = Html::parse_document(&response.text().expect("body"));
    assert_eq!(text(&select(&page, "article.story h1")[0]), STORY);
    let content = text(&select(&page, "article.story div.content")[0]);
    assert!(
        content.contains("Tây Yên Tử") && content.len() > 1_000,
        "{content}"
    );
    assert!(text(&select(&page, "p.carried")[0]).starts_with("Đăng trên 3 nguồn:"));
    assert!(href(&page, "a.original").is_some_and(|h| h.starts_with("http://127.0.0.1:")));
    let missing = client
        .get(server.url("/story?key=https%3A%2F%2Fkhong-co.vn%2F1.html"))
        .send()
        .expect("GET");
    assert_eq!(missing.status(), 404);
    assert!(missing.text().expect("body").contains("Không có bài này"));

    // A search without diacritics; the page offers exactly its feed, which says the same.
    let found = get_page(client, &server.url("/?q=tay+yen+tu"));
    assert_eq!(card_titles(&found), [STORY]);
    let atom = href(
        &found,
        r#"link[rel=alternate][type="application/atom+xml"]"#,
    )
    .expect("autodiscovery");
    assert_eq!(atom, "feed.atom?q=tay+yen+tu");
    let feed = parse_atom(&server.text(&format!("/{atom}")));
    assert_eq!(titles(&feed), [STORY]);
    for (mime, path) in [
        ("application/rss+xml", "feed.rss"),
        ("application/feed+json", "feed.json"),
    ] {
        assert_eq!(
            href(&found, &format!(r#"link[rel=alternate][type="{mime}"]"#)).as_deref(),
            Some(format!("{path}?q=tay+yen+tu").as_str())
        );
    }

    // A province: its feed, and its cards.
    let province = get_page(client, &server.url("/?province=hau-giang"));
    assert_eq!(card_titles(&province), [STORY]);
    assert_eq!(
        href(
            &province,
            r#"link[rel=alternate][type="application/atom+xml"]"#
        )
        .as_deref(),
        Some("provinces/hau-giang.atom")
    );
    let chosen = select(&province, "select[name=province] option[selected]");
    assert_eq!(chosen.len(), 1);
    assert_eq!(attr(&chosen[0], "value"), "hau-giang");

    // A source: its stories only, picked in the list.
    let news = get_page(client, &server.url("/?source=news"));
    assert_eq!(
        card_titles(&news),
        unified_titles(server, client, "&source=news")[..PAGE]
    );
    assert!(select(&news, "article.card p.carried")
        .iter()
        .all(|p| text(p).contains("Báo Cần Thơ")));
    let picked = select(&news, "select[name=source] option[selected]");
    assert_eq!(attr(&picked[0], "value"), "news");
    let options: Vec<String> = select(&first, "select[name=source] option")
        .iter()
        .map(|o| attr(o, "value"))
        .collect();
    assert_eq!(options.len(), 7, "every source and 'all': {options:?}");

    // Cached per store generation, with validators.
    let etag = headers["etag"].to_str().expect("etag").to_string();
    let again = client
        .get(server.url("/"))
        .header("If-None-Match", &etag)
        .send()
        .expect("GET");
    assert_eq!(again.status(), 304);

    // A view that cannot be is said so.
    let status = |path: &str| client.get(server.url(path)).send().expect("GET").status();
    assert_eq!(status("/?province=khong-co"), 404);
    let missing = client
        .get(server.url("/?province=khong-co"))
        .send()
        .expect("GET")
        .text()
        .expect("body");
    assert!(
        missing.contains("<h1>Không có trang này</h1>") && missing.contains("khong-co"),
        "{missing}"
    );
    assert_eq!(status("/?before=not-a-cursor"), 400);
    assert_eq!(status("/style.css"), 200);
}

fn dashboard_over_http(server: &Server, client: &reqwest::blocking::Client) {
    let response = client.get(server.url("/status")).send().expect("GET");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-security-policy"]
        .to_str()
        .expect("CSP")
        .contains("default-src 'none'"));
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let doc = Html::parse_document(&response.text().expect("body"));
    let states: Vec<(String, String)> = select(&doc, "section.source")
        .iter()
        .map(|s| (attr(s, "data-source"), attr(s, "data-state")))
        .collect();
    // Problems first.
    assert_eq!(
        states[0],
        ("redesign".into(), "broken".into()),
        "{states:?}"
    );
    assert_eq!(states[1], ("down".into(), "failed".into()), "{states:?}");
    assert!(states[2..].iter().all(|(_, s)| s == "ok"), "{states:?}");
    let section = |id: &str| {
        let found = select(&doc, &format!(r#"section.source[data-source="{id}"]"#));
        Html::parse_fragment(&found[0].html())
    };
    let redesign = section("redesign");
    assert!(text(&select(&redesign, "p.problem")[0])
        .contains("selector `a.t` matched nothing on http://"));
    let down = section("down");
    assert!(text(&select(&down, "p.problem")[0]).contains("HTTP 503"));
    assert!(!select(&down, "svg.history path.runs.failed").is_empty());
    // The plot: 30 days, every article today; one run, ok.
    let news = section("news");
    let plot = &select(&news, "svg.history")[0];
    let days: Vec<usize> = attr(plot, "data-days")
        .split(',')
        .map(|d| d.parse().expect("a count"))
        .collect();
    assert_eq!(days.len(), 30);
    assert_eq!(days.last(), Some(&NEWS), "{days:?}");
    assert_eq!(days.iter().sum::<usize>(), NEWS);
    assert_eq!(attr(plot, "data-runs"), "o");
    let title = text(&select(&news, "svg.history title")[0]);
    assert!(
        title.starts_with(&format!("{NEWS} articles today")),
        "{title}"
    );
    let bars = attr(&select(&news, "svg.history path.days")[0], "d");
    assert_eq!(bars, "M236 38v-34h6v34z", "today's bar, full height");
    let redesign_plot = &select(&redesign, "svg.history")[0];
    assert_eq!(
        attr(redesign_plot, "data-runs"),
        "ob",
        "its first run, then broken"
    );

    // Totals: sources by state; today's articles are every stored article (all came today).
    let total = |name: &str| {
        let found = select(&doc, &format!(r#"div.total[data-total="{name}"] b"#));
        text(&found[0]).parse::<usize>().expect("a number")
    };
    assert_eq!(
        (
            total("sources"),
            total("ok"),
            total("failed"),
            total("broken")
        ),
        (6, 4, 1, 1)
    );
    let metrics = server.text("/metrics");
    let merges = metrics
        .lines()
        .find(|l| l.starts_with("portalfeed_merges_total "))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<usize>().ok())
        .expect("merges counted");
    assert_eq!(total("merges today"), merges);
    assert_eq!(merges, 2, "two portals re-posted the party's story");
    assert_eq!(
        total("articles today"),
        NEWS + 3 + merges,
        "every story, and each copy"
    );
}

fn chromium(args: &[&str], profile: &Path) -> std::process::Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium must be installed: scripts/test installs Debian's chromium")
}

/// What the browser made of a page: its DOM, what its console said, and the requests the page
/// itself made (the browser's own background requests left out).
struct Visit {
    dom: String,
    console: Vec<String>,
    requests: Vec<String>,
}

fn visit(url: &str) -> Visit {
    let profile = tempfile::tempdir().expect("profile dir");
    let netlog = profile.path().join("netlog.json");
    let out = chromium(
        &[
            &format!("--log-net-log={}", netlog.display()),
            "--dump-dom",
            url,
        ],
        profile.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    Visit {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console,
        requests: page_requests(&netlog, url),
    }
}

/// The URLs the page at `url` asked for, from chromium's net log: requests whose initiator is
/// the page's origin.
fn page_requests(netlog: &Path, url: &str) -> Vec<String> {
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(netlog).expect("net log")).expect("net log JSON");
    let start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].clone();
    let origin = url::Url::parse(url)
        .expect("url")
        .origin()
        .ascii_serialization();
    log["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == start_job)
        .filter(|e| e["params"]["initiator"].as_str() == Some(origin.as_str()))
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_string))
        .collect()
}

/// Asserts the page asked nothing of another origin and its console stayed silent (no
/// script, no refused resource, no policy violation).
fn assert_clean(visit: &Visit, server: &Server) {
    assert!(visit.console.is_empty(), "console: {:#?}", visit.console);
    assert!(
        visit.requests.iter().any(|r| r.ends_with("/style.css")),
        "the page's own stylesheet was requested: {:?}",
        visit.requests
    );
    let foreign: Vec<&String> = visit
        .requests
        .iter()
        .filter(|r| !r.starts_with(&format!("{}/", server.base)))
        .collect();
    assert!(foreign.is_empty(), "requests to other origins: {foreign:?}");
}

fn screenshot(url: &str, name: &str, width: u32, height: u32) -> PathBuf {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../test-output");
    std::fs::create_dir_all(&out_dir).expect("test output dir");
    let shot = out_dir.join(name);
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().expect("profile dir");
    let out = chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            &format!("--window-size={width},{height}"),
            url,
        ],
        profile.path(),
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "a real picture, {} bytes",
        png.len()
    );
    println!("screenshot: {}", shot.display());
    shot
}

fn in_chromium(server: &Server) {
    let front = visit(&server.url("/"));
    assert_clean(&front, server);
    let doc = Html::parse_document(&front.dom);
    assert_eq!(select(&doc, "article.card").len(), PAGE, "{}", front.dom);
    assert_eq!(select(&doc, "form.filters input[name=q]").len(), 1);
    assert!(select(&doc, "select[name=province] option").len() >= 4);
    assert_eq!(
        href(&doc, r#"link[rel=alternate][type="application/atom+xml"]"#).as_deref(),
        Some("feed.atom")
    );

    let status = visit(&server.url("/status"));
    assert_clean(&status, server);
    let doc = Html::parse_document(&status.dom);
    assert_eq!(select(&doc, "section.source svg.history").len(), 6);
    assert_eq!(
        select(&doc, "section.source")
            .first()
            .map(|s| attr(s, "data-state")),
        Some("broken".into())
    );

    for (path, name) in [("/", "front"), ("/status", "status")] {
        screenshot(&server.url(path), &format!("{name}-phone.png"), 412, 915);
        screenshot(
            &server.url(path),
            &format!("{name}-desktop.png"),
            1280,
            1600,
        );
    }
    let story = href(&Html::parse_document(&front.dom), "article.card h2 a").expect("a story");
    screenshot(&resolve(server, &story), "story-phone.png", 412, 915);
}

/// The checks above can fail: a page with a script that logs, and an image on another
/// origin, is caught by both.
#[test]
fn the_browser_checks_see_console_output_and_foreign_requests() {
    let portal = Portal::start();
    portal.put(
        "/noisy",
        Page::html(
            r#"<html><head><link rel="stylesheet" href="/style.css"></head><body>
            <script>console.error("noisy page")</script><img src="http://127.0.0.2:9/pixel.png"></body></html>"#,
        ),
    );
    let noisy = visit(&portal.url("/noisy"));
    assert!(
        noisy.console.iter().any(|l| l.contains("noisy page")),
        "{:?}",
        noisy.console
    );
    assert!(
        noisy
            .requests
            .iter()
            .any(|r| r.starts_with("http://127.0.0.2:9/")),
        "{:?}",
        noisy.requests
    );
    assert!(noisy.requests.iter().any(|r| r.ends_with("/style.css")));
}
