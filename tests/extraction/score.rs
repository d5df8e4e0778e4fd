//! The article-extraction benchmark's scoring rule (Scrapinghub's
//! `article-extraction-benchmark`, MIT; restated from its README, no code copied): texts become multisets of
//! 4-token shingles (tokens are the Unicode `\w+` runs); per page, precision and recall of the
//! shared shingles; precision averaged over pages that predicted something, recall over all,
//! F1 of the two means.

use std::collections::HashMap;

/// The `\w+` runs of `text` (letters, digits, marks and `_`).
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The multiset of 4-token shingles (a text of fewer tokens is one shingle).
fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let words = tokens(text);
    let mut out: HashMap<Vec<&str>, usize> = HashMap::new();
    if words.is_empty() {
        return out;
    }
    if words.len() < 4 {
        out.insert(words, 1);
        return out;
    }
    for w in words.windows(4) {
        *out.entry(w.to_vec()).or_default() += 1;
    }
    out
}

/// One page's shared, extra and missing shingles (true positives, false positives, false
/// negatives).
pub fn counts(predicted: &str, expected: &str) -> (usize, usize, usize) {
    let p = shingles(predicted);
    let e = shingles(expected);
    let tp: usize = p
        .iter()
        .map(|(s, n)| (*n).min(e.get(s).copied().unwrap_or(0)))
        .sum();
    let predicted_n: usize = p.values().sum();
    let expected_n: usize = e.values().sum();
    (
        tp,
        predicted_n.saturating_sub(tp),
        expected_n.saturating_sub(tp),
    )
}

/// One page's precision (`None` when nothing was predicted) and recall.
pub fn page(predicted: &str, expected: &str) -> (Option<f64>, f64) {
    let (tp, fp, fn_) = counts(predicted, expected);
    let precision = (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64);
    let recall = if tp + fn_ == 0 {
        1.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    (precision, recall)
}

/// The other reading of the rule: each page's counts divided by their sum (so every page
/// weighs the same), summed over pages, then precision, recall and F1 of the sums.
#[allow(dead_code)] // the example reports it; the slice's floor uses [`overall`]
pub fn overall_normalized(pages: &[(usize, usize, usize)]) -> (f64, f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for &(t, p, n) in pages {
        let sum = (t + p + n) as f64;
        if sum > 0.0 {
            tp += t as f64 / sum;
            fp += p as f64 / sum;
            fn_ += n as f64 / sum;
        }
    }
    let precision = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let recall = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}

/// Precision, recall and F1 over pages scored by [`page`].
pub fn overall(pages: &[(Option<f64>, f64)]) -> (f64, f64, f64) {
    let precisions: Vec<f64> = pages.iter().filter_map(|(p, _)| *p).collect();
    let precision = precisions.iter().sum::<f64>() / precisions.len().max(1) as f64;
    let recall = pages.iter().map(|(_, r)| r).sum::<f64>() / pages.len().max(1) as f64;
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (precision, recall, f1)
}
