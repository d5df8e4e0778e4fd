//! The key URL of an article: one address per article, whatever link led to it.

use url::Url;

use crate::links::same_site;

/// Query parameters that only track where a click came from.
fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || matches!(
            name.as_str(),
            "fbclid" | "gclid" | "zarsrc" | "mc_cid" | "mc_eid"
        )
}

/// A query parameter's name as text (`utm%5Fsource` is `utm_source`).
fn percent_decoded(name: &str) -> String {
    url::form_urlencoded::parse(name.as_bytes())
        .next()
        .map_or_else(|| name.to_string(), |(k, _)| k.into_owned())
}

/// The page's `<link rel="canonical">` / `og:url` when it points to the same site, else the page
/// URL itself; either way without fragment and tracking parameters.
pub fn canonical_url(page: &Url, declared: Option<&Url>) -> Url {
    let mut url = match declared {
        Some(d) if same_site(d, page) => d.clone(),
        _ => page.clone(),
    };
    url.set_fragment(None);
    if let Some(query) = url.query() {
        // Pieces are kept as written (`?r123` must not become `?r123=`); only a piece whose name
        // is a tracking parameter goes.
        let kept: Vec<&str> = query
            .split('&')
            .filter(|piece| {
                let name = piece.split('=').next().unwrap_or_default();
                !is_tracking(&percent_decoded(name))
            })
            .collect();
        let kept = kept.join("&");
        url.set_query((!kept.is_empty()).then_some(kept.as_str()));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn queries_are_kept_byte_for_byte() {
        for kept in [
            "https://a.vn/here.pl?r123",
            "https://a.vn/p?a=1&b=%C3%A1&c",
            "https://a.vn/p?x=a+b&y=",
            "https://a.vn/Default.aspx?tabid=82&ItemID=5",
        ] {
            assert_eq!(canonical_url(&u(kept), None).as_str(), kept);
        }
        assert_eq!(
            canonical_url(&u("https://a.vn/here.pl?r123&utm_medium=rss"), None).as_str(),
            "https://a.vn/here.pl?r123"
        );
    }

    #[test]
    fn tracking_and_fragment_are_dropped() {
        let page = u("https://a.vn/tin/1.html?utm_source=fb&id=3&fbclid=x#c");
        assert_eq!(
            canonical_url(&page, None).as_str(),
            "https://a.vn/tin/1.html?id=3"
        );
        let page = u("https://a.vn/tin/1.html?utm_source=fb");
        assert_eq!(
            canonical_url(&page, None).as_str(),
            "https://a.vn/tin/1.html"
        );
    }

    #[test]
    fn canonical_on_same_site_wins_other_hosts_do_not() {
        let page = u("https://www.a.vn/web/guest/-/bai?inheritRedirect=true&redirect=%2F");
        let canon = u("https://a.vn/web/guest/-/bai");
        assert_eq!(
            canonical_url(&page, Some(&canon)).as_str(),
            "https://a.vn/web/guest/-/bai"
        );
        let elsewhere = u("https://aggregator.example/copy");
        assert_eq!(
            canonical_url(&page, Some(&elsewhere)).host_str(),
            Some("www.a.vn")
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn canonicalization_is_idempotent(
                host in "[a-z]{1,8}\\.(vn|gov\\.vn|com)",
                path in "(/[a-zA-Z0-9à-ỹ%._~-]{0,12}){0,4}",
                query in prop::collection::vec(
                    ("(utm_[a-z]{1,5}|fbclid|gclid|id|p|q|[a-z]{1,6})", "[a-zA-Z0-9à-ỹ%+&=/ ]{0,8}"),
                    0..5,
                ),
                fragment in prop::option::of("[a-z0-9#?]{0,8}"),
                canonical in prop::option::of("(/[a-z0-9-]{0,10}){1,3}"),
            ) {
                let mut text = format!("https://{host}{path}");
                if !query.is_empty() {
                    let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    text.push('?');
                    text.push_str(&pairs.join("&"));
                }
                if let Some(f) = &fragment {
                    text.push('#');
                    text.push_str(f);
                }
                let Ok(page) = Url::parse(&text) else { return Ok(()); };
                let declared = canonical.and_then(|c| Url::parse(&format!("https://{host}{c}")).ok());
                let once = canonical_url(&page, declared.as_ref());
                prop_assert_eq!(canonical_url(&once, None), once.clone());
                prop_assert_eq!(canonical_url(&once, Some(&once)), once.clone());
                prop_assert!(once.fragment().is_none());
                prop_assert!(!once.query_pairs().any(|(k, _)| is_tracking(&k)));
            }
        }
    }
}
