//! Bounded nesting: every HTML parse of remote content goes through here.
//!
//! An HTML parser keeps a stack of open elements and walks it for each new tag (scope checks),
//! so a page of 80,000 nested `<div>`s took 45 s to read and a 5 MB one would take hours. Before
//! parsing, [`flatten`] drops the tags that would open an element deeper than [`MAX_DEPTH`] (and
//! their end tags), keeping all text: the parse then stays linear in the page size. Pages within
//! the limit — every real one — are passed through untouched.
//!
//! One linear scan, no allocation unless a tag is dropped; it parses nothing else and decides
//! nothing about content.

use std::borrow::Cow;
use std::collections::HashMap;

use scraper::Html;

/// The deepest element nesting kept. Real portal pages stay under 100.
pub const MAX_DEPTH: usize = 512;

/// `html` parsed as a document, its nesting bounded first.
pub fn document(html: &str) -> Html {
    Html::parse_document(&flatten(html))
}

/// `html` parsed as a fragment, its nesting bounded first.
pub fn fragment(html: &str) -> Html {
    Html::parse_fragment(&flatten(html))
}

/// `html` without the start and end tags of elements nested deeper than [`MAX_DEPTH`].
pub fn flatten(html: &str) -> Cow<'_, str> {
    let mut scan = Scan {
        html,
        open: Vec::new(),
        open_by_name: HashMap::new(),
        out: None,
        copied_to: 0,
    };
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(offset) = memchr_lt(bytes.get(i..).unwrap_or_default()) {
        let start = i + offset;
        i = scan.markup(start);
    }
    match scan.out {
        None => Cow::Borrowed(html),
        Some(mut out) => {
            out.push_str(html.get(scan.copied_to..).unwrap_or_default());
            Cow::Owned(out)
        }
    }
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

/// Elements that never hold content, and those a parser closes by itself when a sibling
/// starts (`<p>`, `<li>`, `<td>`, `<a>` …): neither deepens the stack for long, so they are
/// not counted, and never dropped — a link deep in a hostile page still counts as a link.
fn counted(name: &str) -> bool {
    !matches!(
        name,
        "a" | "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "option"
            | "optgroup"
            | "rb"
            | "rt"
            | "rp"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
            | "caption"
            | "html"
            | "head"
            | "body"
    )
}

/// Elements whose content is text up to their end tag: no tag inside counts.
fn raw_text(name: &str) -> bool {
    matches!(
        name,
        "script" | "style" | "textarea" | "title" | "xmp" | "iframe" | "noembed" | "noframes"
    )
}

struct Scan<'a> {
    html: &'a str,
    /// Open counted elements: name, and whether its start tag was kept.
    open: Vec<(String, bool)>,
    /// How many of each name are open, so a stray end tag costs no stack walk.
    open_by_name: HashMap<String, usize>,
    /// The output, once a tag has been dropped.
    out: Option<String>,
    /// How far `html` has been copied to `out`.
    copied_to: usize,
}

impl Scan<'_> {
    /// Handles the markup starting at `start` (a `<`); returns where scanning resumes.
    fn markup(&mut self, start: usize) -> usize {
        let rest = self.html.get(start..).unwrap_or_default();
        if rest.starts_with("<!--") {
            return rest
                .get(4..)
                .and_then(|r| r.find("-->"))
                .map_or(self.html.len(), |end| start + 4 + end + 3);
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            return rest
                .find('>')
                .map_or(self.html.len(), |end| start + end + 1);
        }
        let closing = rest.starts_with("</");
        let name_from = if closing { 2 } else { 1 };
        let name: String = rest
            .get(name_from..)
            .unwrap_or_default()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return start + 1; // a `<` in text
        }
        let end = start + tag_len(rest);
        if closing {
            self.end_tag(&name, start, end);
            return end;
        }
        if raw_text(&name) {
            // Skip to the matching end tag; whatever it holds is text.
            let close = format!("</{name}");
            let after = self.html.get(end..).unwrap_or_default();
            return find_ascii_case_insensitive(after, &close).map_or(self.html.len(), |i| end + i);
        }
        if counted(&name) {
            let keep = self.open.len() < MAX_DEPTH;
            if !keep {
                self.drop_range(start, end);
            }
            *self.open_by_name.entry(name.clone()).or_default() += 1;
            self.open.push((name, keep));
        }
        end
    }

    fn end_tag(&mut self, name: &str, start: usize, end: usize) {
        if !counted(name) || self.open_by_name.get(name).copied().unwrap_or(0) == 0 {
            return; // stray or uncounted: the parser deals with it cheaply
        }
        // Close up to the most recent element of that name, as a parser would.
        while let Some((open, kept)) = self.open.pop() {
            if let Some(n) = self.open_by_name.get_mut(&open) {
                *n = n.saturating_sub(1);
            }
            if open == name {
                if !kept {
                    self.drop_range(start, end);
                }
                return;
            }
        }
    }

    fn drop_range(&mut self, start: usize, end: usize) {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.html.len()));
        out.push_str(self.html.get(self.copied_to..start).unwrap_or_default());
        self.copied_to = end;
    }
}

/// Length of the tag at the start of `html`, quoted attribute values (which may hold `>`)
/// included; the rest of the input when it never closes.
fn tag_len(html: &str) -> usize {
    let mut quote = None;
    for (i, b) in html.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    html.len()
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn depth_of(html: &str) -> usize {
        let doc = Html::parse_fragment(html);
        doc.root_element()
            .descendants()
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn real_pages_pass_untouched() {
        let page = "<html><head><title>a <div> b</title><script>if (a<b) x='</div>'</script></head>\
                    <body><!-- <div><div> --><div class=\"a>b\"><p>Tin<p>Hai<ul><li>x<li>y</ul></div>\
                    <img src=x><br></div></body></html>";
        assert!(matches!(flatten(page), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_cut_at_the_limit_and_text_kept() {
        let depth = 5000;
        let page = format!(
            "<body>{}<p>chữ giữa</p>{}<p>sau</p></body>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let flat = flatten(&page);
        assert!(flat.contains("chữ giữa") && flat.contains("sau"));
        assert_eq!(flat.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(flat.matches("</div>").count(), MAX_DEPTH);
        assert!(depth_of(&flat) <= MAX_DEPTH + 8, "{}", depth_of(&flat));
        let text: String = fragment(&page).root_element().text().collect();
        assert_eq!(text, "chữ giữasau");
    }

    #[test]
    fn links_survive_at_any_depth() {
        let page = format!(
            "{}<a class=\"t\" href=\"/sau.html\">Bài</a>{}",
            "<div>".repeat(2000),
            "</div>".repeat(2000)
        );
        let doc = fragment(&page);
        let selector =
            scraper::Selector::parse("a.t[href='/sau.html']").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc.select(&selector).count(), 1);
    }

    #[test]
    fn unclosed_and_stray_tags_cost_no_stack_walk() {
        let page = format!("{}{}", "<span>".repeat(3000), "</b>".repeat(3000));
        let flat = flatten(&page);
        assert_eq!(flat.matches("<span>").count(), MAX_DEPTH);
    }

    proptest! {
        #[test]
        fn output_depth_is_bounded_and_text_survives(
            pieces in prop::collection::vec(
                prop::sample::select(vec!["<div>", "</div>", "<span>", "</span>", "<b>", "</b>",
                    "<p>", "<li>", "x", "ạ", "<!--", "-->", "<script>", "</script>", "<", ">", "\""]),
                0..2000),
            repeat in 1usize..4,
        ) {
            let html = pieces.concat().repeat(repeat);
            let flat = flatten(&html);
            prop_assert!(flat.len() <= html.len());
            let again = flatten(&flat).into_owned();
            prop_assert_eq!(again.as_str(), flat.as_ref(), "idempotent");
        }
    }
}
