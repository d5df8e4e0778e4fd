//! Links: where an `href` leads (resolved as a browser would, http(s) only) and whether two URLs
//! are the same site. Used by configuration checks, extraction, fetching and normalizing alike;
//! it parses no HTML and fetches nothing.

use url::Url;

/// Resolves an `href`/`src` as a browser would, repairing `http:host/path` (missing `//`), and
/// keeps only http(s) URLs, without fragment.
pub fn resolve_link(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let repaired;
    let href = match href.split_once(':') {
        Some((scheme, rest))
            if (scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"))
                && !rest.starts_with('/') =>
        {
            repaired = format!("{scheme}://{rest}");
            repaired.as_str()
        }
        _ => href,
    };
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

/// Two hosts are the same site when they differ at most by a leading `www.`.
pub fn same_site(a: &Url, b: &Url) -> bool {
    let strip = |u: &Url| -> Option<String> {
        u.host_str()
            .map(|h| h.trim_start_matches("www.").to_ascii_lowercase())
    };
    strip(a).is_some() && strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_link_repairs_and_filters() {
        let base = Url::parse("http://site.vn/tin/index.html").ok();
        let Some(base) = base else { return };
        let r = |h| resolve_link(&base, h).map(|u| u.to_string());
        assert_eq!(r("../a.html#top").as_deref(), Some("http://site.vn/a.html"));
        assert_eq!(
            r("http:moc.gov.vn/x/y").as_deref(),
            Some("http://moc.gov.vn/x/y")
        );
        assert_eq!(r("javascript:void(0)"), None);
        assert_eq!(r("#"), None);
        assert_eq!(r("mailto:a@b.vn"), None);
        assert_eq!(
            r("../Uploads/19.3 B.png").as_deref(),
            Some("http://site.vn/Uploads/19.3%20B.png")
        );
    }
}
